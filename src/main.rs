//! The `escalator` binary: hands the command line to `cli`.

use std::process::ExitCode;

fn main() -> ExitCode {
    // The ring provider is the only TLS backend built in; installing it explicitly keeps
    // rustls from guessing should another dependency ever enable a second one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    escalator::cli::main(std::env::args_os())
}
