//! What `inspect` and `ps` show of a container.

use std::collections::HashMap;

use bollard_stubs::models::{
    ContainerInspectResponse, ContainerState, ContainerStateStatusEnum, ContainerSummary,
    ContainerSummaryHostConfig, ContainerSummaryNetworkSettings, ContainerSummaryStateEnum,
    DriverData, EndpointSettings, NetworkSettings,
};

use super::record::{ContainerRecord, Status};
use crate::paths::Paths;
use crate::timefmt::{self, ZERO_TIME, human_duration};

fn state_enum(s: Status) -> ContainerStateStatusEnum {
    match s {
        Status::Created => ContainerStateStatusEnum::CREATED,
        Status::Running => ContainerStateStatusEnum::RUNNING,
        Status::Restarting => ContainerStateStatusEnum::RESTARTING,
        Status::Exited => ContainerStateStatusEnum::EXITED,
        Status::Removing => ContainerStateStatusEnum::REMOVING,
        Status::Dead => ContainerStateStatusEnum::DEAD,
    }
}

fn summary_state(s: Status) -> ContainerSummaryStateEnum {
    match s {
        Status::Created => ContainerSummaryStateEnum::CREATED,
        Status::Running => ContainerSummaryStateEnum::RUNNING,
        Status::Restarting => ContainerSummaryStateEnum::RESTARTING,
        Status::Exited => ContainerSummaryStateEnum::EXITED,
        Status::Removing => ContainerSummaryStateEnum::REMOVING,
        Status::Dead => ContainerSummaryStateEnum::DEAD,
    }
}

/// The network this container is on, as inspect lists it. Until berth has
/// bridge networking a default container has only loopback: its bridge
/// entry carries no addresses.
fn network_name(rec: &ContainerRecord) -> String {
    match rec.network_mode() {
        "default" => "bridge".to_string(),
        m => m.to_string(),
    }
}

fn networks(rec: &ContainerRecord) -> HashMap<String, EndpointSettings> {
    HashMap::from([(
        network_name(rec),
        EndpointSettings {
            ip_address: Some(String::new()),
            gateway: Some(String::new()),
            mac_address: Some(String::new()),
            ip_prefix_len: Some(0),
            ..Default::default()
        },
    )])
}

/// Docker's STATUS column: "Up 5 seconds", "Exited (0) 2 minutes ago".
pub fn status_text(rec: &ContainerRecord) -> String {
    let now = chrono::Utc::now();
    match rec.state.status {
        Status::Created => "Created".into(),
        Status::Running => {
            let since = rec.state.started_at.unwrap_or(now);
            format!("Up {}", human_duration(now - since))
        }
        Status::Restarting => {
            let since = rec.state.finished_at.unwrap_or(now);
            format!(
                "Restarting ({}) {} ago",
                rec.state.exit_code,
                human_duration(now - since)
            )
        }
        Status::Exited => {
            let since = rec.state.finished_at.unwrap_or(now);
            format!(
                "Exited ({}) {} ago",
                rec.state.exit_code,
                human_duration(now - since)
            )
        }
        Status::Removing => "Removal In Progress".into(),
        Status::Dead => "Dead".into(),
    }
}

