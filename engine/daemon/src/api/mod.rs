//! The Docker Engine API over a unix socket.

mod containers;
mod detach;
mod exec;
mod hijack;
mod images;
mod query;
mod system;

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, Uri};
use axum::routing::{get, post};
use tower::ServiceExt as _;

use crate::engine::Engine;

/// The newest API version whose behaviour berthd implements.
pub const API_VERSION: &str = "1.41";
pub const MIN_API_VERSION: &str = "1.24";

pub type AppState = Arc<Engine>;

fn router(engine: AppState) -> Router {
    Router::new()
        .route("/_ping", get(system::ping).head(system::ping))
        .route("/version", get(system::version))
        .route("/info", get(system::info))
        .route("/events", get(system::events))
        .route("/containers/json", get(containers::list))
        .route("/containers/create", post(containers::create))
        .route("/containers/prune", post(containers::prune))
        .route("/containers/{id}/json", get(containers::inspect))
        .route("/containers/{id}/start", post(containers::start))
        .route("/containers/{id}/stop", post(containers::stop))
        .route("/containers/{id}/restart", post(containers::restart))
        .route("/containers/{id}/kill", post(containers::kill))
        .route("/containers/{id}/wait", post(containers::wait))
        .route("/containers/{id}/attach", post(containers::attach))
        .route("/containers/{id}/logs", get(containers::logs))
        .route("/containers/{id}/top", get(containers::top))
        .route("/containers/{id}/resize", post(containers::resize))
        .route("/containers/{id}/stats", get(containers::stats))
        .route("/containers/{id}/exec", post(exec::create))
        .route("/exec/{id}/start", post(exec::start))
        .route("/exec/{id}/json", get(exec::inspect))
        .route("/exec/{id}/resize", post(exec::resize))
        .route("/containers/{id}/rename", post(containers::rename))
        .route(
            "/containers/{id}",
            axum::routing::delete(containers::remove),
        )
        .route("/images/json", get(images::list))
        .route("/images/create", post(images::pull))
        .route(
            "/images/{*rest}",
            get(images::get_dispatch)
                .post(images::post_dispatch)
                .delete(images::remove),
        )
        .with_state(engine)
}

/// `/v1.41/containers/json` is routed as `/containers/json`.
fn strip_version(mut req: Request) -> Request {
    let path = req.uri().path();
    if let Some(rest) = path.strip_prefix("/v")
        && let Some(slash) = rest.find('/')
        && rest[..slash]
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        let new_path = rest[slash..].to_string();
        let pq = match req.uri().query() {
            Some(q) => format!("{new_path}?{q}"),
            None => new_path,
        };
        if let Ok(uri) = pq.parse::<Uri>() {
            *req.uri_mut() = uri;
        }
    }
    req
}

async fn add_server_headers(mut res: axum::response::Response) -> axum::response::Response {
    let h = res.headers_mut();
    h.insert("Api-Version", HeaderValue::from_static(API_VERSION));
    h.insert("Ostype", HeaderValue::from_static("linux"));
    h.insert(
        "Server",
        HeaderValue::from_static(concat!("berth/", env!("CARGO_PKG_VERSION"), " (linux)")),
    );
    res
}

/// Binds the socket (0660, group `berth` when it exists) and serves until
/// SIGTERM or SIGINT. Containers keep running after berthd stops.
pub async fn serve(engine: AppState) -> anyhow::Result<()> {
    engine.restore().await;
    let socket = engine.paths.socket.clone();
    if let Some(dir) = socket.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    if socket.exists() {
        if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
            anyhow::bail!("another daemon is listening on {}", socket.display());
        }
        std::fs::remove_file(&socket)?;
    }
    let listener = tokio::net::UnixListener::bind(&socket)
        .with_context(|| format!("binding {}", socket.display()))?;
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o660))?;
    if let Some(gid) = berth_group_id() {
        let _ = rustix::fs::chown(&socket, None, Some(rustix::fs::Gid::from_raw(gid)));
    }
    tracing::info!(
        "berthd listening on {} (data root {}, exec root {})",
        socket.display(),
        engine.paths.data_root.display(),
        engine.paths.exec_root.display()
    );
    let app = router(engine)
        .layer(axum::middleware::map_response(add_server_headers))
        .map_request(strip_version);
    let service = axum::ServiceExt::<Request>::into_make_service(app);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = axum::serve(listener, service) => r.context("serving the API")?,
        _ = term.recv() => tracing::info!("SIGTERM: stopping berthd; containers keep running"),
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: stopping berthd; containers keep running"),
    }
    let _ = std::fs::remove_file(&socket);
    Ok(())
}

/// The host's `berth` group, looked up in the host's /etc/group.
fn berth_group_id() -> Option<u32> {
    std::fs::read_to_string("/etc/group")
        .ok()?
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() >= 3 && f[0] == "berth")
                .then(|| f[2].parse().ok())
                .flatten()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_prefix_is_stripped() {
        let req = Request::builder()
            .uri("/v1.41/containers/json?all=1")
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(strip_version(req).uri(), "/containers/json?all=1");
        let req = Request::builder()
            .uri("/volumes/v1.41")
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(strip_version(req).uri(), "/volumes/v1.41");
    }
}
