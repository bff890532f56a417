//! Issue 13 (10): idle connections cannot take the server down. A connection that sends no
//! request head in time is closed (idle keep-alive included), and one address gets only its
//! allowance of open connections while everyone else is still served.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::common::TestServer;

/// A TCP connection to the server from `from` (127.0.0.x: all loopback).
async fn connect_from(server: &TestServer, from: u8) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::from(([127, 0, 0, from], 0)))
        .unwrap();
    socket.connect(server.addr).await.unwrap()
}

/// Reads until the server closes the connection; the time it took.
async fn closed_after(stream: &mut TcpStream) -> Duration {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(15), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => continue,
            Err(_) => panic!("the server kept an idle connection open"),
        }
    }
}

const PING: &[u8] = b"GET /api/v1/mobile/ping HTTP/1.1\r\nHost: x\r\n\r\n";

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_header_timeout() {
    let server =
        TestServer::start_with(|c| c.header_read_timeout = Duration::from_millis(300)).await;
    // nothing at all
    let mut silent = connect_from(&server, 1).await;
    closed_after(&mut silent).await;
    // half a request head
    let mut slow = connect_from(&server, 1).await;
    slow.write_all(b"GET /api/v1/mobile/ping HTTP/1.1\r\nHo")
        .await
        .unwrap();
    closed_after(&mut slow).await;
    // a finished request, then an idle keep-alive connection
    let mut idle = connect_from(&server, 1).await;
    idle.write_all(PING).await.unwrap();
    let mut head = [0u8; 12];
    idle.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    closed_after(&mut idle).await;
}

#[tokio::test]
async fn one_address_gets_its_allowance_and_others_are_still_served() {
    let server = TestServer::start_with(|c| {
        c.max_connections_per_address = 5;
        c.header_read_timeout = Duration::from_secs(60);
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(connect_from(&server, 2).await);
    }
    // the sixth from the same address is closed without an answer
    let mut extra = connect_from(&server, 2).await;
    let _ = extra.write_all(PING).await;
    let waited = closed_after(&mut extra).await;
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    // another address is served as usual
    let mut other = connect_from(&server, 3).await;
    other.write_all(PING).await.unwrap();
    let mut head = [0u8; 12];
    other.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    // a closed connection gives its place back
    drop(held.pop());
    // (the server notices the close a moment later: ask until it has, a bounded number of times)
    let mut served = false;
    for _ in 0..100 {
        let mut again = connect_from(&server, 2).await;
        let _ = again.write_all(PING).await;
        let mut head = [0u8; 12];
        if again.read_exact(&mut head).await.is_ok() && &head == b"HTTP/1.1 200" {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(served, "a freed place serves the address again");
}
