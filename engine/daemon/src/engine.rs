//! The engine: images, containers and events, shared by the API handlers.

use std::sync::Arc;

use anyhow::Context;
use berth_store::ImageStore;

use crate::catalog;
use crate::container::exec::ExecRegistry;
use crate::container::restart::Policy;
use crate::container::start::StartReason;
use crate::container::{ContainerEntry, ContainerRecord, Registry, Status};
use crate::events::EventBus;
use crate::paths::Paths;
use crate::shim_client;

pub struct Engine {
    pub paths: Paths,
    pub store: Arc<ImageStore>,
    pub containers: Registry,
    pub execs: ExecRegistry,
    pub events: EventBus,
    /// Stable per data root, as Docker's engine ID.
    pub engine_id: String,
    /// The runtime helper, sealed in a memfd that shims run it from.
    pub sealed_helper: std::os::fd::OwnedFd,
}

impl Engine {
    pub async fn open(paths: Paths, seed: bool) -> anyhow::Result<Self> {
        let store = Arc::new(
            ImageStore::open(&paths.data_root)
                .with_context(|| format!("opening the store at {}", paths.data_root.display()))?,
        );
        if seed && store.index.records()?.is_empty() {
            let s = store.clone();
            tokio::task::spawn_blocking(move || catalog::seed(&s))
                .await?
                .context("building the offline image catalog")?;
        }
        let id_file = paths.data_root.join("engine-id");
        let engine_id = match std::fs::read_to_string(&id_file) {
            Ok(id) => id.trim().to_string(),
            Err(_) => {
                let id = hex::encode(rand::random::<[u8; 16]>());
                berth_store::atomic::write_atomic(&id_file, id.as_bytes())?;
                id
            }
        };
        let sealed_helper = crate::sealed_helper::seal(&paths.helper_binary())?;
        let engine = Engine {
            sealed_helper,
            paths,
            store,
            containers: Registry::default(),
            execs: ExecRegistry::default(),
            events: EventBus::new(),
            engine_id,
        };
        engine.load_containers()?;
        Ok(engine)
    }

    fn load_containers(&self) -> anyhow::Result<()> {
        let dir = self.paths.data_root.join("containers");
        for item in std::fs::read_dir(&dir)? {
            let path = item?.path().join("config.v2.json");
            let record: ContainerRecord = match std::fs::read(&path)
                .map_err(anyhow::Error::from)
                .and_then(|b| serde_json::from_slice(&b).map_err(anyhow::Error::from))
            {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!("skipping {}: {e}", path.display());
                    continue;
                }
            };
            if let Err(e) = self.containers.reserve_name(&record.name, &record.id) {
                tracing::warn!("container {}: {e}", record.id);
            }
            self.containers.insert(ContainerEntry::new(record));
        }
        Ok(())
    }

    /// Live restore: reattach to every shim that still runs; a container
    /// that exited while berthd was down gets its real exit status.
    pub async fn restore(self: &Arc<Self>) {
        for entry in self.containers.all() {
            let (status, policy, manually_stopped) = {
                let rec = entry.record.lock().await;
                (
                    rec.state.status,
                    Policy::of(rec.host_config.restart_policy.as_ref()),
                    rec.manually_stopped,
                )
            };
            if status != Status::Running {
                if policy.starts_with_daemon(manually_stopped)
                    && let Err(e) = self.start_for(&entry, StartReason::DaemonStart).await
                {
                    tracing::warn!("starting {} for its restart policy: {e}", entry.id);
                }
                continue;
            }
            let state_dir = self.paths.state_dir(&entry.id);
            if shim_client::shim_alive(&state_dir) {
                tracing::info!("reattached to container {}", entry.id);
                self.spawn_exit_watcher(entry);
            } else {
                self.handle_exit(&entry).await;
            }
        }
    }
}
