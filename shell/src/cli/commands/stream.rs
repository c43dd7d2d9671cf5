//! Attached streams: the hijacked connection of attach and exec, docker's
//! stdout/stderr framing, the local terminal in raw mode, resizes and
//! detach keys.
//!
//! bollard's attach decoder guesses framing per read and holds terminal
//! output until a newline (a shell prompt would never show), so berth
//! hijacks the connection itself, with hyper's upgrade support.

use std::io::{IsTerminal, Write};

use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::cli::{Args, CliError};
use crate::engine::Engine;

const DEFAULT_DETACH_KEYS: &str = "ctrl-p,ctrl-q";

/// `--detach-keys` (or docker's default): the bytes, and the text the
/// engine's `detachKeys` query takes.
pub fn detach_keys(args: &Args) -> Result<(Vec<u8>, String), String> {
    let text = args
        .value("detach-keys")
        .unwrap_or_else(|| DEFAULT_DETACH_KEYS.to_string());
    let keys = parse_detach_keys(&text)
        .map_err(|e| format!("Invalid detach keys ({text}) provided: {e}"))?;
    Ok((keys, text))
}

/// What an attached session is attached to: its terminal is resized
/// through the container or the exec.
#[derive(Clone, Copy)]
pub enum Target<'a> {
    Container(&'a str),
    Exec(&'a str),
}

/// How a session behaves.
pub struct Session<'a> {
    pub tty: bool,
    pub stdin: bool,
    pub detach_keys: &'a [u8],
    /// Forward SIGINT/SIGTERM/SIGHUP to the container (no TTY, --sig-proxy).
    pub proxy_signals: bool,
}

/// The attached part of run, start -a, attach and exec: raw mode while
/// the user types into a TTY, the terminal size sent now and on SIGWINCH,
/// signals forwarded, streams pumped until they end or the user detaches.
pub async fn attached(
    engine: &Engine,
    target: Target<'_>,
    conn: Box<dyn Duplex>,
    s: Session<'_>,
) -> Result<Ended, CliError> {
    let raw = RawTerminal::enable(s.tty && s.stdin);
    if s.tty {
        resize(engine, target).await;
    }
    let signals = forward_signals(engine, target, s.tty, s.proxy_signals);
    let keys = if s.tty { s.detach_keys } else { &[] };
    let ended = pump(conn, s.stdin, s.tty, keys).await;
    drop(raw);
    signals.abort();
    ended
}

async fn resize(engine: &Engine, target: Target<'_>) {
    let Some((rows, cols)) = terminal_size() else {
        return;
    };
    match target {
        Target::Container(id) => {
            let options = bollard::query_parameters::ResizeContainerTTYOptionsBuilder::new()
                .h(rows.into())
                .w(cols.into())
                .build();
            let _ = engine.docker.resize_container_tty(id, options).await;
        }
        Target::Exec(id) => {
            let options = bollard::query_parameters::ResizeExecOptionsBuilder::new()
                .h(rows.into())
                .w(cols.into())
                .build();
            let _ = engine.docker.resize_exec(id, options).await;
        }
    }
}

/// SIGWINCH resizes the target's terminal. With `proxy`, SIGINT, SIGTERM
/// and SIGHUP go to the container; otherwise they keep their default
/// effect on this client.
fn forward_signals(
    engine: &Engine,
    target: Target<'_>,
    tty: bool,
    proxy: bool,
) -> tokio::task::JoinHandle<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let engine = engine.clone();
    let (id, is_exec) = match target {
        Target::Container(id) => (id.to_string(), false),
        Target::Exec(id) => (id.to_string(), true),
    };
    tokio::spawn(async move {
        let target = if is_exec {
            Target::Exec(&id)
        } else {
            Target::Container(&id)
        };
        let Ok(mut winch) = signal(SignalKind::window_change()) else {
            return;
        };
        if !proxy || is_exec {
            while winch.recv().await.is_some() {
                if tty {
                    resize(&engine, target).await;
                }
            }
            return;
        }
        let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        loop {
            let name = tokio::select! {
                _ = winch.recv() => continue,
                _ = int.recv() => "SIGINT",
                _ = term.recv() => "SIGTERM",
                _ = hup.recv() => "SIGHUP",
            };
            let options = bollard::query_parameters::KillContainerOptionsBuilder::new()
                .signal(name)
                .build();
            let _ = engine.docker.kill_container(&id, Some(options)).await;
        }
    })
}

pub trait Duplex: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Duplex for T {}

/// POSTs `path` asking for a connection upgrade and returns the raw stream.
pub async fn hijack(
    engine: &Engine,
    path: &str,
    body: Option<Vec<u8>>,
) -> Result<Box<dyn Duplex>, CliError> {
    let response = engine.upgrade(path, body).await?;
    let status = response.status();
    if !(status == hyper::StatusCode::SWITCHING_PROTOCOLS || status.is_success()) {
        return Err(CliError::from_response(response).await);
    }
    let upgraded = hyper::upgrade::on(response)
        .await
        .map_err(|e| CliError::new(e.to_string(), 1))?;
    Ok(Box::new(TokioIo::new(upgraded)))
}

/// The local terminal in raw mode for the life of the guard.
pub struct RawTerminal {
    active: bool,
}

