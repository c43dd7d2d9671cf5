//! `docker run` and `docker create`: flags to a create body, the pull when
//! the image is missing, and the attached session with its exit code.

use std::collections::HashMap;

use bollard::models::{
    ContainerCreateBody, HostConfig, PortBinding, PortMap, RestartPolicy, RestartPolicyNameEnum,
};
use bollard::query_parameters::CreateImageOptionsBuilder;
use http_body_util::BodyExt;
use hyper::Method;

use super::images::pull_with_progress;
use super::stream::{self, Ended, Target};
use crate::cli::{Args, CliError, CmdResult, out};
use crate::engine::Engine;
use berth_units::ram_in_bytes;

/// `docker run` errors carry the `docker:` prefix and a pointer to help.
fn run_error(path: &str, message: &str, code: i32) -> CliError {
    CliError::new(
        format!("docker: {message}\n\nRun '{path} --help' for more information"),
        code,
    )
}

pub fn parse_env_file(path: &str) -> Result<Vec<String>, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("open {path}: {}", io_reason(&e)))?;
    let mut env = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.contains('=') {
            env.push(line.to_string());
        } else if let Ok(value) = std::env::var(line) {
            env.push(format!("{line}={value}"));
        }
    }
    Ok(env)
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// `-e NAME` takes NAME from the caller's environment, as docker does.
pub fn env_list(args: &Args) -> Result<Vec<String>, CliError> {
    let mut env = Vec::new();
    for file in args.values("env-file") {
        env.extend(parse_env_file(&file).map_err(|e| run_error(&args.path, &e, 125))?);
    }
    for e in args.values("env") {
        if e.contains('=') {
            env.push(e);
        } else if let Ok(value) = std::env::var(&e) {
            env.push(format!("{e}={value}"));
        }
    }
    Ok(env)
}

fn restart_policy(args: &Args, text: &str) -> Result<RestartPolicy, CliError> {
    let (name, count) = match text.split_once(':') {
        Some((n, c)) => (n, Some(c)),
        None => (text, None),
    };
    let policy = match name {
        "no" | "" => RestartPolicyNameEnum::NO,
        "always" => RestartPolicyNameEnum::ALWAYS,
        "unless-stopped" => RestartPolicyNameEnum::UNLESS_STOPPED,
        "on-failure" => RestartPolicyNameEnum::ON_FAILURE,
        _ => {
            return Err(args.invalid("restart", text, &format!("invalid restart policy '{name}'")));
        }
    };
    let maximum_retry_count = match count {
        None => None,
        Some(c) => Some(c.parse::<i64>().map_err(|_| {
            args.invalid("restart", text, &format!("maximum retry count must be an integer: strconv.Atoi: parsing \"{c}\": invalid syntax"))
        })?),
    };
    Ok(RestartPolicy {
        name: Some(policy),
        maximum_retry_count,
    })
}

/// `-p [ip:][hostPort:]containerPort[/proto]`
fn publish(args: &Args, specs: &[String]) -> Result<(Vec<String>, PortMap), CliError> {
    let mut exposed = Vec::new();
    let mut bindings: PortMap = HashMap::new();
    for spec in specs {
        let (addr, proto) = match spec.rsplit_once('/') {
            Some((a, p)) => (a, p),
            None => (spec.as_str(), "tcp"),
        };
        let parts: Vec<&str> = addr.rsplitn(3, ':').collect();
        let (container, host_port, host_ip) = match parts.as_slice() {
            [c] => (*c, "", ""),
            [c, h] => (*c, *h, ""),
            [c, h, ip] => (*c, *h, *ip),
            _ => unreachable!("rsplitn(3) yields one to three parts"),
        };
        if container.is_empty() || container.parse::<u16>().is_err() {
            return Err(args.invalid(
                "publish",
                spec,
                &format!("invalid containerPort: {container}"),
            ));
        }
        if !host_port.is_empty() && host_port.parse::<u16>().is_err() {
            return Err(args.invalid("publish", spec, &format!("invalid hostPort: {host_port}")));
        }
        let key = format!("{container}/{proto}");
        exposed.push(key.clone());
        bindings
            .entry(key)
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(PortBinding {
                host_ip: Some(host_ip.trim_matches(['[', ']']).to_string()),
                host_port: Some(host_port.to_string()),
            });
    }
    Ok((exposed, bindings))
}

