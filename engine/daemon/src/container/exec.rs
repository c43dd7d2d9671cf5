//! `docker exec`: exec instances (create, start, inspect). The process runs
//! through the container's shim, which reports its exit code.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use berth_runtime::ProcessInput;
use bollard_stubs::models::{ExecConfig, ExecInspectResponse, ProcessConfig};
use tokio::net::UnixStream;

use super::create::{DEFAULT_PATH, merge_env};
use super::registry::ContainerEntry;
use super::user;
use crate::engine::Engine;
use crate::error::{ApiError, ApiResult};
use crate::shim_client;

#[derive(Debug, Default, Clone)]
pub struct ExecState {
    pub running: bool,
    pub exit_code: Option<i64>,
    pub pid: i32,
}

pub struct ExecEntry {
    pub id: String,
    pub container_id: String,
    pub config: ExecConfig,
    pub state: Mutex<ExecState>,
}

#[derive(Default)]
pub struct ExecRegistry {
    by_id: Mutex<HashMap<String, Arc<ExecEntry>>>,
}

impl ExecRegistry {
    pub fn get(&self, id: &str) -> ApiResult<Arc<ExecEntry>> {
        self.by_id
            .lock()
            .expect("exec registry lock")
            .get(id)
            .cloned()
            .ok_or_else(|| ApiError::NotFound(format!("No such exec instance: {id}")))
    }

    /// Forgets the exec instances of a removed container.
    pub fn remove_container(&self, container_id: &str) {
        self.by_id
            .lock()
            .expect("exec registry lock")
            .retain(|_, e| e.container_id != container_id);
    }
}

impl Engine {
    pub async fn create_exec(
        &self,
        entry: &Arc<ContainerEntry>,
        config: ExecConfig,
    ) -> ApiResult<String> {
        let rec = entry.record.lock().await;
        if !rec.is_running() {
            return Err(ApiError::Conflict(format!(
                "Container {} is not running",
                rec.id
            )));
        }
        if config.cmd.as_ref().is_none_or(|c| c.is_empty()) {
            return Err(ApiError::BadRequest("No exec command specified".into()));
        }
        let id = hex::encode(rand::random::<[u8; 32]>());
        let exec = Arc::new(ExecEntry {
            id: id.clone(),
            container_id: rec.id.clone(),
            config,
            state: Mutex::new(ExecState::default()),
        });
        self.execs
            .by_id
            .lock()
            .expect("exec registry lock")
            .insert(id.clone(), exec);
        self.container_event("exec_create", &rec, &[]);
        Ok(id)
    }

