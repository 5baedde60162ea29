//! The Socket Mode connection as the bot opens it, in this process: slack-morphism's
//! listener against the local workspace, so the connection's own socket can be read
//! (through `/proc/self/fd`, so on Linux only).

#![cfg(target_os = "linux")]

mod support;

use std::time::Duration;

use escalator::adapters::slack::client::{connect, Token};
use escalator::adapters::slack::socket::SocketMode;
use secrecy::SecretString;
use support::*;

/// The process's TCP connections to `port`, each with whether Nagle's algorithm is off.
fn connections_to(port: u16) -> Vec<bool> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Ok(fd) = entry.file_name().to_string_lossy().parse::<libc::c_int>() else {
            continue;
        };
        // SAFETY: the address buffer and its length are live and sized for IPv4; a
        // descriptor that is not a connected IPv4 socket makes the call fail.
        let peer = unsafe {
            let mut address: libc::sockaddr_in = std::mem::zeroed();
            let mut len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            let read = libc::getpeername(fd, std::ptr::from_mut(&mut address).cast(), &mut len);
            (read == 0 && address.sin_family == libc::AF_INET as libc::sa_family_t)
                .then(|| u16::from_be(address.sin_port))
        };
        if peer != Some(port) {
            continue;
        }
        let mut value: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: as above, for an integer option.
        let read = unsafe {
            libc::getsockopt(
                fd,
                libc::IPPROTO_TCP,
                libc::TCP_NODELAY,
                std::ptr::from_mut(&mut value).cast(),
                &mut len,
            )
        };
        if read == 0 {
            found.push(value != 0);
        }
    }
    found
}

/// Slack acks must not wait for TCP acknowledgements: every connection the bot holds to
/// Slack, the Socket Mode WebSocket included, has Nagle's algorithm off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_socket_mode_connection_sends_without_delay() {
    let workspace = workspace(Default::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let escalator = runtime_in_process(&workspace, dir.path());
    let client = connect(&workspace.api_base_url());
    let inbound = slack_inbound(escalator, &workspace);
    let socket = SocketMode::start(
        client,
        &Token::new(SecretString::from(APP_TOKEN)),
        inbound,
        5,
    )
    .await
    .expect("connects");
    assert!(workspace.wait_for_connections(1, PATIENCE).await);

    let port = workspace.addr().port();
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while tokio::time::Instant::now() < deadline {
        seen = connections_to(port);
        if !seen.is_empty() && seen.iter().all(|is_off| *is_off) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    socket.shutdown().await;
    assert!(!seen.is_empty(), "no connection to the workspace found");
    assert!(
        seen.iter().all(|is_off| *is_off),
        "Nagle's algorithm still on for some connections to Slack: {seen:?}"
    );
}