fn labels(values: &[String]) -> HashMap<String, String> {
    values
        .iter()
        .map(|l| match l.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

struct Plan {
    body: ContainerCreateBody,
    name: Option<String>,
    image: String,
    detach: bool,
    tty: bool,
    stdin: bool,
    auto_remove: bool,
}

fn plan(args: &Args, is_run: bool) -> Result<Plan, CliError> {
    let image = args.positional[0].clone();
    let command: Vec<String> = args.positional[1..].to_vec();
    let detach = is_run && args.flag("detach");
    let tty = args.flag("tty");
    let interactive = args.flag("interactive");
    let attach: Vec<String> = args
        .values("attach")
        .iter()
        .map(|a| a.to_ascii_lowercase())
        .collect();
    for a in &attach {
        if !matches!(a.as_str(), "stdin" | "stdout" | "stderr") {
            return Err(args.invalid("attach", a, "valid streams are STDIN, STDOUT and STDERR"));
        }
    }
    if detach && !attach.is_empty() {
        return Err(CliError::new(
            "conflicting options: cannot specify both --attach and --detach",
            1,
        ));
    }
    let (attach_stdin, attach_stdout, attach_stderr) = if detach {
        (false, false, false)
    } else if attach.is_empty() {
        (interactive, true, true)
    } else {
        (
            attach.iter().any(|a| a == "stdin"),
            attach.iter().any(|a| a == "stdout"),
            attach.iter().any(|a| a == "stderr"),
        )
    };
    let auto_remove = args.flag("rm");
    let mut host = HostConfig {
        auto_remove: Some(auto_remove),
        ..Default::default()
    };
    if let Some(m) = args.value("memory") {
        host.memory = Some(ram_in_bytes(&m).map_err(|e| args.invalid("memory", &m, &e))?);
    }
    if let Some(m) = args.value("memory-swap") {
        host.memory_swap = Some(if m == "-1" {
            -1
        } else {
            ram_in_bytes(&m).map_err(|e| args.invalid("memory-swap", &m, &e))?
        });
    }
    if let Some(c) = args.value("cpus") {
        let cpus: f64 = c
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| {
                args.invalid(
                    "cpus",
                    &c,
                    &format!("failed to parse {c} as a rational number"),
                )
            })?;
        host.nano_cpus = Some((cpus * 1e9).round() as i64);
    }
    host.cpu_shares = args.int("cpu-shares")?;
    host.pids_limit = args.int("pids-limit")?;
    if let Some(r) = args.value("restart") {
        host.restart_policy = Some(restart_policy(args, &r)?);
    }
    if let Some(n) = args.value("network") {
        host.network_mode = Some(n);
    }
    let (exposed, bindings) = publish(args, &args.values("publish"))?;
    if !bindings.is_empty() {
        host.port_bindings = Some(bindings);
    }
    let (binds, volumes): (Vec<String>, Vec<String>) = args
        .values("volume")
        .into_iter()
        .partition(|v| v.contains(':'));
    if !binds.is_empty() {
        host.binds = Some(binds);
    }
    let cap_add = args.values("cap-add");
    if !cap_add.is_empty() {
        host.cap_add = Some(cap_add);
    }
    let cap_drop = args.values("cap-drop");
    if !cap_drop.is_empty() {
        host.cap_drop = Some(cap_drop);
    }
    let security = args.values("security-opt");
    if !security.is_empty() {
        host.security_opt = Some(security);
    }
    if args.flag("privileged") {
        host.privileged = Some(true);
    }
    if args.flag("read-only") {
        host.readonly_rootfs = Some(true);
    }
    let entrypoint = match args.value("entrypoint") {
        Some(e) if e.is_empty() => Some(vec![String::new()]),
        Some(e) => Some(vec![e]),
        None => None,
    };
    let env = env_list(args)?;
    let label_values = labels(&args.values("label"));
    let body = ContainerCreateBody {
        image: Some(image.clone()),
        cmd: (!command.is_empty()).then_some(command),
        entrypoint,
        env: (!env.is_empty()).then_some(env),
        hostname: args.value("hostname"),
        user: args.value("user"),
        working_dir: args.value("workdir"),
        tty: Some(tty),
        open_stdin: Some(interactive),
        stdin_once: Some(interactive && attach_stdin),
        attach_stdin: Some(attach_stdin),
        attach_stdout: Some(attach_stdout),
        attach_stderr: Some(attach_stderr),
        labels: (!label_values.is_empty()).then_some(label_values),
        stop_signal: args.value("stop-signal"),
        stop_timeout: args.int("stop-timeout")?,
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        volumes: (!volumes.is_empty()).then_some(volumes),
        host_config: Some(host),
        ..Default::default()
    };
    Ok(Plan {
        body,
        name: args.value("name"),
        image,
        detach,
        tty,
        stdin: attach_stdin,
        auto_remove,
    })
}

fn is_missing_image(e: &bollard::errors::Error) -> bool {
    matches!(e, bollard::errors::Error::DockerResponseServerError { status_code: 404, message }
        if message.contains("No such image") || message.contains("not found"))
}

/// The reference as docker prints it: `busybox` → `busybox:latest`.
fn with_tag(image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    if last.contains(':') || image.contains('@') {
        image.to_string()
    } else {
        format!("{image}:latest")
    }
}

async fn create(engine: &Engine, plan: &Plan) -> Result<String, CliError> {
    let options = plan.name.as_ref().map(|n| {
        bollard::query_parameters::CreateContainerOptionsBuilder::new()
            .name(n)
            .build()
    });
    match engine
        .docker
        .create_container(options.clone(), plan.body.clone())
        .await
    {
        Ok(r) => Ok(r.id),
        Err(e) if is_missing_image(&e) => {
            eprintln!("Unable to find image '{}' locally", with_tag(&plan.image));
            let reference = with_tag(&plan.image);
            let (from, tag) = reference.rsplit_once(':').unwrap_or((&reference, "latest"));
            let pull = CreateImageOptionsBuilder::new()
                .from_image(from)
                .tag(tag)
                .build();
            pull_with_progress(engine, pull, false, true).await?;
            Ok(engine
                .docker
                .create_container(options, plan.body.clone())
                .await?
                .id)
        }
        Err(e) => Err(e.into()),
    }
}

/// Exit code for a failed start, from the engine's message (as docker).
fn start_failure_code(message: &str) -> i32 {
    if message.contains("executable file not found")
        || message.contains("no such file or directory")
    {
        127
    } else if message.contains("permission denied") {
        126
    } else {
        125
    }
}

pub async fn run(engine: &Engine, args: &Args, is_run: bool) -> CmdResult {
    let plan = plan(args, is_run)?;
    let (detach_keys, detach_keys_text) =
        stream::detach_keys(args).map_err(|e| run_error(&args.path, &e, 125))?;
    if is_run && plan.stdin && plan.tty && !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(CliError::new("the input device is not a TTY", 1));
    }
    let id = create(engine, &plan).await.map_err(|e| {
        if is_run {
            run_error(&args.path, e.message.trim_start_matches("docker: "), 125)
        } else {
            e
        }
    })?;
    if !is_run {
        out(&format!("{id}\n"));
        return Ok(0);
    }
    if plan.detach {
        if let Err(e) = engine.docker.start_container(&id, None).await {
            let e = CliError::from(e);
            let code = start_failure_code(&e.message);
            return Err(run_error(&args.path, &e.message, code));
        }
        out(&format!("{id}\n"));
        return Ok(0);
    }
    attached_run(engine, args, &plan, &id, &detach_keys, &detach_keys_text).await
}

