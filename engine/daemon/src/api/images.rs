//! /images/... handlers. Image names may contain slashes, so the routes
//! take the rest of the path and split the action off its end.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use berth_store::{Digest, ImageConfigFile, ImageRecord, Reference};
use bollard_stubs::models::{
    EventMessageTypeEnum, ImageDeleteResponseItem, ImageHistoryResponseItem, ImageInspect,
    ImageInspectRootFs, ImageSummary,
};
use bytes::Bytes;

use super::AppState;
use super::hijack::body_from_channel;
use super::query::{Query as Q, filters, flag};
use crate::catalog;
use crate::engine::Engine;
use crate::error::{ApiError, ApiResult};

fn created_unix(config: &ImageConfigFile) -> i64 {
    config
        .created
        .as_deref()
        .and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok())
        .map(|t| t.timestamp())
        .unwrap_or(0)
}

fn repo_tags(engine: &Engine, id: &Digest) -> Vec<String> {
    let mut tags: Vec<String> = engine
        .store
        .index
        .references_of(id)
        .iter()
        .filter_map(Reference::familiar_tagged)
        .collect();
    tags.sort();
    tags
}

fn repo_digests(engine: &Engine, record: &ImageRecord) -> Vec<String> {
    let mut names: Vec<String> = engine
        .store
        .index
        .references_of(&record.id)
        .iter()
        .map(|r| format!("{}@{}", r.familiar_name(), record.manifest_digest))
        .collect();
    names.sort();
    names.dedup();
    names
}

fn image_event(engine: &Engine, action: &str, id: &str, name: &str) {
    engine.events.publish(
        EventMessageTypeEnum::IMAGE,
        action,
        id,
        HashMap::from([("name".to_string(), name.to_string())]),
    );
}

pub async fn list(State(engine): State<AppState>, Query(q): Query<Q>) -> ApiResult<Response> {
    let f = filters(&q)?;
    let mut out = Vec::new();
    for record in engine.store.index.records()? {
        let config = engine.store.config(&record.id)?;
        let tags = repo_tags(&engine, &record.id);
        let labels: HashMap<String, String> = config
            .config
            .as_ref()
            .and_then(|c| c.labels.clone())
            .unwrap_or_default()
            .into_iter()
            .collect();
        let keep = f.iter().all(|(key, values)| {
            values.iter().any(|v| match key.as_str() {
                "dangling" => (v == "true") == tags.is_empty(),
                "reference" => tags.iter().any(|t| {
                    t == v
                        || t.split(':').next() == Some(v.as_str())
                        || v.ends_with('*') && t.starts_with(v.trim_end_matches('*'))
                }),
                "label" => match v.split_once('=') {
                    Some((k, val)) => labels.get(k).map(|x| x == val).unwrap_or(false),
                    None => labels.contains_key(v),
                },
                _ => true,
            })
        });
        if !keep || (tags.is_empty() && !flag(&q, "all") && !f.contains_key("dangling")) {
            continue;
        }
        out.push(ImageSummary {
            id: record.id.to_string(),
            parent_id: String::new(),
            repo_tags: tags,
            repo_digests: repo_digests(&engine, &record),
            created: created_unix(&config),
            size: record.size as i64,
            shared_size: -1,
            labels,
            containers: -1,
            ..Default::default()
        });
    }
    out.sort_by(|a, b| b.created.cmp(&a.created).then(a.id.cmp(&b.id)));
    Ok(Json(out).into_response())
}

/// GET /images/{name}/json and /images/{name}/history.
pub async fn get_dispatch(
    State(engine): State<AppState>,
    Path(rest): Path<String>,
) -> ApiResult<Response> {
    if let Some(name) = rest.strip_suffix("/json") {
        return inspect(&engine, name);
    }
    if let Some(name) = rest.strip_suffix("/history") {
        return history(&engine, name);
    }
    Err(ApiError::NotFound(format!(
        "page not found: /images/{rest}"
    )))
}

