//! Nagle's algorithm off on the Socket Mode connections.
//!
//! slack-morphism opens the Socket Mode WebSocket with `tokio_tungstenite::connect_async`,
//! which leaves Nagle's algorithm on, and offers no way to change it. With Nagle on, a
//! small frame the bot writes while an earlier one is not yet acknowledged by TCP waits
//! for that acknowledgement, which the other side may hold back until it has data of its
//! own to send. After a short stall under a burst of commands, every envelope's ack then
//! waited for Slack's next envelope: in the load benchmark, hundreds of commands in a row
//! were answered 10 ms late instead of 1 ms (see BENCHMARKS.md).
//!
//! So the bot turns Nagle off itself: [`sweep`] sets `TCP_NODELAY` on every TCP socket the
//! process holds that does not have it. The Socket Mode listener runs a sweep every
//! second, which also covers the sockets of reconnections and slack-morphism's Web API
//! connections (which have Nagle on as well); `tests/socket_mode.rs` reads the options
//! of the bot's connections to check it. Elsewhere than Linux a sweep does nothing.

use std::time::Duration;

/// How often the process's sockets are looked through.
pub const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Sets `TCP_NODELAY` on every TCP socket of the process without it; returns how many
/// were changed.
#[cfg(target_os = "linux")]
pub fn sweep() -> usize {
    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
        return 0;
    };
    let mut changed = 0;
    for entry in entries.flatten() {
        let Ok(fd) = entry.file_name().to_string_lossy().parse::<libc::c_int>() else {
            continue;
        };
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
        // A descriptor closed and reused since it was listed is at worst another socket
        // of this process, which is as well off without Nagle, or not a socket, which
        // the calls below refuse.
        if is_socket && is_tcp(fd) && option(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY) == Some(0) {
            let one: libc::c_int = 1;
            // SAFETY: `fd` is an open descriptor of this process (or the call fails
            // with EBADF), and the option value is a live `c_int` of the size passed.
            let set = unsafe {
                libc::setsockopt(
                    fd,
                    libc::IPPROTO_TCP,
                    libc::TCP_NODELAY,
                    std::ptr::from_ref(&one).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            };
            if set == 0 {
                changed += 1;
            }
        }
    }
    changed
}

/// Does nothing where `/proc/self/fd` does not list the process's sockets.
#[cfg(not(target_os = "linux"))]
pub fn sweep() -> usize {
    0
}

/// Whether `fd` is a TCP socket over IPv4 or IPv6.
#[cfg(target_os = "linux")]
fn is_tcp(fd: libc::c_int) -> bool {
    let is_stream = option(fd, libc::SOL_SOCKET, libc::SO_TYPE) == Some(libc::SOCK_STREAM);
    let domain = option(fd, libc::SOL_SOCKET, libc::SO_DOMAIN);
    is_stream && matches!(domain, Some(libc::AF_INET | libc::AF_INET6))
}

/// An integer socket option of `fd`, if it has one.
#[cfg(target_os = "linux")]
fn option(fd: libc::c_int, level: libc::c_int, name: libc::c_int) -> Option<libc::c_int> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value` and `len` are live and sized for an integer option; a descriptor
    // that is not a socket, or not open, makes the call fail.
    let read = unsafe {
        libc::getsockopt(
            fd,
            level,
            name,
            std::ptr::from_mut(&mut value).cast(),
            &mut len,
        )
    };
    (read == 0).then_some(value)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::net::{TcpListener, TcpStream};

    use super::*;

    #[test]
    fn a_sweep_turns_nagle_off_on_a_tcp_connection_of_the_process() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        assert!(!client.nodelay().unwrap(), "Nagle is on by default");

        assert!(sweep() >= 2, "both ends of the connection are changed");
        assert!(client.nodelay().unwrap());
        assert!(server.nodelay().unwrap());
        // Other tests' sockets may come and go meanwhile, but these two stay as they are.
        sweep();
        assert!(client.nodelay().unwrap());
    }
}
