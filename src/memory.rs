//! Handing freed heap memory back to the system.
//!
//! glibc returns freed memory only from the top of a heap, so a start-up pass over a large
//! store (sled pulls every page through its cache while the store is checked) and the many
//! small allocations of deliveries leave most of the heap free but resident. In a restart
//! with 100,000 stored incidents, `malloc_trim` mid-delivery took resident memory from 173
//! to 91 MiB. A trim walks the free lists of each arena under its lock, which takes
//! milliseconds at that size. Elsewhere than glibc these do nothing.

use std::sync::Once;
use std::time::Duration;

/// How often freed heap memory is handed back while the bot runs.
const GIVE_BACK_EVERY: Duration = Duration::from_secs(10);

/// Hands the heap's whole free pages back to the system now.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes each arena's lock itself; it only releases pages no
    // allocation uses.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Hands free pages back every [`GIVE_BACK_EVERY`] from a thread of its own, started
/// once per process however often this is called.
pub fn give_back_regularly() {
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        let giving_back = std::thread::Builder::new()
            .name("memory-trim".to_owned())
            .stack_size(64 * 1024)
            .spawn(|| loop {
                std::thread::sleep(GIVE_BACK_EVERY);
                give_back();
            });
        // Without the thread the bot only keeps more memory than it needs.
        drop(giving_back);
    });
}