pub fn inspect(rec: &ContainerRecord, paths: &Paths) -> ContainerInspectResponse {
    let dir = paths.container_dir(&rec.id);
    let s = &rec.state;
    let fmt_time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(timefmt::rfc3339_nanos)
            .unwrap_or_else(|| ZERO_TIME.to_string())
    };
    let rw = paths.data_root.join("snapshots/rw").join(&rec.id);
    ContainerInspectResponse {
        id: Some(rec.id.clone()),
        created: Some(timefmt::rfc3339_nanos(rec.created)),
        path: Some(rec.path.clone()),
        args: Some(rec.args.clone()),
        state: Some(ContainerState {
            status: Some(state_enum(s.status)),
            running: Some(s.status == Status::Running),
            paused: Some(false),
            restarting: Some(s.status == Status::Restarting),
            oom_killed: Some(s.oom_killed),
            dead: Some(s.status == Status::Dead),
            pid: Some(s.pid as i64),
            exit_code: Some(s.exit_code as i64),
            error: Some(s.error.clone()),
            started_at: Some(fmt_time(s.started_at)),
            finished_at: Some(fmt_time(s.finished_at)),
            health: None,
        }),
        image: Some(rec.image_id.clone()),
        resolv_conf_path: Some(dir.join("resolv.conf").display().to_string()),
        hostname_path: Some(dir.join("hostname").display().to_string()),
        hosts_path: Some(dir.join("hosts").display().to_string()),
        log_path: Some(paths.log_path(&rec.id).display().to_string()),
        name: Some(format!("/{}", rec.name)),
        restart_count: Some(rec.restart_count),
        driver: Some("overlay2".into()),
        platform: Some("linux".into()),
        mount_label: Some(String::new()),
        process_label: Some(String::new()),
        app_armor_profile: Some(String::new()),
        host_config: Some(rec.host_config.clone()),
        graph_driver: Some(DriverData {
            name: "overlay2".into(),
            data: HashMap::from([
                (
                    "MergedDir".to_string(),
                    paths.rootfs(&rec.id).display().to_string(),
                ),
                (
                    "UpperDir".to_string(),
                    rw.join("diff").display().to_string(),
                ),
                ("WorkDir".to_string(), rw.join("work").display().to_string()),
            ]),
        }),
        mounts: Some(Vec::new()),
        config: Some(rec.config.clone()),
        network_settings: Some(NetworkSettings {
            sandbox_key: Some(if rec.network_mode() == "host" {
                String::new()
            } else {
                paths.netns_path(&rec.id).display().to_string()
            }),
            ports: Some(HashMap::new()),
            networks: Some(networks(rec)),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub fn summary(rec: &ContainerRecord, size_rw: Option<i64>) -> ContainerSummary {
    let mut command = vec![rec.path.clone()];
    command.extend(rec.args.iter().cloned());
    ContainerSummary {
        id: Some(rec.id.clone()),
        names: Some(vec![format!("/{}", rec.name)]),
        image: Some(rec.image.clone()),
        image_id: Some(rec.image_id.clone()),
        command: Some(command.join(" ")),
        created: Some(rec.created.timestamp()),
        ports: Some(Vec::new()),
        size_rw,
        labels: Some(rec.config.labels.clone().unwrap_or_default()),
        state: Some(summary_state(rec.state.status)),
        status: Some(status_text(rec)),
        host_config: Some(ContainerSummaryHostConfig {
            network_mode: Some(network_name(rec)),
            ..Default::default()
        }),
        network_settings: Some(ContainerSummaryNetworkSettings {
            networks: Some(networks(rec)),
        }),
        mounts: Some(Vec::new()),
        ..Default::default()
    }
}

/// `filters` of `GET /containers/json`, already decoded.
pub struct ListFilters {
    pub filters: HashMap<String, Vec<String>>,
}

impl ListFilters {
    /// Accepts both `{"status":["exited"]}` and the older
    /// `{"status":{"exited":true}}`.
    pub fn parse(raw: Option<&str>) -> Result<Self, String> {
        let mut filters = HashMap::new();
        if let Some(raw) = raw.filter(|r| !r.is_empty()) {
            let value: serde_json::Value =
                serde_json::from_str(raw).map_err(|e| format!("invalid filter: {e}"))?;
            let obj = value
                .as_object()
                .ok_or("invalid filter: expected an object")?;
            for (k, v) in obj {
                let values: Vec<String> = match v {
                    serde_json::Value::Array(a) => a
                        .iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect(),
                    serde_json::Value::Object(o) => o.keys().cloned().collect(),
                    _ => return Err(format!("invalid filter value for {k}")),
                };
                let known = [
                    "id", "name", "status", "ancestor", "exited", "label", "before", "since",
                ];
                if !known.contains(&k.as_str()) {
                    return Err(format!("invalid filter '{k}'"));
                }
                if k == "status" {
                    let statuses = [
                        "created",
                        "restarting",
                        "running",
                        "removing",
                        "paused",
                        "exited",
                        "dead",
                    ];
                    if let Some(bad) = values.iter().find(|s| !statuses.contains(&s.as_str())) {
                        return Err(format!(
                            "invalid filter 'status={bad}': Invalid filter 'status', must be one of created, restarting, running, removing, paused, exited, or dead"
                        ));
                    }
                }
                filters.insert(k.clone(), values);
            }
        }
        Ok(ListFilters { filters })
    }

    pub fn get(&self, key: &str) -> Option<&Vec<String>> {
        self.filters.get(key)
    }

    /// Whether `rec` passes every filter except `ancestor`, `before` and
    /// `since`, which need other containers or images to decide.
    pub fn matches(&self, rec: &ContainerRecord) -> bool {
        self.filters.iter().all(|(key, values)| {
            values.iter().any(|v| match key.as_str() {
                "id" => rec.id.starts_with(v.as_str()),
                "name" => rec.name.contains(v.trim_start_matches('/')),
                "status" => rec.state.status.as_str() == v,
                "exited" => {
                    rec.state.status == Status::Exited
                        && v.parse::<i32>().ok() == Some(rec.state.exit_code)
                }
                "label" => {
                    let labels = rec.config.labels.clone().unwrap_or_default();
                    match v.split_once('=') {
                        Some((k, val)) => labels.get(k).map(|x| x == val).unwrap_or(false),
                        None => labels.contains_key(v),
                    }
                }
                _ => true,
            })
        })
    }
}
