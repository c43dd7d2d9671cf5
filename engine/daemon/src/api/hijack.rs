//! Streaming bodies and hijacked (upgraded) connections.

use std::future::Future;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

use super::detach::{DetachScanner, Scan};

/// A response body fed by a channel; hyper sends the headers at once.
pub fn body_from_channel(rx: tokio::sync::mpsc::Receiver<Bytes>) -> Body {
    Body::from_stream(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, std::io::Error>(b), rx))
    }))
}

pub type Hijacked = TokioIo<Upgraded>;

/// Answers `101 UPGRADED` and runs `task` on the raw connection, as dockerd
/// does for attach (the docker CLI always asks for `Upgrade: tcp`).
pub fn upgrade<F, Fut>(req: &mut Request, task: F) -> Response
where
    F: FnOnce(Hijacked) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let on_upgrade = hyper::upgrade::on(req);
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => task(TokioIo::new(upgraded)).await,
            Err(e) => tracing::warn!("connection upgrade failed: {e}"),
        }
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "Upgrade")
        .header(header::UPGRADE, "tcp")
        .header(header::CONTENT_TYPE, "application/vnd.docker.raw-stream")
        .body(Body::empty())
        .expect("static response parts are valid")
}

/// Copies the shim's output to the client until it ends, and the client's
/// input to the shim; the client's half-close is passed on (so a piped
/// stdin reaches EOF in the container). Typing the detach keys ends the
/// attach and leaves the container running.
pub async fn splice(client: Hijacked, shim: UnixStream, detach_keys: Vec<u8>) {
    splice_then(client, shim, detach_keys, async {}).await
}

/// As [`splice`], running `before_close` once the output has ended and
/// before the client sees EOF (so state it then asks for is current).
pub async fn splice_then(
    client: Hijacked,
    shim: UnixStream,
    detach_keys: Vec<u8>,
    before_close: impl Future<Output = ()>,
) {
    let (mut client_read, mut client_write) = tokio::io::split(client);
    let (mut shim_read, mut shim_write) = shim.into_split();
    let (detached_tx, detached_rx) = tokio::sync::oneshot::channel::<()>();
    let input = tokio::spawn(async move {
        let mut scanner = DetachScanner::new(detach_keys);
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let (data, detach) = match scanner.feed(&buf[..n]) {
                        Scan::Forward(d) => (d, false),
                        Scan::Detach(d) => (d, true),
                    };
                    if shim_write.write_all(&data).await.is_err() {
                        break;
                    }
                    if detach {
                        let _ = detached_tx.send(());
                        return;
                    }
                }
            }
        }
        let _ = shim_write.shutdown().await;
    });
    // Only a sent value is a detach: the sender is also dropped when the
    // client's stdin simply ends, and output must go on then.
    tokio::select! {
        _ = tokio::io::copy(&mut shim_read, &mut client_write) => {}
        Ok(()) = detached_rx => {}
    }
    before_close.await;
    let _ = client_write.flush().await;
    let _ = client_write.shutdown().await;
    input.abort();
}
