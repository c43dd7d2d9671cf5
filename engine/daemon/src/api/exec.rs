//! /containers/{id}/exec and /exec/{id}/... handlers.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bollard_stubs::models::{ExecConfig, ExecStartConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::AppState;
use super::detach::{DEFAULT_DETACH_KEYS, parse_detach_keys};
use super::hijack::{splice_then, upgrade};
use crate::error::{ApiError, ApiResult};

pub async fn create(
    State(engine): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let config: ExecConfig = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("invalid JSON in the exec config: {e}")))?;
    let entry = engine.containers.lookup(&id)?;
    let exec_id = engine.create_exec(&entry, config).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "Id": exec_id })),
    )
        .into_response())
}

pub async fn start(
    State(engine): State<AppState>,
    Path(id): Path<String>,
    mut req: Request,
) -> ApiResult<Response> {
    let body = axum::body::to_bytes(std::mem::take(req.body_mut()), 1 << 20)
        .await
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let start: ExecStartConfig = if body.is_empty() {
        ExecStartConfig::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::BadRequest(format!("invalid JSON in the exec start config: {e}"))
        })?
    };
    let exec = engine.execs.get(&id)?;
    let detach_keys = match exec.config.detach_keys.as_deref().filter(|k| !k.is_empty()) {
        Some(spec) => parse_detach_keys(spec).map_err(ApiError::BadRequest)?,
        None => DEFAULT_DETACH_KEYS.to_vec(),
    };
    // Started before answering: its output waits in the socket until the
    // client is connected.
    let detach = start.detach.unwrap_or(false);
    let mut stream = match engine.start_exec(&exec).await {
        Ok(stream) => stream,
        // As dockerd: an attached start that fails still upgrades, writes
        // the error to stdout, and leaves 126 or 127 as the exit code.
        Err(e) if !detach && !matches!(e, ApiError::NotFound(_) | ApiError::Conflict(_)) => {
            let message = e.to_string();
            let code = if message.contains("executable file not found") {
                127
            } else {
                126
            };
            engine.exec_failed(&exec, code);
            return Ok(upgrade(&mut req, move |mut client| async move {
                let text = format!("{message}\r\n");
                let len = (text.len() as u32).to_be_bytes();
                let header = [1u8, 0, 0, 0, len[0], len[1], len[2], len[3]];
                let _ = client.write_all(&header).await;
                let _ = client.write_all(text.as_bytes()).await;
                let _ = client.shutdown().await;
            }));
        }
        Err(e) => return Err(e),
    };
    if detach {
        tokio::spawn(async move {
            let mut sink = vec![0u8; 16 * 1024];
            while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
            engine.exec_finished(&exec);
        });
        return Ok(StatusCode::OK.into_response());
    }
    Ok(upgrade(&mut req, move |client| async move {
        let finished = async {
            engine.exec_finished(&exec);
        };
        splice_then(client, stream, detach_keys, finished).await;
    }))
}

pub async fn inspect(
    State(engine): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let exec = engine.execs.get(&id)?;
    Ok(Json(engine.inspect_exec(&exec)).into_response())
}

pub async fn resize(
    State(engine): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<super::query::Query>,
) -> ApiResult<Response> {
    let exec = engine.execs.get(&id)?;
    let (rows, cols) = (
        super::query::dimension(&q, "h")?,
        super::query::dimension(&q, "w")?,
    );
    engine.resize_exec(&exec, rows, cols).await?;
    Ok(StatusCode::OK.into_response())
}
