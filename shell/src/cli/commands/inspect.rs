//! `docker inspect` (the engine's JSON as it came, or a template over it)
//! and `docker top`.

use hyper::{Method, StatusCode};
use serde::Serialize;
use serde_json::Value;

use crate::cli::table::align_with;
use crate::cli::{Args, CliError, CmdResult, out};
use crate::engine::Engine;
use crate::template::Template;

fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b':' | b'@' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Fetches one object; `Ok(None)` when the engine does not know it.
async fn fetch(
    engine: &Engine,
    kind: &str,
    name: &str,
    size: bool,
) -> Result<Option<Value>, CliError> {
    let path = match kind {
        "container" => format!(
            "/containers/{}/json{}",
            percent_encode(name),
            if size { "?size=1" } else { "" }
        ),
        _ => format!("/images/{}/json", percent_encode(name)),
    };
    let (status, body) = engine.raw(Method::GET, &path, None).await?;
    if status == StatusCode::NOT_FOUND {
        return Ok(None);
    }
    if !status.is_success() {
        return Err(CliError::from_answer(&body));
    }
    let value: Value = serde_json::from_slice(&body).map_err(|e| {
        CliError::new(
            format!("error decoding the engine's answer for {name}: {e}"),
            1,
        )
    })?;
    Ok(Some(value))
}

/// JSON indented with four spaces, as docker prints inspect output.
pub fn indent4(value: &Value) -> String {
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    // serialising a Value into memory cannot fail
    let _ = value.serialize(&mut ser);
    String::from_utf8_lossy(&buf).into_owned()
}

pub async fn inspect(engine: &Engine, args: &Args, forced: Option<&str>) -> CmdResult {
    let kind = forced.map(str::to_string).or(args.value("type"));
    if let Some(k) = &kind
        && !matches!(k.as_str(), "container" | "image")
    {
        return Err(CliError::new(
            format!("\"{k}\" is not a valid value for --type"),
            1,
        ));
    }
    let template = match args.value("format") {
        Some(f) if f == "json" => None,
        Some(f) if !f.is_empty() => Some(Template::parse(&f)?),
        _ => None,
    };
    let size = args.flag("size");
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for name in &args.positional {
        let value = match kind.as_deref() {
            Some(k) => fetch(engine, k, name, size).await?,
            None => match fetch(engine, "container", name, size).await? {
                Some(v) => Some(v),
                None => fetch(engine, "image", name, false).await?,
            },
        };
        match value {
            Some(v) => found.push(v),
            None => errors.push(match kind.as_deref() {
                Some("container") => {
                    format!("Error response from daemon: No such container: {name}")
                }
                Some(_) => format!("Error response from daemon: No such image: {name}"),
                None => format!("Error: No such object: {name}"),
            }),
        }
    }
    match template {
        Some(t) => {
            let mut text = String::new();
            for v in &found {
                // docker's inspect reports execution errors this way
                let rendered = t.render(v).map_err(|e| {
                    // docker ends the element's line on stdout, then reports
                    out(&format!("{text}\n"));
                    CliError::new(
                        format!(
                            "template parsing error: {}",
                            e.to_string().trim_start_matches("template parsing error: ")
                        ),
                        1,
                    )
                })?;
                text.push_str(&rendered);
                text.push('\n');
            }
            out(&text);
        }
        None => {
            if !found.is_empty() || errors.is_empty() {
                out(&format!("{}\n", indent4(&Value::Array(found))));
            } else {
                out("[]\n");
            }
        }
    }
    if errors.is_empty() {
        Ok(0)
    } else {
        Err(CliError::new(errors.join("\n"), 1))
    }
}

pub async fn top(engine: &Engine, args: &Args) -> CmdResult {
    let name = &args.positional[0];
    let ps_args = args.positional[1..].join(" ");
    let options = (!ps_args.is_empty()).then(|| {
        bollard::query_parameters::TopOptionsBuilder::new()
            .ps_args(&ps_args)
            .build()
    });
    let top = engine.docker.top_processes(name, options).await?;
    let mut text = top.titles.unwrap_or_default().join("\t");
    text.push('\n');
    for process in top.processes.unwrap_or_default() {
        text.push_str(&process.join("\t"));
        text.push('\n');
    }
    // docker top aligns with a minimum cell width of 20
    out(&align_with(&text, 20));
    Ok(0)
}
