//! What berthd persists per container: `containers/<id>/config.v2.json`.

use bollard_stubs::models::{ContainerConfig, HostConfig};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Created,
    Running,
    /// Exited, and waiting for its restart policy to start it again.
    Restarting,
    Exited,
    Removing,
    Dead,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Running => "running",
            Status::Restarting => "restarting",
            Status::Exited => "exited",
            Status::Removing => "removing",
            Status::Dead => "dead",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunState {
    pub status: Status,
    pub pid: i32,
    pub exit_code: i32,
    #[serde(default)]
    pub error: String,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub oom_killed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContainerRecord {
    pub id: String,
    /// Without Docker's leading slash.
    pub name: String,
    pub created: DateTime<Utc>,
    pub path: String,
    pub args: Vec<String>,
    /// The image as the user named it.
    pub image: String,
    /// `sha256:...`, the image ID.
    pub image_id: String,
    /// The merged configuration (image defaults + request), as inspect shows.
    pub config: ContainerConfig,
    pub host_config: HostConfig,
    pub state: RunState,
    #[serde(default)]
    pub restart_count: i64,
    /// Stopped or killed by a user: restart policies leave it alone.
    #[serde(default)]
    pub manually_stopped: bool,
    /// The last restart back-off, in milliseconds.
    #[serde(default)]
    pub restart_delay_ms: u64,
}

impl ContainerRecord {
    pub fn short_id(&self) -> &str {
        &self.id[..12]
    }

    pub fn is_running(&self) -> bool {
        self.state.status == Status::Running
    }

    pub fn auto_remove(&self) -> bool {
        self.host_config.auto_remove.unwrap_or(false)
    }

    pub fn open_stdin(&self) -> bool {
        self.config.open_stdin.unwrap_or(false)
    }

    pub fn network_mode(&self) -> &str {
        match self.host_config.network_mode.as_deref() {
            None | Some("") => "default",
            Some(m) => m,
        }
    }
}
