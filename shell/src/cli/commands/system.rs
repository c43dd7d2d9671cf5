//! `docker version`, `docker info` and `docker events`.

use hyper::Method;
use serde_json::{Value, json};

use super::logs::timestamp;
use crate::cli::{Args, CliError, CmdResult, out};
use crate::engine::Engine;
use crate::template::Template;
use berth_units::bytes_size;

async fn get_json(engine: &Engine, path: &str) -> Result<Value, CliError> {
    let (status, body) = engine.raw(Method::GET, path, None).await?;
    if !status.is_success() {
        return Err(CliError::from_answer(&body));
    }
    let value: Value = serde_json::from_slice(&body).map_err(|e| {
        CliError::new(
            format!("error decoding the engine's answer to {path}: {e}"),
            1,
        )
    })?;
    Ok(value)
}

fn s(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn client_info(engine: &Engine) -> Value {
    json!({
        "Platform": {"Name": "berth"},
        "Version": env!("CARGO_PKG_VERSION"),
        "APIVersion": engine.docker.client_version().to_string(),
        "DefaultAPIVersion": bollard::API_DEFAULT_VERSION.to_string(),
        "GoVersion": "none (Rust)",
        "GitCommit": "",
        "BuildTime": "",
        "Os": std::env::consts::OS,
        "Arch": match std::env::consts::ARCH { "x86_64" => "amd64", "aarch64" => "arm64", a => a },
        "Context": "default",
    })
}

pub async fn version(engine: &Engine, args: &Args) -> CmdResult {
    let server = get_json(engine, "/version").await?;
    let client = client_info(engine);
    if let Some(format) = args.value("format") {
        let data = json!({"Client": client, "Server": server});
        out(&format!("{}\n", Template::parse(&format)?.render(&data)?));
        return Ok(0);
    }
    let api = s(&client, "APIVersion");
    let default_api = s(&client, "DefaultAPIVersion");
    let downgraded = if api != default_api {
        format!(" (downgraded from {default_api})")
    } else {
        String::new()
    };
    let mut text = format!(
        "Client: berth\n Version:           {}\n API version:       {api}{downgraded}\n Go version:        {}\n Git commit:        {}\n Built:             {}\n OS/Arch:           {}/{}\n Context:           {}\n",
        s(&client, "Version"),
        s(&client, "GoVersion"),
        s(&client, "GitCommit"),
        s(&client, "BuildTime"),
        s(&client, "Os"),
        s(&client, "Arch"),
        s(&client, "Context"),
    );
    let platform = server
        .pointer("/Platform/Name")
        .and_then(Value::as_str)
        .unwrap_or("");
    text.push_str(&format!(
        "\nServer:{}{platform}\n",
        if platform.is_empty() { "" } else { " " }
    ));
    text.push_str(&format!(
        " Engine:\n  Version:          {}\n  API version:      {} (minimum version {})\n  Go version:       {}\n  Git commit:       {}\n  Built:            {}\n  OS/Arch:          {}/{}\n  Experimental:     {}\n",
        s(&server, "Version"),
        s(&server, "ApiVersion"),
        s(&server, "MinAPIVersion"),
        s(&server, "GoVersion"),
        s(&server, "GitCommit"),
        s(&server, "BuildTime"),
        s(&server, "Os"),
        s(&server, "Arch"),
        server.get("Experimental").and_then(Value::as_bool).unwrap_or(false),
    ));
    for component in server
        .get("Components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = s(component, "Name");
        if name == "Engine" {
            continue;
        }
        text.push_str(&format!(
            " {name}:\n  Version:          {}\n",
            s(component, "Version")
        ));
        if let Some(details) = component.get("Details").and_then(Value::as_object) {
            for (k, v) in details {
                let label = format!("{k}:");
                text.push_str(&format!(
                    "  {label:<17} {}\n",
                    v.as_str().unwrap_or_default()
                ));
            }
        }
    }
    out(&text);
    Ok(0)
}

pub async fn info(engine: &Engine, args: &Args) -> CmdResult {
    let info = get_json(engine, "/info").await?;
    if let Some(format) = args.value("format") {
        let rendered = if format == "json" {
            info.to_string()
        } else {
            Template::parse(&format)?.render(&info)?
        };
        out(&format!("{rendered}\n"));
        return Ok(0);
    }
    let n = |k: &str| info.get(k).and_then(Value::as_i64).unwrap_or(0);
    let mut text = format!(
        "Client:\n Version:    {}\n Context:    default\n Debug Mode: false\n\nServer:\n",
        env!("CARGO_PKG_VERSION")
    );
    text.push_str(&format!(
        " Containers: {}\n  Running: {}\n  Paused: {}\n  Stopped: {}\n Images: {}\n",
        n("Containers"),
        n("ContainersRunning"),
        n("ContainersPaused"),
        n("ContainersStopped"),
        n("Images")
    ));
    let lines = [
        ("Server Version", s(&info, "ServerVersion")),
        ("Storage Driver", s(&info, "Driver")),
        ("Logging Driver", s(&info, "LoggingDriver")),
        ("Cgroup Driver", s(&info, "CgroupDriver")),
        ("Cgroup Version", s(&info, "CgroupVersion")),
        ("Kernel Version", s(&info, "KernelVersion")),
        ("Operating System", s(&info, "OperatingSystem")),
        ("OSType", s(&info, "OSType")),
        ("Architecture", s(&info, "Architecture")),
        ("CPUs", s(&info, "NCPU")),
        (
            "Total Memory",
            bytes_size(info.get("MemTotal").and_then(Value::as_f64).unwrap_or(0.0)),
        ),
        ("Name", s(&info, "Name")),
        ("ID", s(&info, "ID")),
        ("Docker Root Dir", s(&info, "DockerRootDir")),
        ("Debug Mode", s(&info, "Debug")),
        ("Experimental", s(&info, "ExperimentalBuild")),
        ("Live Restore Enabled", s(&info, "LiveRestoreEnabled")),
    ];
    for (label, value) in lines {
        if !value.is_empty() {
            text.push_str(&format!(" {label}: {value}\n"));
        }
    }
    out(&text);
    Ok(0)
}

/// docker's default event line: time, type, action, actor and attributes.
pub fn event_line(event: &Value) -> String {
    let nanos = event.get("timeNano").and_then(Value::as_i64).unwrap_or(0);
    let time =
        chrono::DateTime::from_timestamp(nanos / 1_000_000_000, (nanos % 1_000_000_000) as u32)
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%Y-%m-%dT%H:%M:%S%.9f%:z")
                    .to_string()
            })
            .unwrap_or_default()
            .replace("+00:00", "Z");
    let actor = event.get("Actor").cloned().unwrap_or_default();
    let mut line = format!(
        "{time} {} {} {}",
        s(event, "Type"),
        s(event, "Action"),
        s(&actor, "ID")
    );
    if let Some(attributes) = actor.get("Attributes").and_then(Value::as_object)
        && !attributes.is_empty()
    {
        let mut pairs: Vec<String> = attributes
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect();
        pairs.sort();
        line.push_str(&format!(" ({})", pairs.join(", ")));
    }
    line
}

fn query_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn events(engine: &Engine, args: &Args) -> CmdResult {
    let now = chrono::Utc::now();
    let mut query = Vec::new();
    for (flag, key) in [("since", "since"), ("until", "until")] {
        if let Some(v) = args.value(flag) {
            query.push(format!(
                "{key}={}",
                timestamp(&v, now).map_err(|e| CliError::new(e, 1))?
            ));
        }
    }
    if let Some(f) = super::ps::filters(args)? {
        query.push(format!(
            "filters={}",
            query_escape(&serde_json::to_string(&f).unwrap_or_default())
        ));
    }
    let template = match args.value("format") {
        Some(f) if f == "json" => Some(Template::parse("{{json .}}")?),
        Some(f) => Some(Template::parse(&f)?),
        None => None,
    };
    let response = engine
        .open(Method::GET, &format!("/events?{}", query.join("&")))
        .await?;
    if !response.status().is_success() {
        return Err(CliError::from_response(response).await);
    }
    super::json_lines(response, |event| {
        let text = match &template {
            Some(t) => t.render(&event)?,
            None => event_line(&event),
        };
        out(&format!("{text}\n"));
        Ok(())
    })
    .await?;
    Ok(0)
}