async fn attached_run(
    engine: &Engine,
    args: &Args,
    plan: &Plan,
    id: &str,
    detach_keys: &[u8],
    keys_text: &str,
) -> CmdResult {
    let body = &plan.body;
    let query = format!(
        "/containers/{id}/attach?stream=1&stdin={}&stdout={}&stderr={}&detachKeys={}",
        u8::from(plan.stdin),
        u8::from(body.attach_stdout == Some(true)),
        u8::from(body.attach_stderr == Some(true)),
        keys_text.replace(',', "%2C"),
    );
    let conn = stream::hijack(engine, &query, None).await?;
    let condition = if plan.auto_remove {
        "removed"
    } else {
        "next-exit"
    };
    let wait = engine
        .open(
            Method::POST,
            &format!("/containers/{id}/wait?condition={condition}"),
        )
        .await?;
    if let Err(e) = engine.docker.start_container(id, None).await {
        let e = CliError::from(e);
        let code = start_failure_code(&e.message);
        if plan.auto_remove {
            // dockerd removes it; wait for that so the name is free again
            let _ = wait.into_body().collect().await;
        }
        return Err(run_error(&args.path, &e.message, code));
    }
    let session = stream::Session {
        tty: plan.tty,
        stdin: plan.stdin,
        detach_keys,
        proxy_signals: !plan.tty && args.flag_or("sig-proxy", true),
    };
    let ended = stream::attached(engine, Target::Container(id), conn, session).await?;
    if ended == Ended::Detached {
        return Ok(0);
    }
    wait_body(wait).await
}

/// Reads the exit code from a `/wait` response.
pub async fn wait_body(response: hyper::Response<hyper::body::Incoming>) -> Result<i32, CliError> {
    if !response.status().is_success() {
        return Err(CliError::from_response(response).await.with_code(125));
    }
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| CliError::new(e.to_string(), 125))?
        .to_bytes();
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    if let Some(message) = value
        .pointer("/Error/Message")
        .and_then(|m| m.as_str())
        .filter(|m| !m.is_empty())
    {
        return Err(CliError::daemon(message).with_code(125));
    }
    Ok(value
        .get("StatusCode")
        .and_then(|c| c.as_i64())
        .unwrap_or(125) as i32)
}
