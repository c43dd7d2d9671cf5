//! /containers/... handlers: parse, call the engine, shape the answer.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bollard_stubs::models::{ContainerCreateBody, ContainerPruneResponse};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::AppState;
use super::detach::{DEFAULT_DETACH_KEYS, parse_detach_keys};
use super::hijack::{body_from_channel, splice, upgrade};
use super::query::{self, Query as Q, flag, int};
use crate::container::ContainerRecord;
use crate::container::attach::AttachFlags;
use crate::container::lifecycle::WaitCondition;
use crate::container::logs::{LogOptions, parse_unix_time, stream_log};
use crate::container::view::{self, ListFilters};
use crate::engine::Engine;
use crate::error::{ApiError, ApiResult};

pub async fn create(
    State(engine): State<AppState>,
    Query(q): Query<Q>,
    body: Bytes,
) -> ApiResult<Response> {
    if body.is_empty() {
        return Err(ApiError::BadRequest(
            "config cannot be empty in order to create a container".into(),
        ));
    }
    let parsed: ContainerCreateBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("invalid JSON in the container config: {e}")))?;
    let id = engine
        .create_container(q.get("name").cloned(), parsed)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "Id": id, "Warnings": [] })),
    )
        .into_response())
}

/// Size of a container's image, 0 when the image is gone.
fn image_size(engine: &Engine, image_id: &str) -> i64 {
    image_id
        .parse::<berth_store::Digest>()
        .ok()
        .and_then(|d| engine.store.index.record(&d).ok())
        .map(|r| r.size as i64)
        .unwrap_or(0)
}

fn dir_size(path: &std::path::Path) -> i64 {
    let mut total = 0i64;
    let mut stack = vec![path.to_path_buf()];
    while let Some(p) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&p) else {
            continue;
        };
        for e in entries.flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => stack.push(e.path()),
                Ok(m) => total += m.len() as i64,
                Err(_) => {}
            }
        }
    }
    total
}

pub async fn list(State(engine): State<AppState>, Query(q): Query<Q>) -> ApiResult<Response> {
    let filters =
        ListFilters::parse(q.get("filters").map(String::as_str)).map_err(ApiError::BadRequest)?;
    let limit = int(&q, "limit")?.filter(|l| *l > 0);
    let all = flag(&q, "all")
        || limit.is_some()
        || filters.get("status").is_some()
        || filters.get("exited").is_some();
    let mut records: Vec<ContainerRecord> = Vec::new();
    for entry in engine.containers.all() {
        records.push(entry.record.lock().await.clone());
    }
    let ancestors: Option<Vec<(String, Option<String>)>> = filters.get("ancestor").map(|values| {
        values
            .iter()
            .map(|v| {
                (
                    v.clone(),
                    engine.store.index.resolve(v).ok().map(|d| d.to_string()),
                )
            })
            .collect()
    });
    let created_of = |name: &str| engine.containers.lookup(name).ok().map(|e| e.id.clone());
    let mut bounds = Vec::new();
    for (key, cmp) in [
        ("before", std::cmp::Ordering::Less),
        ("since", std::cmp::Ordering::Greater),
    ] {
        if let Some(values) = filters.get(key) {
            for v in values {
                let id = created_of(v).ok_or_else(|| ApiError::no_such_container(v))?;
                let created = records.iter().find(|r| r.id == id).map(|r| r.created);
                if let Some(c) = created {
                    bounds.push((cmp, c));
                }
            }
        }
    }
    records.retain(|r| {
        (all || r.is_running())
            && filters.matches(r)
            && ancestors.as_ref().is_none_or(|a| {
                a.iter().any(|(name, id)| {
                    r.image == *name || id.as_deref() == Some(r.image_id.as_str())
                })
            })
            && bounds.iter().all(|(cmp, c)| r.created.cmp(c) == *cmp)
    });
    records.sort_by_key(|r| std::cmp::Reverse(r.created));
    if let Some(l) = limit {
        records.truncate(l as usize);
    }
    let with_size = flag(&q, "size");
    let data_root = engine.paths.data_root.clone();
    let image_sizes: Vec<i64> = records
        .iter()
        .map(|r| image_size(&engine, &r.image_id))
        .collect();
    let out = tokio::task::spawn_blocking(move || {
        records
            .iter()
            .zip(image_sizes)
            .map(|(r, image_size)| {
                let size = with_size
                    .then(|| dir_size(&data_root.join("snapshots/rw").join(&r.id).join("diff")));
                let mut summary = view::summary(r, size);
                // ps -s shows "(virtual ...)": the container's writes plus its image
                summary.size_root_fs = size.map(|s| s + image_size);
                summary
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Json(out).into_response())
}

pub async fn inspect(
    State(engine): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
) -> ApiResult<Response> {
    let entry = engine.containers.lookup(&id)?;
    let rec = entry.record.lock().await.clone();
    let mut view = view::inspect(&rec, &engine.paths);
    if flag(&q, "size") {
        // `docker inspect -s`: the container's own writes, and with the image
        let diff = engine
            .paths
            .data_root
            .join("snapshots/rw")
            .join(&rec.id)
            .join("diff");
        let size_rw = tokio::task::spawn_blocking(move || dir_size(&diff))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let image_size = image_size(&engine, &rec.image_id);
        view.size_rw = Some(size_rw);
        view.size_root_fs = Some(size_rw + image_size);
    }
    Ok(Json(view).into_response())
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

pub async fn start(State(engine): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let entry = engine.containers.lookup(&id)?;
    engine.start_container(&entry).await?;
    Ok(no_content())
}

pub async fn stop(
    State(engine): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
) -> ApiResult<Response> {
    let entry = engine.containers.lookup(&id)?;
    engine
        .stop_container(&entry, int(&q, "t")?, q.get("signal").map(String::as_str))
        .await?;
    Ok(no_content())
}

pub async fn restart(
    State(engine): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
) -> ApiResult<Response> {
    let entry = engine.containers.lookup(&id)?;
    engine
        .restart_container(&entry, int(&q, "t")?, q.get("signal").map(String::as_str))
        .await?;
    Ok(no_content())
}

pub async fn kill(
    State(engine): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
) -> ApiResult<Response> {
    let entry = engine.containers.lookup(&id)?;
    engine
        .kill_container(&entry, q.get("signal").map(String::as_str))
        .await?;
    Ok(no_content())
}

pub async fn wait(
    State(engine): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
) -> ApiResult<Response> {
    let entry = engine.containers.lookup(&id)?;
    let condition = WaitCondition::parse(q.get("condition").map(String::as_str))?;
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        let code = Engine::wait_container(entry, condition).await;
        let body = serde_json::json!({ "StatusCode": code, "Error": null });
        let _ = tx.send(bytes::Bytes::from(body.to_string())).await;
    });
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        body_from_channel(rx),
    )
        .into_response())
}

