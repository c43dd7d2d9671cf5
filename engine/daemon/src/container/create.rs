//! `POST /containers/create`: merges the request with the image's defaults
//! exactly as Docker does, and records the container.

use std::collections::HashMap;
use std::sync::Arc;

use berth_store::Reference;
use bollard_stubs::models::{ContainerConfig, ContainerCreateBody, EventMessageTypeEnum};

use super::names;
use super::record::{ContainerRecord, RunState};
use super::registry::ContainerEntry;
use crate::engine::Engine;
use crate::error::{ApiError, ApiResult};

/// Docker's default PATH, given when the image sets none.
pub const DEFAULT_PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// `VAR=value` lists merged by key, later entries winning, order kept.
pub fn merge_env(base: &[String], overrides: &[String]) -> Vec<String> {
    let mut out: Vec<String> = base.to_vec();
    for item in overrides {
        let key = item.split('=').next().unwrap_or(item);
        if let Some(existing) = out
            .iter_mut()
            .find(|e| e.split('=').next().unwrap_or(e) == key)
        {
            *existing = item.clone();
        } else {
            out.push(item.clone());
        }
    }
    out
}

/// The argv Docker runs: an explicit entrypoint drops the image's Cmd; an
/// explicit Cmd replaces the image's Cmd; `[""]` clears the entrypoint.
pub fn resolve_command(
    req_entrypoint: Option<&Vec<String>>,
    req_cmd: Option<&Vec<String>>,
    img_entrypoint: Option<&Vec<String>>,
    img_cmd: Option<&Vec<String>>,
) -> (Vec<String>, Vec<String>) {
    let clear = |v: &Vec<String>| v.iter().all(|s| s.is_empty());
    match req_entrypoint {
        Some(ep) => {
            let ep = if clear(ep) { Vec::new() } else { ep.clone() };
            (ep, req_cmd.cloned().unwrap_or_default())
        }
        None => (
            img_entrypoint.cloned().unwrap_or_default(),
            req_cmd.or(img_cmd).cloned().unwrap_or_default(),
        ),
    }
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.clone().filter(|s| !s.is_empty())
}

