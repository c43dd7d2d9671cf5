//! The in-memory set of containers, their names, and per-container
//! synchronisation (a lock for operations, a watch for waiters).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

use tokio::sync::{Mutex, watch};

use super::record::ContainerRecord;
use crate::error::ApiError;

/// What waiters observe: changes whenever the container starts, exits or
/// is removed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lifecycle {
    pub running: bool,
    /// How many times the container has exited so far.
    pub exits: u64,
    pub last_exit_code: i64,
    pub removed: bool,
}

/// An attach that arrived before the container's shim exists: connected
/// when the container starts.
pub struct PendingAttach {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
    pub close_stdin_on_eof: bool,
    pub reply: tokio::sync::oneshot::Sender<Result<tokio::net::UnixStream, ApiError>>,
}

pub struct ContainerEntry {
    pub id: String,
    pub record: Mutex<ContainerRecord>,
    /// Serialises start, stop, kill and remove of this container.
    pub op_lock: Mutex<()>,
    pub lifecycle: watch::Sender<Lifecycle>,
    pub pending_attach: std::sync::Mutex<Vec<PendingAttach>>,
}

impl ContainerEntry {
    pub fn new(record: ContainerRecord) -> Arc<Self> {
        let lifecycle = Lifecycle {
            running: record.is_running(),
            exits: 0,
            last_exit_code: record.state.exit_code as i64,
            removed: false,
        };
        Arc::new(ContainerEntry {
            id: record.id.clone(),
            record: Mutex::new(record),
            op_lock: Mutex::new(()),
            lifecycle: watch::channel(lifecycle).0,
            pending_attach: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// Writes the record atomically to `containers/<id>/config.v2.json`.
    pub fn persist(record: &ContainerRecord, container_dir: &Path) -> Result<(), ApiError> {
        let json = serde_json::to_vec_pretty(record)
            .map_err(|e| ApiError::Internal(format!("serialising container {}: {e}", record.id)))?;
        berth_store::atomic::write_atomic(&container_dir.join("config.v2.json"), &json)
            .map_err(|e| ApiError::Internal(e.to_string()))
    }
}

#[derive(Default)]
pub struct Registry {
    by_id: RwLock<HashMap<String, Arc<ContainerEntry>>>,
    /// name (without slash) -> id
    names: RwLock<HashMap<String, String>>,
}

impl Registry {
    /// Reserves `name` for `id`; a conflict names the holder.
    pub fn reserve_name(&self, name: &str, id: &str) -> Result<(), ApiError> {
        let mut names = self.names.write().expect("names lock");
        if let Some(holder) = names.get(name) {
            return Err(ApiError::Conflict(format!(
                "Conflict. The container name \"/{name}\" is already in use by container \"{holder}\". You have to remove (or rename) that container to be able to reuse that name."
            )));
        }
        names.insert(name.to_string(), id.to_string());
        Ok(())
    }

    pub fn release_name(&self, name: &str) {
        self.names.write().expect("names lock").remove(name);
    }

    pub fn name_taken(&self, name: &str) -> bool {
        self.names.read().expect("names lock").contains_key(name)
    }

    pub fn insert(&self, entry: Arc<ContainerEntry>) {
        self.by_id
            .write()
            .expect("registry lock")
            .insert(entry.id.clone(), entry);
    }

    pub fn remove(&self, id: &str) {
        self.by_id.write().expect("registry lock").remove(id);
    }

    pub fn all(&self) -> Vec<Arc<ContainerEntry>> {
        self.by_id
            .read()
            .expect("registry lock")
            .values()
            .cloned()
            .collect()
    }

    /// By full id, name (with or without the leading slash), or unique id
    /// prefix, as Docker resolves.
    pub fn lookup(&self, input: &str) -> Result<Arc<ContainerEntry>, ApiError> {
        let by_id = self.by_id.read().expect("registry lock");
        if let Some(e) = by_id.get(input) {
            return Ok(e.clone());
        }
        let name = input.strip_prefix('/').unwrap_or(input);
        if let Some(id) = self.names.read().expect("names lock").get(name)
            && let Some(e) = by_id.get(id)
        {
            return Ok(e.clone());
        }
        if !input.is_empty() {
            let mut matches = by_id.iter().filter(|(id, _)| id.starts_with(input));
            if let Some((_, e)) = matches.next() {
                if matches.next().is_some() {
                    return Err(ApiError::BadRequest(format!(
                        "multiple IDs found with provided prefix: {input}"
                    )));
                }
                return Ok(e.clone());
            }
        }
        Err(ApiError::no_such_container(input))
    }
}
