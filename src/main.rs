//! The `escalator` binary: hands the command line to `cli`.

use std::process::ExitCode;

fn main() -> ExitCode {
    bound_malloc_arenas();
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
