//! _ping, version, info, events.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bollard_stubs::models::{
    SystemInfo, SystemVersion, SystemVersionComponents, SystemVersionPlatform,
};
use bytes::Bytes;

use super::AppState;
use super::hijack::body_from_channel;
use super::query;
use crate::container::Status;
use crate::error::ApiResult;
use crate::events::event_matches;
use crate::host;

pub async fn ping() -> Response {
    let mut headers = HeaderMap::new();
    headers.insert("Docker-Experimental", HeaderValue::from_static("false"));
    headers.insert("Builder-Version", HeaderValue::from_static("1"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store, must-revalidate"),
    );
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    (StatusCode::OK, headers, "OK").into_response()
}

pub async fn version() -> Json<SystemVersion> {
    let version = env!("CARGO_PKG_VERSION").to_string();
    Json(SystemVersion {
        platform: Some(SystemVersionPlatform {
            name: "berth engine".into(),
        }),
        components: Some(vec![SystemVersionComponents {
            name: "Engine".into(),
            version: version.clone(),
            details: Some(HashMap::from([
                ("ApiVersion".to_string(), super::API_VERSION.to_string()),
                (
                    "MinAPIVersion".to_string(),
                    super::MIN_API_VERSION.to_string(),
                ),
                ("Os".to_string(), "linux".to_string()),
                ("Arch".to_string(), host::docker_arch().to_string()),
                (
                    "KernelVersion".to_string(),
                    host::kernel_version().to_string(),
                ),
                ("GoVersion".to_string(), "none (Rust)".to_string()),
                ("GitCommit".to_string(), "berth".to_string()),
                ("BuildTime".to_string(), String::new()),
                ("Experimental".to_string(), "false".to_string()),
            ])),
        }]),
        version: Some(version),
        api_version: Some(super::API_VERSION.into()),
        min_api_version: Some(super::MIN_API_VERSION.into()),
        git_commit: Some("berth".into()),
        go_version: Some("none (Rust)".into()),
        os: Some("linux".into()),
        arch: Some(host::docker_arch().into()),
        kernel_version: Some(host::kernel_version()),
        build_time: Some(String::new()),
        experimental: Some(false),
    })
}

fn cgroup_version() -> &'static str {
    if std::path::Path::new("/sys/fs/cgroup/cgroup.controllers").exists() {
        "2"
    } else {
        "1"
    }
}

pub async fn info(State(engine): State<AppState>) -> ApiResult<Json<SystemInfo>> {
    let (mut running, mut stopped, mut total) = (0, 0, 0);
    for entry in engine.containers.all() {
        total += 1;
        match entry.record.lock().await.state.status {
            Status::Running => running += 1,
            _ => stopped += 1,
        }
    }
    let images = engine.store.index.records()?.len() as i64;
    let hostname = rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned();
    Ok(Json(SystemInfo {
        id: Some(engine.engine_id.clone()),
        containers: Some(total),
        containers_running: Some(running),
        containers_paused: Some(0),
        containers_stopped: Some(stopped),
        images: Some(images),
        driver: Some("overlay2".into()),
        docker_root_dir: Some(engine.paths.data_root.display().to_string()),
        mem_total: Some(host::memory_bytes() as i64),
        ncpu: Some(
            std::thread::available_parallelism()
                .map(|n| n.get() as i64)
                .unwrap_or(1),
        ),
        operating_system: Some("berth engine".into()),
        os_type: Some("linux".into()),
        os_version: Some(String::new()),
        architecture: Some(std::env::consts::ARCH.into()),
        kernel_version: Some(host::kernel_version()),
        server_version: Some(env!("CARGO_PKG_VERSION").into()),
        name: Some(hostname),
        cgroup_driver: None,
        cgroup_version: None,
        logging_driver: Some("json-file".into()),
        default_runtime: Some("berth".into()),
        debug: Some(false),
        experimental_build: Some(false),
        live_restore_enabled: Some(true),
        index_server_address: Some("https://index.docker.io/v1/".into()),
        labels: Some(vec![format!(
            "io.berth.cgroup-version={}",
            cgroup_version()
        )]),
        ..Default::default()
    }))
}

pub async fn events(
    State(engine): State<AppState>,
    Query(q): Query<query::Query>,
) -> ApiResult<Response> {
    let filters = query::filters(&q)?;
    let since = q
        .get("since")
        .and_then(|s| crate::container::logs::parse_unix_time(s));
    let until = q
        .get("until")
        .and_then(|s| crate::container::logs::parse_unix_time(s));
    let (history, mut rx) = engine.events.subscribe();
    let (tx, body_rx) = tokio::sync::mpsc::channel::<Bytes>(64);
    let encode = |m: &bollard_stubs::models::EventMessage| {
        let mut line = serde_json::to_vec(m).unwrap_or_default();
        line.push(b'\n');
        Bytes::from(line)
    };
    let in_window = move |m: &bollard_stubs::models::EventMessage| {
        let t = m.time_nano.unwrap_or(0);
        since.is_none_or(|s| t >= s.timestamp_nanos_opt().unwrap_or(0))
            && until.is_none_or(|u| t <= u.timestamp_nanos_opt().unwrap_or(i64::MAX))
    };
    tokio::spawn(async move {
        if since.is_some() {
            for m in history
                .iter()
                .filter(|m| in_window(m) && event_matches(m, &filters))
            {
                if tx.send(encode(m)).await.is_err() {
                    return;
                }
            }
        }
        let deadline = until.map(|u| {
            let wait = (u - chrono::Utc::now()).to_std().unwrap_or_default();
            tokio::time::Instant::now() + wait
        });
        loop {
            let next = async {
                match deadline {
                    Some(d) => tokio::time::timeout_at(d, rx.recv()).await.ok(),
                    None => Some(rx.recv().await),
                }
            };
            tokio::select! {
                m = next => match m {
                    None => return,
                    Some(Ok(m)) => {
                        if in_window(&m) && event_matches(&m, &filters) && tx.send(encode(&m)).await.is_err() {
                            return;
                        }
                    }
                    Some(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {}
                    Some(Err(_)) => return,
                },
                _ = tx.closed() => return,
            }
        }
    });
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        body_from_channel(body_rx),
    )
        .into_response())
}
