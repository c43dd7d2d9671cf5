//! Attach streams: straight to the shim when the container runs, queued
//! until start otherwise (so `docker run` misses no output).

use std::path::Path;
use std::sync::Arc;

use tokio::net::UnixStream;

use super::registry::{ContainerEntry, PendingAttach};
use crate::engine::Engine;
use crate::error::{ApiError, ApiResult};
use crate::shim_client;

#[derive(Debug, Clone, Copy)]
pub struct AttachFlags {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
}

/// An attach registered with the container: either already connected to
/// its shim, or queued until the container starts.
pub enum AttachSource {
    Ready(UnixStream),
    Pending(tokio::sync::oneshot::Receiver<Result<UnixStream, ApiError>>),
}

impl AttachSource {
    pub async fn stream(self) -> ApiResult<UnixStream> {
        match self {
            AttachSource::Ready(s) => Ok(s),
            AttachSource::Pending(rx) => rx.await.map_err(|_| {
                ApiError::Conflict("the container was removed before it started".into())
            })?,
        }
    }
}

impl Engine {
    /// Registers an attach. Call it before answering the client: the docker
    /// CLI starts the container as soon as the attach is answered, and
    /// output from then on must reach it.
    pub async fn register_attach(
        self: &Arc<Self>,
        entry: &Arc<ContainerEntry>,
        flags: AttachFlags,
    ) -> ApiResult<AttachSource> {
        let rec = entry.record.lock().await;
        // As dockerd: StdinOnce closes stdin when the attach ends, but never
        // a terminal's (detaching from `run -it` keeps the shell usable).
        let close_stdin_on_eof =
            rec.config.stdin_once.unwrap_or(false) && !rec.config.tty.unwrap_or(false);
        let stdin = flags.stdin && rec.open_stdin();
        if rec.is_running() {
            let state_dir = self.paths.state_dir(&rec.id);
            drop(rec);
            return shim_client::attach(
                &state_dir,
                stdin,
                flags.stdout,
                flags.stderr,
                close_stdin_on_eof,
            )
            .await
            .map(AttachSource::Ready)
            .map_err(|e| ApiError::Conflict(format!("attaching: {e}")));
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        entry
            .pending_attach
            .lock()
            .expect("pending attach lock")
            .push(PendingAttach {
                stdin,
                stdout: flags.stdout,
                stderr: flags.stderr,
                close_stdin_on_eof,
                reply: tx,
            });
        Ok(AttachSource::Pending(rx))
    }

    /// Called by start between spawning the shim and starting the process.
    pub(super) async fn connect_pending_attaches(&self, entry: &ContainerEntry, state_dir: &Path) {
        let pending: Vec<PendingAttach> =
            std::mem::take(&mut *entry.pending_attach.lock().expect("pending attach lock"));
        for p in pending {
            let stream =
                shim_client::attach(state_dir, p.stdin, p.stdout, p.stderr, p.close_stdin_on_eof)
                    .await
                    .map_err(|e| ApiError::Internal(format!("attaching: {e}")));
            let _ = p.reply.send(stream);
        }
    }

    pub(super) fn fail_pending_attaches(&self, entry: &ContainerEntry, message: &str) {
        let pending: Vec<PendingAttach> =
            std::mem::take(&mut *entry.pending_attach.lock().expect("pending attach lock"));
        for p in pending {
            let _ = p.reply.send(Err(ApiError::BadRequest(message.to_string())));
        }
    }
}