impl RawTerminal {
    pub fn enable(want: bool) -> Self {
        let active = want
            && std::io::stdin().is_terminal()
            && crossterm::terminal::enable_raw_mode().is_ok();
        RawTerminal { active }
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        if self.active {
            let _ = crossterm::terminal::disable_raw_mode();
        }
    }
}

pub fn terminal_size() -> Option<(u16, u16)> {
    if !std::io::stdout().is_terminal() && !std::io::stdin().is_terminal() {
        return None;
    }
    crossterm::terminal::size()
        .ok()
        .map(|(cols, rows)| (rows, cols))
}

/// docker's `--detach-keys` syntax: `ctrl-p,ctrl-q`, `a`, `ctrl-@`.
pub fn parse_detach_keys(spec: &str) -> Result<Vec<u8>, String> {
    spec.split(',')
        .map(|key| {
            let k = key.trim();
            if let Some(c) = k.strip_prefix("ctrl-") {
                match c.as_bytes() {
                    [b @ b'a'..=b'z'] => Ok(b - b'a' + 1),
                    [b'@'] => Ok(0),
                    [b'['] => Ok(27),
                    [b'\\'] => Ok(28),
                    [b']'] => Ok(29),
                    [b'^'] => Ok(30),
                    [b'_'] => Ok(31),
                    _ => Err(format!("Unknown character: '{c}'")),
                }
            } else if k.len() == 1 {
                Ok(k.as_bytes()[0])
            } else {
                Err(format!("Unknown character: '{k}'"))
            }
        })
        .collect()
}

/// Stdin chunks read by a plain thread: a blocked read must not keep the
/// process alive once the container is gone.
pub fn stdin_chunks() -> tokio::sync::mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    std::thread::spawn(move || {
        use std::io::Read;
        let mut stdin = std::io::stdin();
        let mut buf = vec![0u8; 8192];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.blocking_send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    rx
}

/// How an attached session ended.
#[derive(Debug, PartialEq)]
pub enum Ended {
    /// The engine closed the stream (the process ended, or the engine saw
    /// the detach keys).
    StreamClosed,
    /// The user typed the detach keys.
    Detached,
}

/// Pumps stdin to the connection and the connection to stdout/stderr.
/// `tty`: the stream is raw; otherwise it carries docker's 8-byte frames.
async fn pump(
    conn: Box<dyn Duplex>,
    send_stdin: bool,
    tty: bool,
    detach_keys: &[u8],
) -> Result<Ended, CliError> {
    let (mut reader, mut writer) = tokio::io::split(conn);
    let output = async move {
        let mut demux = Demux::default();
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            let n = match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if tty {
                write_to(&mut std::io::stdout(), &buf[..n]);
            } else {
                demux.feed(&buf[..n]);
            }
        }
    };
    if !send_stdin {
        output.await;
        return Ok(Ended::StreamClosed);
    }
    let detach_keys = detach_keys.to_vec();
    let input = async move {
        let mut chunks = stdin_chunks();
        let mut matched = 0usize;
        while let Some(chunk) = chunks.recv().await {
            // The escape sequence is held back until it is complete or broken.
            let mut forward = Vec::with_capacity(chunk.len());
            for &b in &chunk {
                if tty && !detach_keys.is_empty() && b == detach_keys[matched] {
                    matched += 1;
                    if matched == detach_keys.len() {
                        let _ = writer.write_all(&forward).await;
                        return Ended::Detached;
                    }
                    continue;
                }
                forward.extend_from_slice(&detach_keys[..matched]);
                matched = 0;
                forward.push(b);
            }
            if writer.write_all(&forward).await.is_err() {
                break;
            }
            let _ = writer.flush().await;
        }
        // stdin ended: half-close so the engine closes the container's stdin
        let _ = writer.shutdown().await;
        std::future::pending::<()>().await;
        Ended::StreamClosed
    };
    tokio::select! {
        _ = output => Ok(Ended::StreamClosed),
        ended = input => Ok(ended),
    }
}

fn write_to(w: &mut dyn Write, bytes: &[u8]) {
    let _ = w.write_all(bytes).and_then(|_| w.flush());
}

/// Splits docker's multiplexed stream: 8-byte headers (stream, 0, 0, 0,
/// big-endian length) before each frame.
#[derive(Default)]
struct Demux {
    pending: Vec<u8>,
}

impl Demux {
    fn feed(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        loop {
            if self.pending.len() < 8 {
                return;
            }
            let len = u32::from_be_bytes([
                self.pending[4],
                self.pending[5],
                self.pending[6],
                self.pending[7],
            ]) as usize;
            if self.pending.len() < 8 + len {
                return;
            }
            let frame: Vec<u8> = self.pending.drain(..8 + len).collect();
            match frame[0] {
                2 => write_to(&mut std::io::stderr(), &frame[8..]),
                _ => write_to(&mut std::io::stdout(), &frame[8..]),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detach_keys_parse() {
        assert_eq!(parse_detach_keys("ctrl-p,ctrl-q"), Ok(vec![16, 17]));
        assert_eq!(parse_detach_keys("ctrl-@,a"), Ok(vec![0, b'a']));
        assert!(parse_detach_keys("ctrl-1").is_err());
        assert!(parse_detach_keys("abc").is_err());
    }
}