/// POST /images/{name}/tag (push arrives with registry support).
pub async fn post_dispatch(
    State(engine): State<AppState>,
    Path(rest): Path<String>,
    Query(q): Query<Q>,
) -> ApiResult<Response> {
    if let Some(name) = rest.strip_suffix("/tag") {
        return tag(&engine, name, &q);
    }
    if rest.ends_with("/push") {
        return Err(ApiError::BadRequest(
            "pushing images is not supported by berth yet (registry support is a later lab)".into(),
        ));
    }
    Err(ApiError::NotFound(format!(
        "page not found: /images/{rest}"
    )))
}

fn resolve(engine: &Engine, name: &str) -> ApiResult<Digest> {
    engine.store.index.resolve(name).map_err(|e| match e {
        berth_store::StoreError::ImageNotFound(_) => ApiError::no_such_image(name),
        other => other.into(),
    })
}

fn inspect(engine: &Engine, name: &str) -> ApiResult<Response> {
    let id = resolve(engine, name)?;
    let record = engine.store.index.record(&id)?;
    let config = engine.store.config(&id)?;
    let container_config = config
        .config
        .as_ref()
        .and_then(|c| serde_json::to_value(c).ok())
        .and_then(|v| serde_json::from_value(v).ok());
    Ok(Json(ImageInspect {
        id: Some(id.to_string()),
        repo_tags: Some(repo_tags(engine, &id)),
        repo_digests: Some(repo_digests(engine, &record)),
        comment: Some(String::new()),
        created: config.created.clone(),
        author: Some(config.author.clone().unwrap_or_default()),
        config: container_config,
        architecture: Some(config.architecture.clone()),
        os: Some(config.os.clone()),
        size: Some(record.size as i64),
        root_fs: Some(ImageInspectRootFs {
            typ: "layers".into(),
            layers: Some(
                config
                    .rootfs
                    .diff_ids
                    .iter()
                    .map(|d| d.to_string())
                    .collect(),
            ),
        }),
        ..Default::default()
    })
    .into_response())
}

fn history(engine: &Engine, name: &str) -> ApiResult<Response> {
    let id = resolve(engine, name)?;
    let record = engine.store.index.record(&id)?;
    let config = engine.store.config(&id)?;
    let mut layer_sizes = record.layers.iter().map(|l| l.size as i64);
    let mut items: Vec<ImageHistoryResponseItem> = config
        .history
        .iter()
        .map(|h| ImageHistoryResponseItem {
            id: "<missing>".into(),
            created: h
                .created
                .as_deref()
                .and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok())
                .map(|t| t.timestamp())
                .unwrap_or(0),
            created_by: h.created_by.clone().unwrap_or_default(),
            tags: Vec::new(),
            size: if h.empty_layer {
                0
            } else {
                layer_sizes.next().unwrap_or(0)
            },
            comment: h.comment.clone().unwrap_or_default(),
        })
        .collect();
    items.reverse();
    if let Some(top) = items.first_mut() {
        top.id = id.to_string();
        top.tags = repo_tags(engine, &id);
    }
    Ok(Json(items).into_response())
}

fn tag(engine: &Engine, name: &str, q: &Q) -> ApiResult<Response> {
    let id = resolve(engine, name)?;
    let repo = q.get("repo").filter(|r| !r.is_empty()).ok_or_else(|| {
        ApiError::BadRequest("repository name must have at least one component".into())
    })?;
    let full = match q.get("tag").filter(|t| !t.is_empty()) {
        Some(t) => format!("{repo}:{t}"),
        None => repo.clone(),
    };
    let reference = Reference::parse(&full)?;
    if reference.digest.is_some() {
        return Err(ApiError::BadRequest(
            "refusing to create a tag with a digest reference".into(),
        ));
    }
    engine.store.tag(&reference, &id)?;
    image_event(
        engine,
        "tag",
        &id.to_string(),
        &reference.familiar_tagged().unwrap_or(full),
    );
    Ok(StatusCode::CREATED.into_response())
}

