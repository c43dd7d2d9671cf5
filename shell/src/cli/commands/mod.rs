//! One module per family of docker commands.

mod containers;
mod exec;
mod images;
mod inspect;
mod logs;
mod ps;
mod run;
mod stats;
pub mod stream;
mod system;

use super::{Args, CmdResult};
use crate::engine::Engine;

pub async fn dispatch(key: &str, engine: &Engine, args: &Args) -> CmdResult {
    match key {
        "run" => run::run(engine, args, true).await,
        "create" => run::run(engine, args, false).await,
        "start" => containers::start(engine, args).await,
        "stop" => containers::stop(engine, args).await,
        "restart" => containers::restart(engine, args).await,
        "kill" => containers::kill(engine, args).await,
        "rm" => containers::rm(engine, args).await,
        "wait" => containers::wait(engine, args).await,
        "rename" => containers::rename(engine, args).await,
        "port" => containers::port(engine, args).await,
        "container prune" => containers::prune(engine, args).await,
        "ps" => ps::ps(engine, args).await,
        "logs" => logs::logs(engine, args).await,
        "top" => inspect::top(engine, args).await,
        "inspect" => inspect::inspect(engine, args, None).await,
        "container inspect" => inspect::inspect(engine, args, Some("container")).await,
        "image inspect" => inspect::inspect(engine, args, Some("image")).await,
        "stats" => stats::stats(engine, args).await,
        "exec" => exec::exec(engine, args).await,
        "attach" => exec::attach(engine, args).await,
        "events" => system::events(engine, args).await,
        "version" => system::version(engine, args).await,
        "info" => system::info(engine, args).await,
        "images" => images::images(engine, args).await,
        "rmi" => images::rmi(engine, args).await,
        "tag" => images::tag(engine, args).await,
        "history" => images::history(engine, args).await,
        "pull" => images::pull(engine, args).await,
        other => Err(super::CliError::new(
            format!("docker: '{other}' is not a docker command."),
            1,
        )),
    }
}

/// Runs `op` on each container in turn, as docker does for multi-target
/// commands: successes print the name given, failures are reported at the
/// end and make the exit code 1.
pub async fn for_each<F, Fut>(names: &[String], mut op: F) -> CmdResult
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Result<Option<String>, super::CliError>>,
{
    let mut errors = Vec::new();
    for name in names {
        match op(name.clone()).await {
            Ok(Some(line)) => super::out(&format!("{line}\n")),
            Ok(None) => {}
            Err(e) => errors.push(e.message),
        }
    }
    if errors.is_empty() {
        Ok(0)
    } else {
        Err(super::CliError::new(errors.join("\n"), 1))
    }
}

/// Calls `each` with every JSON value of a body the engine streams one
/// value per line (`stats`, `events`), until the body ends or `each`
/// fails. Lines that are not JSON are skipped.
pub async fn json_lines(
    response: hyper::Response<hyper::body::Incoming>,
    mut each: impl FnMut(serde_json::Value) -> Result<(), super::CliError>,
) -> Result<(), super::CliError> {
    use http_body_util::BodyExt;
    let mut body = response.into_body();
    let mut pending = Vec::new();
    while let Some(Ok(frame)) = body.frame().await {
        let Ok(data) = frame.into_data() else {
            continue;
        };
        pending.extend_from_slice(&data);
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            if let Ok(value) = serde_json::from_slice(&line) {
                each(value)?;
            }
        }
    }
    Ok(())
}
