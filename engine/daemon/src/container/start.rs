//! Starting a container (rootfs, namespace, spec, shim) and what happens
//! when it exits.

use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::Arc;

use berth_runtime::{ContainerSpecInput, NetworkNamespace, ProcessInput};

use super::create::DEFAULT_PATH;
use super::record::{ContainerRecord, Status};
use super::registry::ContainerEntry;
use super::resources;
use super::restart;
use super::user;
use crate::engine::Engine;
use crate::error::{ApiError, ApiResult};
use crate::netns;
use crate::shim_client::{self, ShimLaunch};
use crate::timefmt;

/// The files berthd writes for /etc inside the container.
fn write_etc_files(
    dir: &std::path::Path,
    hostname: &str,
    host_network: bool,
) -> std::io::Result<Vec<(PathBuf, String)>> {
    let hosts = if host_network {
        std::fs::read_to_string("/etc/hosts").unwrap_or_default()
    } else {
        format!(
            "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n127.0.1.1\t{hostname}\n"
        )
    };
    let resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let files = [
        ("hostname", format!("{hostname}\n"), "/etc/hostname"),
        ("hosts", hosts, "/etc/hosts"),
        ("resolv.conf", resolv, "/etc/resolv.conf"),
    ];
    let mut out = Vec::new();
    for (name, contents, target) in files {
        let path = dir.join(name);
        berth_store::atomic::write_atomic(&path, contents.as_bytes())
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        out.push((path, target.to_string()));
    }
    Ok(out)
}

/// Who asked for a start: restart counts and the manual-stop flag depend
/// on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartReason {
    User,
    Policy,
    DaemonStart,
}

/// Why a start failed: the API error, the text kept in State.Error, and
/// the exit code Docker records for it.
struct StartFailure {
    error: ApiError,
    message: String,
    exit_code: i32,
}

impl StartFailure {
    fn from_api(error: ApiError) -> Self {
        StartFailure {
            message: error.to_string(),
            exit_code: 128,
            error,
        }
    }
}

/// A docker-like message, so that the CLI picks exit code 127 or 126.
fn start_error_message(raw: &str, argv0: &str) -> (String, i32) {
    let lower = raw.to_lowercase();
    if argv0.is_empty() || lower.contains("not found") || lower.contains("no such file") {
        (
            format!(
                "failed to create task for container: OCI runtime create failed: unable to start container process: exec: \"{argv0}\": executable file not found in $PATH: unknown"
            ),
            127,
        )
    } else if lower.contains("permission") {
        (
            format!(
                "failed to create task for container: OCI runtime create failed: unable to start container process: exec: \"{argv0}\": permission denied: unknown"
            ),
            126,
        )
    } else {
        (format!("failed to start container: {raw}"), 128)
    }
}

impl Engine {
    pub async fn start_container(self: &Arc<Self>, entry: &Arc<ContainerEntry>) -> ApiResult<()> {
        self.start_for(entry, StartReason::User).await
    }