fn log_options(q: &Q, tty: bool) -> ApiResult<LogOptions> {
    let tail = match q.get("tail").map(String::as_str) {
        None | Some("") | Some("all") => None,
        Some(n) => Some(
            n.parse::<usize>()
                .map_err(|_| ApiError::BadRequest(format!("invalid value for tail: {n:?}")))?,
        ),
    };
    Ok(LogOptions {
        follow: flag(q, "follow"),
        stdout: flag(q, "stdout"),
        stderr: flag(q, "stderr"),
        timestamps: flag(q, "timestamps"),
        tail,
        since: q.get("since").and_then(|s| parse_unix_time(s)),
        until: q.get("until").and_then(|s| parse_unix_time(s)),
        tty,
    })
}

pub async fn logs(
    State(engine): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
) -> ApiResult<Response> {
    let entry = engine.containers.lookup(&id)?;
    let tty = entry.record.lock().await.config.tty.unwrap_or(false);
    let opts = log_options(&q, tty)?;
    if !opts.stdout && !opts.stderr {
        return Err(ApiError::BadRequest(
            "Bad parameters: you must choose at least one stream".into(),
        ));
    }
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let path = engine.paths.log_path(&entry.id);
    tokio::spawn(stream_log(path, entry, opts, tx));
    Ok((
        [(header::CONTENT_TYPE, "application/vnd.docker.raw-stream")],
        body_from_channel(rx),
    )
        .into_response())
}