impl Engine {
    pub async fn create_container(
        self: &Arc<Self>,
        name: Option<String>,
        body: ContainerCreateBody,
    ) -> ApiResult<String> {
        let image_name = non_empty(&body.image).ok_or_else(|| {
            ApiError::BadRequest("config.Image: an image name is required".into())
        })?;
        let image_id = match self.store.index.resolve(&image_name) {
            Ok(id) => id,
            Err(berth_store::StoreError::ImageNotFound(_)) => {
                let shown = Reference::parse(&image_name)
                    .ok()
                    .and_then(|r| r.familiar_tagged())
                    .unwrap_or(image_name.clone());
                return Err(ApiError::no_such_image(&shown));
            }
            Err(e) => return Err(e.into()),
        };
        let image_config = self.store.config(&image_id)?;
        let defaults = image_config.config.unwrap_or_default();

        let (entrypoint, cmd) = resolve_command(
            body.entrypoint.as_ref(),
            body.cmd.as_ref(),
            defaults.entrypoint.as_ref(),
            defaults.cmd.as_ref(),
        );
        let argv: Vec<String> = entrypoint.iter().chain(cmd.iter()).cloned().collect();
        if argv.is_empty() {
            return Err(ApiError::BadRequest("No command specified".into()));
        }
        let working_dir =
            non_empty(&body.working_dir).or(defaults.working_dir.clone().filter(|w| !w.is_empty()));
        if let Some(w) = &working_dir
            && !w.starts_with('/')
        {
            return Err(ApiError::BadRequest(format!(
                "the working directory '{w}' is invalid, it needs to be an absolute path"
            )));
        }
        let host_config = body.host_config.clone().unwrap_or_default();
        validate_host_config(&host_config)?;
        super::resources::validate(&host_config)?;
        super::security::parse(&host_config.security_opt.clone().unwrap_or_default())?;

        let id = hex::encode(rand::random::<[u8; 32]>());
        let name = match name.filter(|n| !n.is_empty()) {
            Some(n) => {
                let n = n.strip_prefix('/').unwrap_or(&n).to_string();
                if !names::valid(&n) {
                    return Err(ApiError::BadRequest(format!(
                        "Invalid container name ({n}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
                    )));
                }
                self.containers.reserve_name(&n, &id)?;
                n
            }
            None => loop {
                let n = names::generate(|n| self.containers.name_taken(n));
                if self.containers.reserve_name(&n, &id).is_ok() {
                    break n;
                }
            },
        };

        let mut labels: HashMap<String, String> = defaults
            .labels
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect();
        labels.extend(body.labels.clone().unwrap_or_default());
        let hostname = non_empty(&body.hostname).unwrap_or_else(|| id[..12].to_string());

        // The request minus HostConfig/NetworkingConfig is inspect's Config.
        let mut config: ContainerConfig = serde_json::to_value(&body)
            .and_then(serde_json::from_value)
            .map_err(|e| ApiError::BadRequest(format!("invalid container config: {e}")))?;
        config.hostname = Some(hostname);
        config.image = Some(image_name.clone());
        config.env = Some(merge_env(
            &defaults.env.clone().unwrap_or_default(),
            &body.env.clone().unwrap_or_default(),
        ));
        config.entrypoint = (!entrypoint.is_empty()).then_some(entrypoint);
        config.cmd = (!cmd.is_empty()).then_some(cmd);
        config.working_dir = Some(working_dir.unwrap_or_default());
        config.user = Some(
            non_empty(&body.user)
                .or(defaults.user.clone())
                .unwrap_or_default(),
        );
        config.labels = Some(labels);
        config.stop_signal = non_empty(&body.stop_signal).or(defaults.stop_signal.clone());

        let record = ContainerRecord {
            id: id.clone(),
            name: name.clone(),
            created: chrono::Utc::now(),
            path: argv[0].clone(),
            args: argv[1..].to_vec(),
            image: image_name,
            image_id: image_id.to_string(),
            config,
            host_config,
            state: RunState::default(),
            restart_count: 0,
            manually_stopped: false,
            restart_delay_ms: 0,
        };
        let dir = self.paths.container_dir(&id);
        let result = std::fs::create_dir_all(&dir)
            .map_err(ApiError::from)
            .and_then(|_| ContainerEntry::persist(&record, &dir));
        if let Err(e) = result {
            self.containers.release_name(&name);
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
        self.container_event("create", &record, &[]);
        self.containers.insert(ContainerEntry::new(record));
        Ok(id)
    }

    pub fn container_event(
        &self,
        action: &str,
        record: &ContainerRecord,
        extra: &[(&str, String)],
    ) {
        let mut attrs: HashMap<String, String> = record.config.labels.clone().unwrap_or_default();
        attrs.insert("image".into(), record.image.clone());
        attrs.insert("name".into(), record.name.clone());
        for (k, v) in extra {
            attrs.insert((*k).to_string(), v.clone());
        }
        self.events
            .publish(EventMessageTypeEnum::CONTAINER, action, &record.id, attrs);
    }
}

fn validate_host_config(hc: &bollard_stubs::models::HostConfig) -> ApiResult<()> {
    match hc.network_mode.as_deref().unwrap_or("") {
        "" | "default" | "bridge" | "none" | "host" => {}
        m if m.starts_with("container:") => {
            return Err(ApiError::BadRequest(format!(
                "network mode {m} is not supported by berth yet"
            )));
        }
        // As dockerd: an unknown network is found missing at start, not
        // here (a 404 from create would make the CLI try a pull).
        _ => {}
    }
    if let Some(policy) = &hc.restart_policy {
        let name = policy.name.map(|n| n.to_string()).unwrap_or_default();
        if hc.auto_remove.unwrap_or(false) && !matches!(name.as_str(), "" | "no") {
            return Err(ApiError::BadRequest(
                "can't create 'AutoRemove' container with restart policy".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn command_resolution_matches_docker() {
        let img_ep = v(&["/entry"]);
        let img_cmd = v(&["default"]);
        let req_cmd = v(&["mine"]);
        // args replace Cmd, keep the entrypoint
        assert_eq!(
            resolve_command(None, Some(&req_cmd), Some(&img_ep), Some(&img_cmd)),
            (img_ep.clone(), req_cmd.clone())
        );
        // --entrypoint drops the image's Cmd
        let ep = v(&["sh"]);
        assert_eq!(
            resolve_command(Some(&ep), None, Some(&img_ep), Some(&img_cmd)),
            (ep.clone(), vec![])
        );
        // --entrypoint "" clears it
        assert_eq!(
            resolve_command(Some(&v(&[""])), Some(&req_cmd), Some(&img_ep), None),
            (vec![], req_cmd)
        );
        // nothing given: the image's
        assert_eq!(
            resolve_command(None, None, None, Some(&img_cmd)),
            (vec![], img_cmd)
        );
    }

    #[test]
    fn env_merges_by_key() {
        let merged = merge_env(&v(&["PATH=/bin", "A=1"]), &v(&["A=2", "B=3"]));
        assert_eq!(merged, v(&["PATH=/bin", "A=2", "B=3"]));
    }
}