    pub async fn start_for(
        self: &Arc<Self>,
        entry: &Arc<ContainerEntry>,
        reason: StartReason,
    ) -> ApiResult<()> {
        let op = entry.op_lock.lock().await;
        let mut rec = entry.record.lock().await;
        match rec.state.status {
            Status::Running => return Err(ApiError::NotModified("already started".into())),
            Status::Removing | Status::Dead => {
                return Err(ApiError::Conflict(format!(
                    "container {} is marked for removal and cannot be started",
                    rec.id
                )));
            }
            // A stop or a user start came first: the policy has nothing to do.
            Status::Created | Status::Exited if reason == StartReason::Policy => {
                return Err(ApiError::NotModified("no longer restarting".into()));
            }
            Status::Created | Status::Exited | Status::Restarting => {}
        }
        match reason {
            StartReason::User => {
                rec.manually_stopped = false;
                rec.restart_delay_ms = 0;
            }
            StartReason::Policy => rec.restart_count += 1,
            StartReason::DaemonStart => {}
        }
        let (pid, started_ns) = match self.launch(entry, &rec).await {
            Ok(started) => started,
            Err(failure) => {
                // The shim, if any, exits by itself after a failed start.
                self.fail_pending_attaches(entry, &failure.message);
                self.cleanup_run(&rec.id).await;
                rec.state.error = failure.message.clone();
                rec.state.exit_code = failure.exit_code;
                let _ = ContainerEntry::persist(&rec, &self.paths.container_dir(&rec.id));
                let auto_remove = rec.auto_remove();
                drop(rec);
                drop(op);
                // As dockerd: a --rm container whose start failed is removed
                // (the CLI waits for that before it exits).
                if auto_remove {
                    entry
                        .lifecycle
                        .send_modify(|l| l.last_exit_code = failure.exit_code as i64);
                    if let Err(e) = self.remove_container(entry, true).await {
                        tracing::warn!("removing {} after its failed start: {e}", entry.id);
                    }
                }
                return Err(failure.error);
            }
        };
        rec.state.status = Status::Running;
        rec.state.pid = pid;
        rec.state.error.clear();
        rec.state.exit_code = 0;
        rec.state.oom_killed = false;
        rec.state.started_at = Some(timefmt::from_unix_nanos(started_ns));
        rec.state.finished_at = None;
        ContainerEntry::persist(&rec, &self.paths.container_dir(&rec.id))?;
        entry.lifecycle.send_modify(|l| l.running = true);
        self.container_event("start", &rec, &[]);
        drop(rec);
        self.spawn_exit_watcher(entry.clone());
        Ok(())
    }