pub async fn attach(
    State(engine): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
    mut req: Request,
) -> ApiResult<Response> {
    let entry = engine.containers.lookup(&id)?;
    let flags = AttachFlags {
        stdin: flag(&q, "stdin"),
        stdout: flag(&q, "stdout"),
        stderr: flag(&q, "stderr"),
    };
    let (with_logs, with_stream) = (flag(&q, "logs"), flag(&q, "stream"));
    let detach_keys = match q.get("detachKeys").filter(|k| !k.is_empty()) {
        Some(spec) => parse_detach_keys(spec).map_err(ApiError::BadRequest)?,
        None => DEFAULT_DETACH_KEYS.to_vec(),
    };
    let tty = entry.record.lock().await.config.tty.unwrap_or(false);
    let source = if with_stream {
        Some(engine.register_attach(&entry, flags).await?)
    } else {
        None
    };
    let mut replay = with_logs.then(|| {
        let opts = LogOptions {
            follow: false,
            stdout: flags.stdout,
            stderr: flags.stderr,
            timestamps: false,
            tail: None,
            since: None,
            until: None,
            tty,
        };
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        tokio::spawn(stream_log(
            engine.paths.log_path(&entry.id),
            entry.clone(),
            opts,
            tx,
        ));
        rx
    });
    if req.headers().get(header::UPGRADE).is_none() {
        // As dockerd for a client that does not upgrade (curl): 200 and the
        // output as the body; there is no way to send stdin then.
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        tokio::spawn(async move {
            if let Some(replay) = replay.as_mut() {
                while let Some(frame) = replay.recv().await {
                    if tx.send(frame).await.is_err() {
                        return;
                    }
                }
            }
            let Some(source) = source else { return };
            let Ok(mut shim) = source.stream().await else {
                return;
            };
            let mut buf = vec![0u8; 32 * 1024];
            while let Ok(n @ 1..) = shim.read(&mut buf).await {
                if tx
                    .send(bytes::Bytes::copy_from_slice(&buf[..n]))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        });
        return Ok((
            [(header::CONTENT_TYPE, "application/vnd.docker.raw-stream")],
            body_from_channel(rx),
        )
            .into_response());
    }
    Ok(upgrade(&mut req, move |mut client| async move {
        if let Some(replay) = replay.as_mut() {
            while let Some(frame) = replay.recv().await {
                if client.write_all(&frame).await.is_err() {
                    return;
                }
            }
        }
        let Some(source) = source else {
            let _ = client.shutdown().await;
            return;
        };
        match source.stream().await {
            Ok(shim) => splice(client, shim, detach_keys).await,
            Err(e) => {
                tracing::debug!("attach to {}: {e}", entry.id);
                let _ = client.shutdown().await;
            }
        }
    }))
}

pub async fn remove(
    State(engine): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
) -> ApiResult<Response> {
    let entry = engine.containers.lookup(&id)?;
    engine.remove_container(&entry, flag(&q, "force")).await?;
    Ok(no_content())
}

pub async fn rename(
    State(engine): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
) -> ApiResult<Response> {
    let entry = engine.containers.lookup(&id)?;
    let name = q
        .get("name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::BadRequest("Neither old nor new names may be empty".into()))?;
    engine.rename_container(&entry, name).await?;
    Ok(no_content())
}

pub async fn prune(State(engine): State<AppState>, Query(q): Query<Q>) -> ApiResult<Response> {
    let _ = query::filters(&q)?;
    let deleted = engine.prune_containers().await;
    Ok(Json(ContainerPruneResponse {
        containers_deleted: Some(deleted),
        space_reclaimed: Some(0),
    })
    .into_response())
}

pub async fn top(
    State(engine): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
) -> ApiResult<Response> {
    let entry = engine.containers.lookup(&id)?;
    let ps_args = q.get("ps_args").map(String::as_str).unwrap_or("");
    Ok(Json(engine.top(&entry, ps_args).await?).into_response())
}

/// Streamed (one sample a second) unless `stream=false`.
pub async fn stats(
    State(engine): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
) -> ApiResult<Response> {
    let entry = engine.containers.lookup(&id)?;
    let stream = q.get("stream").is_none_or(|_| flag(&q, "stream"));
    let cgroup = engine.paths.cgroup_parent.join(&entry.id);
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(crate::container::stats::stream_stats(
        entry,
        cgroup,
        stream,
        flag(&q, "one-shot"),
        tx,
    ));
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        body_from_channel(rx),
    )
        .into_response())
}

pub async fn resize(
    State(engine): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<Q>,
) -> ApiResult<Response> {
    let entry = engine.containers.lookup(&id)?;
    let (rows, cols) = (query::dimension(&q, "h")?, query::dimension(&q, "w")?);
    let rec = entry.record.lock().await.clone();
    if !rec.is_running() {
        return Err(ApiError::Conflict(format!(
            "Container {} is not running",
            rec.id
        )));
    }
    crate::shim_client::resize(&engine.paths.state_dir(&rec.id), rows, cols)
        .await
        .map_err(|e| ApiError::BadRequest(format!("resizing {}: {e}", rec.short_id())))?;
    Ok(StatusCode::OK.into_response())
}