    /// Starts the process; the returned stream carries its output (and
    /// takes its stdin) until it exits.
    pub async fn start_exec(&self, exec: &Arc<ExecEntry>) -> ApiResult<UnixStream> {
        {
            let st = exec.state.lock().expect("exec state lock");
            if st.running || st.exit_code.is_some() {
                return Err(ApiError::Conflict(format!(
                    "Error: Exec command {} has already run",
                    exec.id
                )));
            }
        }
        let entry = self.containers.lookup(&exec.container_id)?;
        let rec = entry.record.lock().await.clone();
        if !rec.is_running() {
            return Err(ApiError::Conflict(format!(
                "Container {} is not running",
                rec.id
            )));
        }
        let c = &exec.config;
        let rootfs = self.paths.rootfs(&rec.id);
        let user_spec = c
            .user
            .clone()
            .filter(|u| !u.is_empty())
            .or(rec.config.user.clone())
            .unwrap_or_default();
        let resolved = user::resolve(&rootfs, &user_spec).map_err(ApiError::BadRequest)?;
        let mut env = merge_env(
            &rec.config.env.clone().unwrap_or_default(),
            &c.env.clone().unwrap_or_default(),
        );
        if !env.iter().any(|e| e.starts_with("PATH=")) {
            env.insert(0, DEFAULT_PATH.to_string());
        }
        if !env.iter().any(|e| e.starts_with("HOME=")) {
            env.push(format!("HOME={}", resolved.home));
        }
        let hostname = rec.config.hostname.clone().unwrap_or_default();
        env.push(format!("HOSTNAME={hostname}"));
        let tty = c.tty.unwrap_or(false);
        if tty && !env.iter().any(|e| e.starts_with("TERM=")) {
            env.push("TERM=xterm".to_string());
        }
        let cwd = c
            .working_dir
            .clone()
            .filter(|w| !w.is_empty())
            .or(rec.config.working_dir.clone().filter(|w| !w.is_empty()))
            .unwrap_or_else(|| "/".to_string());
        let process = berth_runtime::build_process(&ProcessInput {
            args: c.cmd.clone().unwrap_or_default(),
            env,
            cwd,
            uid: resolved.uid,
            gid: resolved.gid,
            additional_gids: resolved.additional_gids,
            terminal: tty,
            no_new_privileges: super::security::parse(
                &rec.host_config.security_opt.clone().unwrap_or_default(),
            )?
            .no_new_privileges,
        })?;
        let state_dir = self.paths.state_dir(&rec.id);
        let process_file = state_dir.join(format!("exec-{}.json", exec.id));
        let json = serde_json::to_vec(&process).map_err(|e| ApiError::Internal(e.to_string()))?;
        berth_store::atomic::write_atomic(&process_file, &json)?;
        let with_stdin = c.attach_stdin.unwrap_or(false);
        let started = shim_client::exec(&state_dir, &exec.id, with_stdin, tty, &process_file).await;
        let _ = std::fs::remove_file(&process_file);
        let (stream, pid) = started.map_err(|e| {
            let msg = e.to_string();
            let argv0 = c.cmd.as_ref().and_then(|a| a.first()).cloned().unwrap_or_default();
            if msg.contains("not found") || msg.contains("No such file") {
                ApiError::BadRequest(format!(
                    "OCI runtime exec failed: exec failed: unable to start container process: exec: \"{argv0}\": executable file not found in $PATH: unknown"
                ))
            } else {
                ApiError::Internal(format!("exec in {}: {msg}", rec.id))
            }
        })?;
        {
            let mut st = exec.state.lock().expect("exec state lock");
            st.running = true;
            st.pid = pid;
        }
        self.container_event("exec_start", &rec, &[("execID", exec.id.clone())]);
        Ok(stream)
    }

    /// Called when the exec's stream has ended: records its exit code.
    pub fn exec_finished(&self, exec: &ExecEntry) {
        let record =
            shim_client::read_exec_exit(&self.paths.state_dir(&exec.container_id), &exec.id);
        let mut st = exec.state.lock().expect("exec state lock");
        st.running = false;
        // No record: the container stopped under it, killing it.
        st.exit_code = Some(record.map(|r| r.exit_code as i64).unwrap_or(137));
    }

    pub async fn resize_exec(&self, exec: &ExecEntry, rows: u16, cols: u16) -> ApiResult<()> {
        if !exec.state.lock().expect("exec state lock").running {
            return Err(ApiError::Conflict(format!(
                "exec {} is not running",
                exec.id
            )));
        }
        shim_client::resize_exec(
            &self.paths.state_dir(&exec.container_id),
            &exec.id,
            rows,
            cols,
        )
        .await
        .map_err(|e| ApiError::BadRequest(format!("resizing exec {}: {e}", exec.id)))
    }

    /// A start that failed before the process existed.
    pub fn exec_failed(&self, exec: &ExecEntry, exit_code: i64) {
        let mut st = exec.state.lock().expect("exec state lock");
        st.running = false;
        st.exit_code = Some(exit_code);
    }

    pub fn inspect_exec(&self, exec: &ExecEntry) -> ExecInspectResponse {
        let st = exec.state.lock().expect("exec state lock").clone();
        let c = &exec.config;
        let cmd = c.cmd.clone().unwrap_or_default();
        ExecInspectResponse {
            can_remove: Some(false),
            detach_keys: Some(c.detach_keys.clone().unwrap_or_default()),
            id: Some(exec.id.clone()),
            running: Some(st.running),
            exit_code: st.exit_code,
            process_config: Some(ProcessConfig {
                privileged: Some(c.privileged.unwrap_or(false)),
                user: Some(c.user.clone().unwrap_or_default()),
                tty: Some(c.tty.unwrap_or(false)),
                entrypoint: cmd.first().cloned(),
                arguments: Some(cmd.iter().skip(1).cloned().collect()),
            }),
            open_stdin: Some(c.attach_stdin.unwrap_or(false)),
            open_stderr: Some(c.attach_stderr.unwrap_or(false)),
            open_stdout: Some(c.attach_stdout.unwrap_or(false)),
            container_id: Some(exec.container_id.clone()),
            pid: Some(st.pid as i64),
        }
    }
}
