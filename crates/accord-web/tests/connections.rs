//! Issue 11, finding 9: the server does not wait for ever on a client.
//! Over real sockets, a connection that sends nothing, one that stops
//! half-way through its headers and one that stops half-way through its
//! body are each closed by the server, and beyond the cap on connections
//! a client waits until one closes. The timeouts here are a second long,
//! so each test takes about that; none asserts how long anything took.

mod common;

use std::time::Duration;

use accord_web::ConnectionLimits;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::oneshot,
};

/// How long a test waits for the server to close a connection before it
/// fails instead of hanging: far beyond the one-second timeouts served.
const GIVE_UP: Duration = Duration::from_secs(60);

/// Serves the application on a free loopback port with `limits`; returns
/// its address and what stops it.
async fn serve(limits: ConnectionLimits) -> (String, oneshot::Sender<()>, tempfile::TempDir) {
    let (state, dir) = common::state().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(accord_web::serve_with_limits(
        listener,
        state,
        limits,
        async {
            let _ = stopped.await;
        },
    ));
    (address, stop, dir)
}

fn short_timeouts() -> ConnectionLimits {
    ConnectionLimits {
        header_read_timeout: Duration::from_secs(1),
        body_read_timeout: Duration::from_secs(1),
        max_connections: 64,
    }
}

/// Everything the server sends on `stream` until it closes it, or a
/// failure naming `what` if it never does.
async fn until_closed(stream: &mut TcpStream, what: &str) -> String {
    let mut received = Vec::new();
    let read = tokio::time::timeout(GIVE_UP, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server kept open {what}");
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed() {
    let (address, _stop, _dir) = serve(short_timeouts()).await;
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let sent = until_closed(&mut stream, "a connection that sent nothing").await;
    assert_eq!(sent, "", "nothing was asked, so nothing is answered");
}

#[tokio::test]
async fn a_connection_that_stops_half_way_through_its_headers_is_closed() {
    let (address, _stop, _dir) = serve(short_timeouts()).await;
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(format!("GET /api/v1/health HTTP/1.1\r\nHost: {address}\r\nAccept:").as_bytes())
        .await
        .unwrap();
    let sent = until_closed(&mut stream, "a connection with half its headers").await;
    assert!(!sent.contains("200 OK"), "{sent}");
}

#[tokio::test]
async fn a_connection_that_stops_half_way_through_its_body_is_answered_and_closed() {
    let (address, _stop, _dir) = serve(short_timeouts()).await;
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(
            format!(
                "POST /api/v1/session HTTP/1.1\r\nHost: {address}\r\n\
                 Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"sign_in\":"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let sent = until_closed(&mut stream, "a connection with half its body").await;
    assert!(sent.starts_with("HTTP/1.1 400"), "{sent}");
    assert!(sent.contains("unreadable_body"), "{sent}");
}

#[tokio::test]
async fn a_kept_alive_connection_left_idle_is_closed() {
    let (address, _stop, _dir) = serve(short_timeouts()).await;
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(format!("GET /api/v1/health HTTP/1.1\r\nHost: {address}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let sent = until_closed(&mut stream, "an idle kept-alive connection").await;
    assert!(sent.starts_with("HTTP/1.1 200"), "answered first: {sent}");
}

/// Sends a health check on `stream` and reads its whole answer (the
/// health body is small and sent with a length).
async fn health(stream: &mut TcpStream, address: &str) -> String {
    stream
        .write_all(format!("GET /api/v1/health HTTP/1.1\r\nHost: {address}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "the server closed the connection");
        received.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&received);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_owned())
                })
                .and_then(|v| v.parse().ok())
                .expect("a Content-Length");
            if body.len() >= length {
                return text.into_owned();
            }
        }
    }
}

#[tokio::test]
async fn beyond_the_cap_a_client_waits_until_a_connection_closes() {
    let (address, _stop, _dir) = serve(ConnectionLimits {
        header_read_timeout: Duration::from_secs(60),
        max_connections: 1,
        ..short_timeouts()
    })
    .await;
    // The first client takes the only connection and keeps it.
    let mut first = TcpStream::connect(&address).await.unwrap();
    assert!(
        health(&mut first, &address)
            .await
            .starts_with("HTTP/1.1 200")
    );
    // The second asks too...
    let mut second = TcpStream::connect(&address).await.unwrap();
    second
        .write_all(format!("GET /api/v1/health HTTP/1.1\r\nHost: {address}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    // ...and while the first is still being served, is not answered.
    assert!(
        health(&mut first, &address)
            .await
            .starts_with("HTTP/1.1 200")
    );
    let mut peek = [0u8; 1];
    assert!(
        matches!(second.try_read(&mut peek), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the second client was answered while the first held the only connection"
    );
    // Once the first goes, the second is served.
    drop(first);
    let mut answer = [0u8; 12];
    tokio::time::timeout(GIVE_UP, second.read_exact(&mut answer))
        .await
        .expect("the second client is answered once the first has gone")
        .unwrap();
    assert_eq!(&answer, b"HTTP/1.1 200");
}
