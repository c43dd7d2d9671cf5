//! rm, prune and rename.

use std::sync::Arc;
use std::time::Duration;

use super::names;
use super::record::Status;
use super::registry::ContainerEntry;
use crate::engine::Engine;
use crate::error::{ApiError, ApiResult};
use crate::shim_client;

impl Engine {
    pub async fn remove_container(
        self: &Arc<Self>,
        entry: &Arc<ContainerEntry>,
        force: bool,
    ) -> ApiResult<()> {
        let running = entry.record.lock().await.is_running();
        if running {
            if !force {
                let id = entry.id.clone();
                return Err(ApiError::Conflict(format!(
                    "You cannot remove a running container {id}. Stop the container before attempting removal or force remove"
                )));
            }
            let mut rx = entry.lifecycle.subscribe();
            let _ = shim_client::kill(&self.paths.state_dir(&entry.id), libc::SIGKILL).await;
            let _ = tokio::time::timeout(
                Duration::from_secs(30),
                rx.wait_for(|l| !l.running || l.removed),
            )
            .await;
        }
        let _op = entry.op_lock.lock().await;
        if entry.lifecycle.borrow().removed {
            return Ok(());
        }
        let mut rec = entry.record.lock().await;
        if rec.is_running() {
            return Err(ApiError::Conflict(format!(
                "could not kill running container {}, cannot remove",
                rec.id
            )));
        }
        rec.state.status = Status::Removing;
        let id = rec.id.clone();
        self.cleanup_run(&id).await;
        let paths = self.paths.clone();
        let store = self.store.clone();
        let removed = tokio::task::spawn_blocking(move || -> ApiResult<()> {
            store.snapshots.remove_rw(&id)?;
            let dir = paths.container_dir(&id);
            match std::fs::remove_dir_all(&dir) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(ApiError::Internal(format!(
                    "removing {}: {e}",
                    dir.display()
                ))),
            }
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
        if let Err(e) = removed {
            rec.state.status = Status::Dead;
            return Err(e);
        }
        self.containers.remove(&rec.id);
        self.containers.release_name(&rec.name);
        self.execs.remove_container(&rec.id);
        self.fail_pending_attaches(entry, "the container was removed");
        self.container_event("destroy", &rec, &[]);
        entry.lifecycle.send_modify(|l| l.removed = true);
        Ok(())
    }

    /// Removes every stopped container; returns their ids.
    pub async fn prune_containers(self: &Arc<Self>) -> Vec<String> {
        let mut removed = Vec::new();
        for entry in self.containers.all() {
            let stopped = !entry.record.lock().await.is_running();
            if stopped && self.remove_container(&entry, false).await.is_ok() {
                removed.push(entry.id.clone());
            }
        }
        removed
    }

    pub async fn rename_container(
        &self,
        entry: &Arc<ContainerEntry>,
        new_name: &str,
    ) -> ApiResult<()> {
        let new_name = new_name.strip_prefix('/').unwrap_or(new_name);
        if !names::valid(new_name) {
            return Err(ApiError::BadRequest(format!(
                "Invalid container name ({new_name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
            )));
        }
        let mut rec = entry.record.lock().await;
        if rec.name == new_name {
            return Err(ApiError::Conflict(
                "Renaming a container with the same name as its current name".to_string(),
            ));
        }
        self.containers.reserve_name(new_name, &rec.id)?;
        let old = std::mem::replace(&mut rec.name, new_name.to_string());
        if let Err(e) = ContainerEntry::persist(&rec, &self.paths.container_dir(&rec.id)) {
            rec.name = old;
            self.containers.release_name(new_name);
            return Err(e);
        }
        self.containers.release_name(&old);
        self.container_event("rename", &rec, &[("oldName", format!("/{old}"))]);
        Ok(())
    }
}
