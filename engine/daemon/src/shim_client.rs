//! berthd's side of the shim protocol (see the berth-shim crate docs).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use std::os::fd::AsRawFd;

use berth_shim::{EXIT_FILE, ExitRecord, SHIM_LOG, SOCKET_NAME, socket_path_via_fd};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

#[derive(Debug, thiserror::Error)]
pub enum ShimError {
    #[error("starting the shim for {id}: {source}")]
    Spawn { id: String, source: std::io::Error },
    #[error("the shim of {id} did not come up: {reason}")]
    NotReady { id: String, reason: String },
    #[error("talking to the shim at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Refused(String),
}

pub struct ShimLaunch<'a> {
    pub id: &'a str,
    pub shim_binary: &'a Path,
    /// The sealed copy of the runtime helper; the shim gets it as fd 4.
    pub sealed_helper: std::os::fd::RawFd,
    pub state_dir: &'a Path,
    pub runtime_root: &'a Path,
    pub log_path: &'a Path,
    pub open_stdin: bool,
    pub tty: bool,
}

/// Starts a shim in its own session (so it outlives berthd) and waits for
/// its socket.
pub async fn spawn(launch: ShimLaunch<'_>) -> Result<(), ShimError> {
    let spawn_err = |source| ShimError::Spawn {
        id: launch.id.to_string(),
        source,
    };
    let shim_log = std::fs::File::create(launch.state_dir.join(SHIM_LOG)).map_err(spawn_err)?;
    let mut cmd = std::process::Command::new(launch.shim_binary);
    cmd.arg("--id")
        .arg(launch.id)
        .arg("--state-dir")
        .arg(launch.state_dir)
        .arg("--bundle")
        .arg(launch.state_dir)
        .arg("--helper")
        .arg(format!(
            "/proc/self/fd/{}",
            crate::sealed_helper::SHIM_HELPER_FD
        ))
        .arg("--runtime-root")
        .arg(launch.runtime_root)
        .arg("--log")
        .arg(launch.log_path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(shim_log);
    if launch.open_stdin {
        cmd.arg("--stdin");
    }
    if launch.tty {
        cmd.arg("--tty");
    }
    let sealed = launch.sealed_helper;
    // SAFETY: setsid and dup2 are async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setsid() < 0 || libc::dup2(sealed, crate::sealed_helper::SHIM_HELPER_FD) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = tokio::process::Command::from(cmd)
        .kill_on_drop(false)
        .spawn()
        .map_err(spawn_err)?;
    // Reap the shim when it exits, so it does not linger as a zombie.
    tokio::spawn(async move {
        let _ = child.wait().await;
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if connect(launch.state_dir).await.is_ok() {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            let log = std::fs::read_to_string(launch.state_dir.join(SHIM_LOG)).unwrap_or_default();
            return Err(ShimError::NotReady {
                id: launch.id.to_string(),
                reason: log.trim().to_string(),
            });
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Connects to the shim's socket through an open descriptor of its state
/// directory (see `berth_shim::socket_path_via_fd`).
async fn connect(state_dir: &Path) -> std::io::Result<UnixStream> {
    let dir = std::fs::File::open(state_dir)?;
    let stream = UnixStream::connect(socket_path_via_fd(dir.as_raw_fd())).await;
    drop(dir);
    stream
}

async fn command(state_dir: &Path, line: &str) -> Result<UnixStream, ShimError> {
    let path = state_dir.join(SOCKET_NAME);
    let io = |source| ShimError::Io {
        path: path.clone(),
        source,
    };
    let mut stream = connect(state_dir).await.map_err(io)?;
    stream
        .write_all(format!("{line}\n").as_bytes())
        .await
        .map_err(io)?;
    Ok(stream)
}

async fn read_reply(state_dir: &Path, stream: &mut UnixStream) -> Result<String, ShimError> {
    let mut reader = BufReader::new(stream);
    let mut reply = String::new();
    reader
        .read_line(&mut reply)
        .await
        .map_err(|source| ShimError::Io {
            path: state_dir.join(SOCKET_NAME),
            source,
        })?;
    let reply = reply.trim().to_string();
    match reply.strip_prefix("ERR ") {
        Some(msg) => Err(ShimError::Refused(msg.to_string())),
        None if reply.is_empty() => {
            Err(ShimError::Refused("the shim closed the connection".into()))
        }
        None => Ok(reply),
    }
}

/// Starts the container; returns (init pid, started at in unix ns).
pub async fn start(state_dir: &Path) -> Result<(i32, i64), ShimError> {
    let mut stream = command(state_dir, "START").await?;
    let reply = read_reply(state_dir, &mut stream).await?;
    let mut words = reply.split_whitespace().skip(1);
    let pid = words.next().and_then(|w| w.parse().ok());
    let started = words.next().and_then(|w| w.parse().ok());
    match (pid, started) {
        (Some(p), Some(s)) => Ok((p, s)),
        _ => Err(ShimError::Refused(format!(
            "unexpected START reply {reply:?}"
        ))),
    }
}

pub async fn kill(state_dir: &Path, signal: i32) -> Result<(), ShimError> {
    let mut stream = command(state_dir, &format!("KILL {signal}")).await?;
    read_reply(state_dir, &mut stream).await.map(|_| ())
}

/// An attach stream: stdcopy frames out, stdin bytes in. The shim has
/// registered it once this returns, so no output is missed after.
pub async fn attach(
    state_dir: &Path,
    stdin: bool,
    stdout: bool,
    stderr: bool,
    close_stdin_on_eof: bool,
) -> Result<UnixStream, ShimError> {
    let b = |x: bool| if x { 1 } else { 0 };
    let mut stream = command(
        state_dir,
        &format!(
            "ATTACH {} {} {} {}",
            b(stdin),
            b(stdout),
            b(stderr),
            b(close_stdin_on_eof)
        ),
    )
    .await?;
    let reply = read_line_unbuffered(state_dir, &mut stream).await?;
    if reply != "OK" {
        return Err(ShimError::Refused(reply));
    }
    Ok(stream)
}

/// Reads one reply line byte by byte: what follows is frame data, which a
/// buffered reader would swallow.
async fn read_line_unbuffered(
    state_dir: &Path,
    stream: &mut UnixStream,
) -> Result<String, ShimError> {
    let mut line = Vec::new();
    loop {
        let mut byte = [0u8; 1];
        let n = stream
            .read(&mut byte)
            .await
            .map_err(|source| ShimError::Io {
                path: state_dir.join(SOCKET_NAME),
                source,
            })?;
        if n == 0 || byte[0] == b'\n' {
            break;
        }
        line.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// Starts an exec session; returns its stream (stdcopy frames out, stdin
/// in) and the process's pid.
pub async fn exec(
    state_dir: &Path,
    exec_id: &str,
    stdin: bool,
    tty: bool,
    process_file: &Path,
) -> Result<(UnixStream, i32), ShimError> {
    let line = format!(
        "EXEC {exec_id} {} {} {}",
        if stdin { 1 } else { 0 },
        process_file.display(),
        if tty { 1 } else { 0 }
    );
    let mut stream = command(state_dir, &line).await?;
    let reply = read_line_unbuffered(state_dir, &mut stream).await?;
    if let Some(msg) = reply.strip_prefix("ERR ") {
        return Err(ShimError::Refused(msg.to_string()));
    }
    let pid = reply
        .strip_prefix("OK ")
        .and_then(|p| p.trim().parse().ok())
        .ok_or_else(|| ShimError::Refused(format!("unexpected EXEC reply {reply:?}")))?;
    Ok((stream, pid))
}

/// The exit record of an exec session, once its stream has ended.
pub fn read_exec_exit(state_dir: &Path, exec_id: &str) -> Option<ExitRecord> {
    let path = state_dir.join(berth_shim::exec_exit_file(exec_id));
    let text = std::fs::read_to_string(&path).ok()?;
    let _ = std::fs::remove_file(&path);
    ExitRecord::decode(&text)
}

/// Resolves when the shim has exited (its exit record is then on disk).
pub async fn watch(state_dir: &Path) -> Result<(), ShimError> {
    let mut stream = command(state_dir, "WATCH").await?;
    let mut buf = [0u8; 64];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
}

pub fn read_exit_record(state_dir: &Path) -> Option<ExitRecord> {
    let text = std::fs::read_to_string(state_dir.join(EXIT_FILE)).ok()?;
    ExitRecord::decode(&text)
}

pub fn shim_alive(state_dir: &Path) -> bool {
    std::fs::File::open(state_dir)
        .and_then(|dir| {
            std::os::unix::net::UnixStream::connect(socket_path_via_fd(dir.as_raw_fd()))
        })
        .is_ok()
}

/// Sets the container's terminal size.
pub async fn resize(state_dir: &Path, rows: u16, cols: u16) -> Result<(), ShimError> {
    let mut stream = command(state_dir, &format!("RESIZE {rows} {cols}")).await?;
    read_reply(state_dir, &mut stream).await.map(|_| ())
}

pub async fn resize_exec(
    state_dir: &Path,
    exec_id: &str,
    rows: u16,
    cols: u16,
) -> Result<(), ShimError> {
    let mut stream = command(state_dir, &format!("EXEC_RESIZE {exec_id} {rows} {cols}")).await?;
    read_reply(state_dir, &mut stream).await.map(|_| ())
}
