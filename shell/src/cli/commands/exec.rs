//! `docker exec` and `docker attach`.

use bollard::exec::CreateExecOptions;
use hyper::Method;

use super::run::{env_list, wait_body};
use super::stream::{self, Ended, Target};
use crate::cli::{Args, CliError, CmdResult};
use crate::engine::Engine;

pub async fn exec(engine: &Engine, args: &Args) -> CmdResult {
    let container = &args.positional[0];
    let command = args.positional[1..].to_vec();
    let tty = args.flag("tty");
    let interactive = args.flag("interactive");
    let detach = args.flag("detach");
    if interactive && tty && !detach && !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(CliError::new("the input device is not a TTY", 1));
    }
    let (keys, _) = stream::detach_keys(args).map_err(|e| CliError::new(e, 1))?;
    let env = env_list(args)?;
    let options = CreateExecOptions {
        attach_stdin: Some(interactive && !detach),
        attach_stdout: Some(!detach),
        attach_stderr: Some(!detach),
        tty: Some(tty),
        env: (!env.is_empty()).then_some(env),
        cmd: Some(command),
        privileged: Some(args.flag("privileged")),
        user: args.value("user"),
        working_dir: args.value("workdir"),
        detach_keys: args.value("detach-keys"),
    };
    let created = engine.docker.create_exec(container, options).await?;
    let id = created.id;
    let body = serde_json::json!({"Detach": detach, "Tty": tty})
        .to_string()
        .into_bytes();
    if detach {
        let (status, answer) = engine
            .raw(Method::POST, &format!("/exec/{id}/start"), Some(body))
            .await?;
        if !status.is_success() {
            return Err(CliError::from_answer(&answer));
        }
        return Ok(0);
    }
    let conn = stream::hijack(engine, &format!("/exec/{id}/start"), Some(body)).await?;
    let session = stream::Session {
        tty,
        stdin: interactive,
        detach_keys: &keys,
        proxy_signals: false,
    };
    let ended = stream::attached(engine, Target::Exec(&id), conn, session).await?;
    if ended == Ended::Detached {
        return Ok(0);
    }
    // the exit code is recorded just after the stream ends
    for _ in 0..50 {
        let info = engine.docker.inspect_exec(&id).await?;
        if info.running != Some(true) {
            return Ok(info.exit_code.unwrap_or(0) as i32);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Ok(engine
        .docker
        .inspect_exec(&id)
        .await?
        .exit_code
        .unwrap_or(0) as i32)
}

pub async fn attach(engine: &Engine, args: &Args) -> CmdResult {
    let name = &args.positional[0];
    let info = engine.docker.inspect_container(name, None).await?;
    let id = info.id.clone().unwrap_or_else(|| name.clone());
    let state = info.state.unwrap_or_default();
    if state.running != Some(true) {
        return Err(CliError::new(
            "You cannot attach to a stopped container, start it first",
            1,
        ));
    }
    if state.paused == Some(true) {
        return Err(CliError::new(
            "You cannot attach to a paused container, unpause it first",
            1,
        ));
    }
    let config = info.config.unwrap_or_default();
    let tty = config.tty == Some(true);
    let stdin = !args.flag("no-stdin") && config.open_stdin == Some(true);
    if stdin && tty && !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(CliError::new("the input device is not a TTY", 1));
    }
    let (keys, keys_text) = stream::detach_keys(args).map_err(|e| CliError::new(e, 1))?;
    let wait = engine
        .open(
            Method::POST,
            &format!("/containers/{id}/wait?condition=not-running"),
        )
        .await?;
    let conn = stream::hijack(
        engine,
        &format!(
            "/containers/{id}/attach?stream=1&stdin={}&stdout=1&stderr=1&detachKeys={}",
            u8::from(stdin),
            keys_text.replace(',', "%2C")
        ),
        None,
    )
    .await?;
    let session = stream::Session {
        tty,
        stdin,
        detach_keys: &keys,
        proxy_signals: !tty && args.flag_or("sig-proxy", true),
    };
    let ended = stream::attached(engine, Target::Container(&id), conn, session).await?;
    if ended == Ended::Detached {
        return Ok(0);
    }
    // The engine ends the stream on its own detach too: then the
    // container still runs and there is no exit code to report.
    // An exit comes within moments of the stream's end; no exit means a
    // detach.
    match tokio::time::timeout(std::time::Duration::from_millis(500), wait_body(wait)).await {
        Ok(code) => code,
        Err(_) => Ok(0),
    }
}
