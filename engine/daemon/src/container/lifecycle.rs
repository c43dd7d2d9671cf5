//! stop, kill, restart, wait.

use std::sync::Arc;
use std::time::Duration;

use super::Status;
use super::registry::ContainerEntry;
use crate::engine::Engine;
use crate::error::{ApiError, ApiResult};
use crate::shim_client;

const SIGNALS: &[(&str, i32)] = &[
    ("HUP", 1),
    ("INT", 2),
    ("QUIT", 3),
    ("ILL", 4),
    ("TRAP", 5),
    ("ABRT", 6),
    ("BUS", 7),
    ("FPE", 8),
    ("KILL", 9),
    ("USR1", 10),
    ("SEGV", 11),
    ("USR2", 12),
    ("PIPE", 13),
    ("ALRM", 14),
    ("TERM", 15),
    ("STKFLT", 16),
    ("CHLD", 17),
    ("CONT", 18),
    ("STOP", 19),
    ("TSTP", 20),
    ("TTIN", 21),
    ("TTOU", 22),
    ("URG", 23),
    ("XCPU", 24),
    ("XFSZ", 25),
    ("VTALRM", 26),
    ("PROF", 27),
    ("WINCH", 28),
    ("IO", 29),
    ("PWR", 30),
    ("SYS", 31),
];

/// `SIGTERM`, `TERM`, `term` or `15`.
pub fn parse_signal(s: &str) -> Result<i32, ApiError> {
    if let Ok(n) = s.parse::<i32>() {
        if (1..=64).contains(&n) {
            return Ok(n);
        }
    } else {
        let upper = s.to_uppercase();
        let name = upper.strip_prefix("SIG").unwrap_or(&upper);
        if let Some((_, n)) = SIGNALS.iter().find(|(k, _)| *k == name) {
            return Ok(*n);
        }
    }
    Err(ApiError::BadRequest(format!("Invalid signal: {s}")))
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WaitCondition {
    NotRunning,
    NextExit,
    Removed,
}

impl WaitCondition {
    pub fn parse(s: Option<&str>) -> ApiResult<Self> {
        match s.unwrap_or("") {
            "" | "not-running" => Ok(WaitCondition::NotRunning),
            "next-exit" => Ok(WaitCondition::NextExit),
            "removed" => Ok(WaitCondition::Removed),
            other => Err(ApiError::BadRequest(format!(
                "invalid condition: \"{other}\""
            ))),
        }
    }
}

impl Engine {
    /// Signals the container and waits up to `timeout` for it to exit,
    /// then kills it.
    pub async fn stop_container(
        self: &Arc<Self>,
        entry: &Arc<ContainerEntry>,
        timeout: Option<i64>,
        signal: Option<&str>,
    ) -> ApiResult<()> {
        let rec = {
            let mut rec = entry.record.lock().await;
            if rec.state.status == Status::Restarting {
                // Waiting for its next restart: stopping cancels that.
                rec.manually_stopped = true;
                rec.state.status = Status::Exited;
                ContainerEntry::persist(&rec, &self.paths.container_dir(&rec.id))?;
                self.container_event("stop", &rec, &[]);
                return Ok(());
            }
            if !rec.is_running() {
                return Err(ApiError::NotModified("container already stopped".into()));
            }
            rec.manually_stopped = true;
            ContainerEntry::persist(&rec, &self.paths.container_dir(&rec.id))?;
            rec.clone()
        };
        let signal = match signal
            .filter(|s| !s.is_empty())
            .or(rec.config.stop_signal.as_deref())
        {
            Some(s) => parse_signal(s)?,
            None => libc::SIGTERM,
        };
        let timeout = timeout.or(rec.config.stop_timeout).unwrap_or(10);
        let mut rx = entry.lifecycle.subscribe();
        let exits = rx.borrow().exits;
        let state_dir = self.paths.state_dir(&rec.id);
        self.container_event("kill", &rec, &[("signal", signal.to_string())]);
        let _ = shim_client::kill(&state_dir, signal).await;
        let exited = async {
            let _ = rx.wait_for(|l| l.exits > exits || l.removed).await;
        };
        if timeout < 0 {
            exited.await;
        } else if tokio::time::timeout(Duration::from_secs(timeout as u64), exited)
            .await
            .is_err()
        {
            self.container_event("kill", &rec, &[("signal", libc::SIGKILL.to_string())]);
            let _ = shim_client::kill(&state_dir, libc::SIGKILL).await;
            let mut rx = entry.lifecycle.subscribe();
            let _ = rx.wait_for(|l| l.exits > exits || l.removed).await;
        }
        self.container_event("stop", &rec, &[]);
        Ok(())
    }

    pub async fn kill_container(
        self: &Arc<Self>,
        entry: &Arc<ContainerEntry>,
        signal: Option<&str>,
    ) -> ApiResult<()> {
        let signal = match signal.filter(|s| !s.is_empty()) {
            Some(s) => parse_signal(s)?,
            None => libc::SIGKILL,
        };
        let rec = {
            let mut rec = entry.record.lock().await;
            if !rec.is_running() {
                return Err(ApiError::Conflict(format!(
                    "Cannot kill container: {}: Container {} is not running",
                    rec.short_id(),
                    rec.id
                )));
            }
            // A killed container stays down, as after docker stop.
            rec.manually_stopped = true;
            ContainerEntry::persist(&rec, &self.paths.container_dir(&rec.id))?;
            rec.clone()
        };
        self.container_event("kill", &rec, &[("signal", signal.to_string())]);
        shim_client::kill(&self.paths.state_dir(&rec.id), signal)
            .await
            .map_err(|e| {
                ApiError::Conflict(format!("Cannot kill container: {}: {e}", rec.short_id()))
            })?;
        if signal == libc::SIGKILL {
            let mut rx = entry.lifecycle.subscribe();
            let _ = tokio::time::timeout(
                Duration::from_secs(10),
                rx.wait_for(|l| !l.running || l.removed),
            )
            .await;
        }
        Ok(())
    }

    pub async fn restart_container(
        self: &Arc<Self>,
        entry: &Arc<ContainerEntry>,
        timeout: Option<i64>,
        signal: Option<&str>,
    ) -> ApiResult<()> {
        match self.stop_container(entry, timeout, signal).await {
            Ok(()) | Err(ApiError::NotModified(_)) => {}
            Err(e) => return Err(e),
        }
        self.start_container(entry).await?;
        let rec = entry.record.lock().await.clone();
        self.container_event("restart", &rec, &[]);
        Ok(())
    }

    /// The exit code once `condition` holds.
    pub async fn wait_container(entry: Arc<ContainerEntry>, condition: WaitCondition) -> i64 {
        let mut rx = entry.lifecycle.subscribe();
        let initial = rx.borrow().clone();
        if condition == WaitCondition::NotRunning && !initial.running {
            return initial.last_exit_code;
        }
        let result = rx
            .wait_for(|l| match condition {
                WaitCondition::Removed => l.removed,
                _ => l.exits > initial.exits || l.removed,
            })
            .await
            .map(|l| l.last_exit_code);
        match result {
            Ok(code) => code,
            Err(_) => entry.lifecycle.borrow().last_exit_code,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_names_and_numbers() {
        assert_eq!(parse_signal("SIGTERM").unwrap(), 15);
        assert_eq!(parse_signal("quit").unwrap(), 3);
        assert_eq!(parse_signal("9").unwrap(), 9);
        assert!(parse_signal("SIGNOPE").is_err());
        assert!(parse_signal("0").is_err());
    }
}