pub async fn remove(
    State(engine): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<Q>,
) -> ApiResult<Response> {
    let force = flag(&q, "force");
    let id = resolve(&engine, &name)?;
    let by_reference = Reference::parse(&name)
        .ok()
        .and_then(|r| engine.store.index.lookup_reference(&r).map(|_| r));
    let refs = engine.store.index.references_of(&id);
    let mut out = Vec::new();
    let untag = |r: &Reference, out: &mut Vec<ImageDeleteResponseItem>| -> ApiResult<()> {
        engine.store.index.untag(r)?;
        let shown = r.familiar_tagged().unwrap_or_else(|| r.to_string());
        image_event(&engine, "untag", &id.to_string(), &shown);
        out.push(ImageDeleteResponseItem {
            untagged: Some(shown),
            deleted: None,
        });
        Ok(())
    };
    if let Some(r) = &by_reference
        && refs.len() > 1
    {
        untag(r, &mut out)?;
        return Ok(Json(out).into_response());
    }
    if by_reference.is_none() && refs.len() > 1 && !force {
        return Err(ApiError::Conflict(format!(
            "conflict: unable to delete {} (must be forced) - image is referenced in multiple repositories",
            id.short()
        )));
    }
    let mut users = Vec::new();
    for entry in engine.containers.all() {
        let rec = entry.record.lock().await;
        if rec.image_id == id.to_string() {
            users.push((rec.short_id().to_string(), rec.is_running()));
        }
    }
    if let Some((cid, running)) = users.first() {
        let state = if *running { "running" } else { "stopped" };
        if *running || !force {
            let what = match &by_reference {
                Some(r) => format!(
                    "unable to remove repository reference \"{}\" (must force) - container {cid} is using its referenced image {}",
                    r.familiar_tagged().unwrap_or_default(),
                    id.short()
                ),
                None => format!(
                    "unable to delete {} (must be forced) - image is being used by {state} container {cid}",
                    id.short()
                ),
            };
            return Err(ApiError::Conflict(format!("conflict: {what}")));
        }
        // Forced while stopped containers use it: untag, keep the layers.
        for r in &refs {
            untag(r, &mut out)?;
        }
        return Ok(Json(out).into_response());
    }
    for r in &refs {
        untag(r, &mut out)?;
    }
    let store = engine.store.clone();
    let del = id.clone();
    tokio::task::spawn_blocking(move || store.delete_image(&del))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    image_event(&engine, "delete", &id.to_string(), &id.to_string());
    out.push(ImageDeleteResponseItem {
        untagged: None,
        deleted: Some(id.to_string()),
    });
    Ok(Json(out).into_response())
}

/// POST /images/create: a pull. Offline, the catalog answers for its own
/// images; anything else gets a message that names the catalog.
pub async fn pull(State(engine): State<AppState>, Query(q): Query<Q>) -> ApiResult<Response> {
    let from = q
        .get("fromImage")
        .filter(|f| !f.is_empty())
        .ok_or_else(|| {
            ApiError::BadRequest(
                "importing from a source (fromSrc) is not supported by berth".into(),
            )
        })?;
    let full = match q.get("tag").filter(|t| !t.is_empty()) {
        Some(t) if t.starts_with("sha256:") => format!("{from}@{t}"),
        Some(t) => format!("{from}:{t}"),
        None => from.clone(),
    };
    let reference = Reference::parse(&full)?;
    let shown = reference.familiar_tagged().unwrap_or_else(|| full.clone());
    let Some(name) = catalog::lookup(&reference) else {
        return Err(ApiError::NotFound(format!(
            "pull access denied for {}: berth works offline and {shown} is not in its image catalog (it has: {})",
            reference.familiar_name(),
            catalog::NAMES.map(|n| format!("{n}:latest")).join(", ")
        )));
    };
    let before = engine.store.index.lookup_reference(&reference);
    let store = engine.store.clone();
    let id = tokio::task::spawn_blocking(move || catalog::install(&store, name))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let record = engine.store.index.record(&id)?;
    image_event(&engine, "pull", &shown, &shown);
    let status = if before.as_ref() == Some(&id) {
        format!("Status: Image is up to date for {shown}")
    } else {
        format!("Status: Downloaded newer image for {shown}")
    };
    let tag = reference.tag.clone().unwrap_or_default();
    let path = reference.repository.clone();
    let lines = [
        serde_json::json!({ "status": format!("Pulling from {path}"), "id": tag }),
        serde_json::json!({ "status": format!("Digest: {}", record.manifest_digest) }),
        serde_json::json!({ "status": status }),
    ];
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    for l in lines {
        let _ = tx.try_send(Bytes::from(format!("{l}\r\n")));
    }
    drop(tx);
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        body_from_channel(rx),
    )
        .into_response())
}