    /// Prepares the run and has a new shim start the process: (pid,
    /// started at in unix ns).
    async fn launch(
        self: &Arc<Self>,
        entry: &Arc<ContainerEntry>,
        rec: &ContainerRecord,
    ) -> Result<(i32, i64), StartFailure> {
        let engine = self.clone();
        let snapshot = rec.clone();
        tokio::task::spawn_blocking(move || engine.prepare_run(&snapshot))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))
            .and_then(|r| r)
            .map_err(StartFailure::from_api)?;
        let state_dir = self.paths.state_dir(&rec.id);
        let launch = ShimLaunch {
            id: &rec.id,
            shim_binary: &self.paths.shim_binary(),
            sealed_helper: self.sealed_helper.as_raw_fd(),
            state_dir: &state_dir,
            runtime_root: &self.paths.runtime_root(),
            log_path: &self.paths.log_path(&rec.id),
            open_stdin: rec.open_stdin(),
            tty: rec.config.tty.unwrap_or(false),
        };
        let started = match shim_client::spawn(launch).await {
            Ok(()) => {
                self.connect_pending_attaches(entry, &state_dir).await;
                shim_client::start(&state_dir).await
            }
            Err(e) => Err(e),
        };
        started.map_err(|e| {
            let (message, exit_code) = start_error_message(&e.to_string(), &rec.path);
            StartFailure {
                error: ApiError::BadRequest(message.clone()),
                message,
                exit_code,
            }
        })
    }

    /// Blocking: mounts the rootfs, resolves the user, writes /etc files,
    /// pins the network namespace and writes the OCI bundle.
    fn prepare_run(&self, rec: &ContainerRecord) -> ApiResult<()> {
        let id = &rec.id;
        let state_dir = self.paths.state_dir(id);
        let _ = std::fs::remove_dir_all(&state_dir);
        std::fs::create_dir_all(&state_dir)?;
        let rootfs = self.paths.rootfs(id);
        let image_id: berth_store::Digest = rec
            .image_id
            .parse()
            .map_err(|e: berth_store::StoreError| ApiError::Internal(e.to_string()))?;
        let chain = self.store.chain(&image_id)?;
        self.store.snapshots.unmount_rootfs(&rootfs)?;
        self.store.snapshots.mount_rootfs(id, &chain, &rootfs)?;

        let user_spec = rec.config.user.clone().unwrap_or_default();
        let resolved = user::resolve(&rootfs, &user_spec).map_err(ApiError::BadRequest)?;
        let cwd = match rec.config.working_dir.as_deref() {
            Some(w) if !w.is_empty() => w.to_string(),
            _ => "/".to_string(),
        };
        if cwd != "/" {
            cap_std::fs::Dir::open_ambient_dir(&rootfs, cap_std::ambient_authority())
                .and_then(|d| d.create_dir_all(cwd.trim_start_matches('/')))
                .map_err(|e| {
                    ApiError::BadRequest(format!("creating working directory {cwd}: {e}"))
                })?;
        }
        let host_network = match rec.network_mode() {
            "host" => true,
            "default" | "bridge" | "none" => false,
            other => return Err(ApiError::NotFound(format!("network {other} not found"))),
        };
        let hostname = if host_network {
            rustix::system::uname()
                .nodename()
                .to_string_lossy()
                .into_owned()
        } else {
            rec.config
                .hostname
                .clone()
                .unwrap_or_else(|| rec.short_id().to_string())
        };
        let etc_files = write_etc_files(&self.paths.container_dir(id), &hostname, host_network)?;
        let network = if host_network {
            NetworkNamespace::Host
        } else {
            let path = self.paths.netns_path(id);
            netns::remove_pinned(&path);
            netns::create_pinned(&path)
                .map_err(|e| ApiError::Internal(format!("creating network namespace: {e}")))?;
            NetworkNamespace::Path(path)
        };

        let mut env = rec.config.env.clone().unwrap_or_default();
        let has =
            |env: &Vec<String>, key: &str| env.iter().any(|e| e.starts_with(&format!("{key}=")));
        if !has(&env, "PATH") {
            env.insert(0, DEFAULT_PATH.to_string());
        }
        env.push(format!("HOSTNAME={hostname}"));
        if !has(&env, "HOME") {
            env.push(format!("HOME={}", resolved.home));
        }
        let terminal = rec.config.tty.unwrap_or(false);
        if terminal && !has(&env, "TERM") {
            env.push("TERM=xterm".to_string());
        }
        let security =
            super::security::parse(&rec.host_config.security_opt.clone().unwrap_or_default())?;
        let mut args = vec![rec.path.clone()];
        args.extend(rec.args.iter().cloned());
        let spec = berth_runtime::build_spec(&ContainerSpecInput {
            process: ProcessInput {
                args,
                env,
                cwd,
                uid: resolved.uid,
                gid: resolved.gid,
                additional_gids: resolved.additional_gids,
                terminal,
                no_new_privileges: security.no_new_privileges,
            },
            hostname,
            rootfs,
            network,
            cgroups_path: self.paths.cgroup_parent.join(id),
            etc_files,
            resources: resources::limits(&rec.host_config, resources::host_has_swap_accounting()),
            seccomp: security.seccomp,
        })?;
        berth_runtime::write_bundle(&state_dir, &spec)?;
        Ok(())
    }

    /// Undoes `prepare_run` and removes the runtime's state and cgroup.
    pub async fn cleanup_run(&self, id: &str) {
        let paths = self.paths.clone();
        let store = self.store.clone();
        let id = id.to_string();
        let _ = tokio::task::spawn_blocking(move || {
            let helper = std::process::Command::new(paths.helper_binary())
                .arg("delete")
                .arg("--root")
                .arg(paths.runtime_root())
                .arg("--id")
                .arg(&id)
                .stdin(std::process::Stdio::null())
                .output();
            if let Ok(out) = &helper
                && !out.status.success()
            {
                tracing::warn!(
                    "runtime delete of {id}: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            if let Err(e) = store.snapshots.unmount_rootfs(&paths.rootfs(&id)) {
                tracing::warn!("{e}");
            }
            netns::remove_pinned(&paths.netns_path(&id));
            let _ = std::fs::remove_dir_all(paths.state_dir(&id));
        })
        .await;
    }

    pub fn spawn_exit_watcher(self: &Arc<Self>, entry: Arc<ContainerEntry>) {
        let engine = self.clone();
        tokio::spawn(async move {
            let state_dir = engine.paths.state_dir(&entry.id);
            // An error here means the shim is already gone (a container that
            // exits at once): its exit record is on disk either way.
            if let Err(e) = shim_client::watch(&state_dir).await {
                tracing::debug!("watching {}: {e}", entry.id);
            }
            engine.handle_exit(&entry).await;
        });
    }

    /// Records the exit from the shim's record, cleans up, wakes waiters,
    /// and removes the container when it was run with --rm.
    pub async fn handle_exit(self: &Arc<Self>, entry: &Arc<ContainerEntry>) {
        let op = entry.op_lock.lock().await;
        let state_dir = self.paths.state_dir(&entry.id);
        let exit = shim_client::read_exit_record(&state_dir);
        let mut rec = entry.record.lock().await;
        if rec.state.status != Status::Running {
            return;
        }
        rec.state.status = Status::Exited;
        rec.state.pid = 0;
        match &exit {
            Some(x) => {
                rec.state.exit_code = x.exit_code;
                rec.state.finished_at = Some(timefmt::from_unix_nanos(x.finished_at_ns));
            }
            None => {
                rec.state.exit_code = 255;
                rec.state.error = "the container's shim ended without an exit record".into();
                rec.state.finished_at = Some(chrono::Utc::now());
            }
        }
        // Read before cleanup: removing the cgroup loses the counter.
        rec.state.oom_killed = resources::oom_kills(&self.paths.cgroup_parent.join(&rec.id)) > 0;
        if let Err(e) = ContainerEntry::persist(&rec, &self.paths.container_dir(&rec.id)) {
            tracing::error!("{e}");
        }
        let code = rec.state.exit_code;
        let auto_remove = rec.auto_remove();
        self.container_event("die", &rec, &[("exitCode", code.to_string())]);
        drop(rec);
        self.cleanup_run(&entry.id).await;
        entry.lifecycle.send_modify(|l| {
            l.running = false;
            l.exits += 1;
            l.last_exit_code = code as i64;
        });
        drop(op);
        if auto_remove {
            if let Err(e) = self.remove_container(entry, true).await {
                tracing::warn!("auto-removing {}: {e}", entry.id);
            }
            return;
        }
        self.apply_restart_policy(entry).await;
    }

    /// After an exit: schedules the next start when the policy says so.
    async fn apply_restart_policy(self: &Arc<Self>, entry: &Arc<ContainerEntry>) {
        let mut rec = entry.record.lock().await;
        let ran_for = match (rec.state.started_at, rec.state.finished_at) {
            (Some(s), Some(f)) => (f - s).to_std().unwrap_or_default(),
            _ => std::time::Duration::ZERO,
        };
        let facts = restart::ExitFacts {
            exit_code: rec.state.exit_code,
            restart_count: rec.restart_count,
            manually_stopped: rec.manually_stopped,
            ran_for,
            previous_delay_ms: rec.restart_delay_ms,
        };
        let Some(delay_ms) = restart::decide(
            restart::Policy::of(rec.host_config.restart_policy.as_ref()),
            &facts,
        ) else {
            return;
        };
        rec.state.status = Status::Restarting;
        rec.restart_delay_ms = delay_ms;
        if let Err(e) = ContainerEntry::persist(&rec, &self.paths.container_dir(&rec.id)) {
            tracing::error!("{e}");
        }
        drop(rec);
        let engine = self.clone();
        let entry = entry.clone();
        tokio::spawn(async move {
            tokio::time::sleep(restart::delay(delay_ms)).await;
            match engine.start_for(&entry, StartReason::Policy).await {
                Ok(()) => {
                    let rec = entry.record.lock().await.clone();
                    engine.container_event("restart", &rec, &[]);
                }
                Err(ApiError::NotModified(_)) => {}
                Err(e) => {
                    tracing::warn!("restarting {}: {e}", entry.id);
                    let mut rec = entry.record.lock().await;
                    if rec.state.status == Status::Restarting {
                        rec.state.status = Status::Exited;
                        let _ = ContainerEntry::persist(&rec, &engine.paths.container_dir(&rec.id));
                    }
                }
            }
        });
    }
}
