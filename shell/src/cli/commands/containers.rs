//! Container lifecycle commands: start, stop, restart, kill, rm, wait,
//! rename, port, container prune.

use bollard::query_parameters::{
    KillContainerOptionsBuilder, RemoveContainerOptionsBuilder, RenameContainerOptionsBuilder,
    RestartContainerOptions, StopContainerOptions,
};
use hyper::Method;

use super::for_each;
use super::run::wait_body;
use super::stream::{self, Ended, Target};
use crate::cli::{Args, CliError, CmdResult, out};
use crate::engine::Engine;
use berth_units::human_size;

pub async fn start(engine: &Engine, args: &Args) -> CmdResult {
    let attach = args.flag("attach") || args.flag("interactive");
    if !attach {
        let (mut failed, mut errors) = (Vec::new(), Vec::new());
        for name in &args.positional {
            match engine.docker.start_container(name, None).await {
                Ok(()) => out(&format!("{name}\n")),
                Err(e) => {
                    errors.push(CliError::from(e).message);
                    failed.push(name.as_str());
                }
            }
        }
        if errors.is_empty() {
            return Ok(0);
        }
        return Err(CliError::new(
            format!(
                "{}\nError: failed to start containers: {}",
                errors.join("\n"),
                failed.join(", ")
            ),
            1,
        ));
    }
    if args.positional.len() > 1 {
        return Err(CliError::new(
            "you cannot start and attach multiple containers at once",
            1,
        ));
    }
    let name = &args.positional[0];
    let info = engine.docker.inspect_container(name, None).await?;
    let id = info.id.clone().unwrap_or_else(|| name.clone());
    let config = info.config.unwrap_or_default();
    let tty = config.tty == Some(true);
    let stdin = args.flag("interactive") && config.open_stdin == Some(true);
    let (keys, _) = stream::detach_keys(args).map_err(|e| CliError::new(e, 1))?;
    let conn = stream::hijack(
        engine,
        &format!(
            "/containers/{id}/attach?stream=1&stdin={}&stdout=1&stderr=1",
            u8::from(stdin)
        ),
        None,
    )
    .await?;
    let wait = engine
        .open(
            Method::POST,
            &format!("/containers/{id}/wait?condition=next-exit"),
        )
        .await?;
    engine.docker.start_container(&id, None).await?;
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
    wait_body(wait).await
}

pub async fn stop(engine: &Engine, args: &Args) -> CmdResult {
    stop_or_restart(engine, args, false).await
}

pub async fn restart(engine: &Engine, args: &Args) -> CmdResult {
    stop_or_restart(engine, args, true).await
}

/// stop and restart take the same flags (-t, -s) and print the same.
async fn stop_or_restart(engine: &Engine, args: &Args, restart: bool) -> CmdResult {
    let t = args.int("timeout")?.map(|t| t as i32);
    let signal = args.value("signal");
    for_each(&args.positional, |name| {
        let signal = signal.clone();
        async move {
            if restart {
                let options = RestartContainerOptions { signal, t };
                engine
                    .docker
                    .restart_container(&name, Some(options))
                    .await?;
            } else {
                let options = StopContainerOptions { signal, t };
                engine.docker.stop_container(&name, Some(options)).await?;
            }
            Ok(Some(name))
        }
    })
    .await
}

pub async fn kill(engine: &Engine, args: &Args) -> CmdResult {
    let signal = args.value("signal").unwrap_or_else(|| "KILL".into());
    for_each(&args.positional, |name| {
        let options = KillContainerOptionsBuilder::new().signal(&signal).build();
        async move {
            engine.docker.kill_container(&name, Some(options)).await?;
            Ok(Some(name))
        }
    })
    .await
}

pub async fn rm(engine: &Engine, args: &Args) -> CmdResult {
    let options = RemoveContainerOptionsBuilder::new()
        .force(args.flag("force"))
        .v(args.flag("volumes"))
        .link(args.flag("link"))
        .build();
    for_each(&args.positional, |name| {
        let options = options.clone();
        async move {
            engine.docker.remove_container(&name, Some(options)).await?;
            Ok(Some(name))
        }
    })
    .await
}

pub async fn wait(engine: &Engine, args: &Args) -> CmdResult {
    for_each(&args.positional, |name| async move {
        let response = engine
            .open(
                Method::POST,
                &format!("/containers/{name}/wait?condition=not-running"),
            )
            .await?;
        let code = wait_body(response).await.map_err(|e| e.with_code(1))?;
        Ok(Some(code.to_string()))
    })
    .await
}

pub async fn rename(engine: &Engine, args: &Args) -> CmdResult {
    let (old, new) = (
        &args.positional[0],
        args.positional[1].trim_start_matches('/'),
    );
    if new.is_empty() {
        return Err(CliError::new(
            "Error: Neither old nor new names may be empty",
            1,
        ));
    }
    let options = RenameContainerOptionsBuilder::new().name(new).build();
    engine
        .docker
        .rename_container(old, options)
        .await
        .map_err(|e| {
            CliError::new(
                format!(
                    "{}\nError: failed to rename container named {old}",
                    CliError::from(e).message
                ),
                1,
            )
        })?;
    Ok(0)
}

pub async fn port(engine: &Engine, args: &Args) -> CmdResult {
    let name = &args.positional[0];
    let info = engine.docker.inspect_container(name, None).await?;
    let ports = info
        .network_settings
        .and_then(|n| n.ports)
        .unwrap_or_default();
    let wanted = args.positional.get(1).map(|p| {
        if p.contains('/') {
            p.clone()
        } else {
            format!("{p}/tcp")
        }
    });
    let mut keys: Vec<&String> = ports.keys().collect();
    keys.sort();
    let mut lines = String::new();
    for key in keys {
        if wanted.as_ref().is_some_and(|w| w != key) {
            continue;
        }
        for binding in ports[key].iter().flatten() {
            let ip = binding.host_ip.clone().unwrap_or_default();
            let ip = if ip.is_empty() {
                "0.0.0.0".to_string()
            } else {
                ip
            };
            let port = binding.host_port.clone().unwrap_or_default();
            if wanted.is_some() {
                lines.push_str(&format!("{ip}:{port}\n"));
            } else {
                lines.push_str(&format!("{key} -> {ip}:{port}\n"));
            }
        }
    }
    if lines.is_empty()
        && let Some(w) = wanted
    {
        return Err(CliError::new(
            format!("Error: No public port '{w}' published for {name}"),
            1,
        ));
    }
    out(&lines);
    Ok(0)
}

pub async fn prune(engine: &Engine, args: &Args) -> CmdResult {
    if !args.flag("force") {
        eprint!(
            "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] "
        );
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Ok(0);
        }
    }
    let report = engine
        .docker
        .prune_containers(None::<bollard::query_parameters::PruneContainersOptions>)
        .await?;
    let deleted = report.containers_deleted.unwrap_or_default();
    let mut text = String::new();
    if !deleted.is_empty() {
        text.push_str("Deleted Containers:\n");
        for id in deleted {
            text.push_str(&format!("{id}\n"));
        }
        text.push('\n');
    }
    text.push_str(&format!(
        "Total reclaimed space: {}\n",
        human_size(report.space_reclaimed.unwrap_or(0) as f64)
    ));
    out(&text);
    Ok(0)
}
