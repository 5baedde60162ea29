//! The `escalator` binary: hands the command line to `cli`.

use std::process::ExitCode;

fn main() -> ExitCode {
    bound_malloc_arenas();
    return_free_memory_regularly();
    // The ring provider is the only TLS backend built in; installing it explicitly keeps
    // rustls from guessing should another dependency ever enable a second one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    escalator::cli::main(std::env::args_os())
}

/// Caps glibc's malloc arenas at two.
///
/// glibc gives threads their own arenas, up to eight per core, and keeps what each arena
/// once held mapped after it is freed. The bot's blocking pool (one thread per flush under
/// way), sled's and tantivy's threads spread allocations over many arenas, which left
/// the resident memory of a restart with 100,000 stored incidents at about 350 MiB
/// instead of 260 (see BENCHMARKS.md). Two arenas are enough for two busy async workers.
/// An operator's `MALLOC_ARENA_MAX` still wins, as glibc reads it when it starts.
fn bound_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: `mallopt` only changes the allocator's settings, and no other thread
        // exists yet.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

/// How often freed heap memory is handed back to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Hands whole free pages of the heap back to the system every [`TRIM_EVERY`].
///
/// glibc returns freed memory only from the top of a heap, so a start-up pass over a large
/// store (sled pulls every page through its cache while the store is checked) and the
/// many small allocations of deliveries leave most of the heap free but resident. In a
/// restart with 100,000 stored incidents, `malloc_trim` mid-delivery took resident memory
/// from 173 to 91 MiB. A trim walks the free lists of each arena under its lock, which
/// takes milliseconds at that size.
fn return_free_memory_regularly() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let trimming = std::thread::Builder::new()
            .name("memory-trim".to_owned())
            .stack_size(64 * 1024)
            .spawn(|| loop {
                std::thread::sleep(TRIM_EVERY);
                // SAFETY: `malloc_trim` takes each arena's lock itself; it only releases
                // pages no allocation uses.
                unsafe {
                    libc::malloc_trim(0);
                }
            });
        // Without the thread the bot only keeps more memory than it needs.
        drop(trimming);
    }
}
