//! `docker ps`: the container list with docker's columns and template
//! fields.

use std::collections::HashMap;

use bollard::models::{ContainerSummary, PortSummary};
use bollard::query_parameters::ListContainersOptions;
use serde_json::{Map, Value, json};

use crate::cli::table::{ellipsis, render};
use crate::cli::{Args, CliError, CmdResult, out};
use crate::engine::Engine;
use berth_units::{human_duration, human_size};

const DEFAULT_TABLE: &str =
    "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";

/// `key=value` filters as the API takes them.
pub fn filters(args: &Args) -> Result<Option<HashMap<String, Vec<String>>>, CliError> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for f in args.values("filter") {
        let Some((k, v)) = f.split_once('=') else {
            return Err(args.invalid("filter", &f, "bad format of filter (expected name=value)"));
        };
        map.entry(k.trim().to_ascii_lowercase())
            .or_default()
            .push(v.to_string());
    }
    Ok((!map.is_empty()).then_some(map))
}

/// Go's strconv.Quote for the text docker shows.
pub fn go_quote(s: &str) -> String {
    let mut q = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            '\r' => q.push_str("\\r"),
            c if c.is_control() => q.push_str(&format!("\\x{:02x}", c as u32)),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

pub fn short_id(id: &str) -> String {
    id.trim_start_matches("sha256:").chars().take(12).collect()
}

/// Go's time.Time.String() for a unix time, in the local zone.
pub fn go_time(unix: i64) -> String {
    use chrono::TimeZone;
    match chrono::Local.timestamp_opt(unix, 0).single() {
        Some(t) if t.offset().local_minus_utc() == 0 => {
            t.format("%Y-%m-%d %H:%M:%S +0000 UTC").to_string()
        }
        Some(t) => t.format("%Y-%m-%d %H:%M:%S %z %z").to_string(),
        None => unix.to_string(),
    }
}

pub fn ago(unix: i64) -> String {
    format!(
        "{} ago",
        human_duration(chrono::Utc::now().timestamp() - unix)
    )
}

fn ports_text(ports: &[PortSummary]) -> String {
    let mut sorted: Vec<&PortSummary> = ports.iter().collect();
    sorted.sort_by_key(|p| (p.private_port, p.public_port));
    sorted
        .iter()
        .map(|p| {
            let kind = p.typ.map(|t| t.to_string()).unwrap_or_else(|| "tcp".into());
            match p.public_port {
                Some(public) => format!(
                    "{}:{public}->{}/{kind}",
                    p.ip.clone().unwrap_or_default(),
                    p.private_port
                ),
                None => format!("{}/{kind}", p.private_port),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn row(c: &ContainerSummary, trunc: bool) -> Value {
    let id = c.id.clone().unwrap_or_default();
    let image = c.image.clone().unwrap_or_default();
    let image = if trunc && image.starts_with("sha256:") {
        short_id(&image)
    } else {
        image
    };
    let command = c.command.clone().unwrap_or_default();
    let command = go_quote(&if trunc {
        ellipsis(&command, 20)
    } else {
        command
    });
    let names: Vec<String> = c
        .names
        .clone()
        .unwrap_or_default()
        .iter()
        .map(|n| n.trim_start_matches('/').to_string())
        .filter(|n| !trunc || !n.contains('/'))
        .collect();
    let mut labels: Vec<String> = c
        .labels
        .clone()
        .unwrap_or_default()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    labels.sort();
    let created = c.created.unwrap_or(0);
    let size_rw = human_size(c.size_rw.unwrap_or(0) as f64);
    let size = match c.size_root_fs {
        Some(v) if v > 0 => format!("{size_rw} (virtual {})", human_size(v as f64)),
        _ => size_rw,
    };
    let mounts: Vec<String> = c
        .mounts
        .clone()
        .unwrap_or_default()
        .iter()
        .map(|m| m.name.clone().or(m.source.clone()).unwrap_or_default())
        .collect();
    let mut networks: Vec<String> = c
        .network_settings
        .as_ref()
        .and_then(|n| n.networks.as_ref())
        .map(|n| n.keys().cloned().collect())
        .unwrap_or_default();
    networks.sort();
    // Alphabetical, as docker's `{{json .}}` prints them.
    let mut m = Map::new();
    m.insert("Command".into(), command.into());
    m.insert("CreatedAt".into(), go_time(created).into());
    m.insert("ID".into(), (if trunc { short_id(&id) } else { id }).into());
    m.insert("Image".into(), image.into());
    m.insert("Labels".into(), labels.join(",").into());
    m.insert("LocalVolumes".into(), "0".into());
    m.insert("Mounts".into(), mounts.join(",").into());
    m.insert("Names".into(), names.join(",").into());
    m.insert("Networks".into(), networks.join(",").into());
    m.insert("Platform".into(), Value::Null);
    m.insert(
        "Ports".into(),
        ports_text(c.ports.as_deref().unwrap_or_default()).into(),
    );
    m.insert("RunningFor".into(), ago(created).into());
    m.insert("Size".into(), size.into());
    m.insert(
        "State".into(),
        c.state.map(|s| s.to_string()).unwrap_or_default().into(),
    );
    m.insert("Status".into(), c.status.clone().unwrap_or_default().into());
    Value::Object(m)
}

fn headers() -> Value {
    json!({
        "Command": "COMMAND", "CreatedAt": "CREATED AT", "ID": "CONTAINER ID", "Image": "IMAGE",
        "Labels": "LABELS", "LocalVolumes": "LOCAL VOLUMES", "Mounts": "MOUNTS", "Names": "NAMES",
        "Networks": "NETWORKS", "Ports": "PORTS", "RunningFor": "CREATED", "Size": "SIZE",
        "State": "STATE", "Status": "STATUS"
    })
}

pub async fn ps(engine: &Engine, args: &Args) -> CmdResult {
    let last = args.int("last")?.unwrap_or(-1);
    let limit = if args.flag("latest") {
        Some(1)
    } else {
        (last > 0).then_some(last as i32)
    };
    let format = args.value("format");
    // `--format` with `.Size` asks for sizes too, as in docker
    let size = args.flag("size") || format.as_deref().is_some_and(|f| f.contains(".Size"));
    let options = ListContainersOptions {
        all: args.flag("all") || limit.is_some(),
        limit,
        size,
        filters: filters(args)?,
    };
    let containers = engine.docker.list_containers(Some(options)).await?;
    let trunc = !args.flag("no-trunc");
    let rows: Vec<Value> = containers.iter().map(|c| row(c, trunc)).collect();
    let format = if args.flag("quiet") {
        Some("{{.ID}}".to_string())
    } else {
        format
    };
    let table = if args.flag("size") {
        format!("{DEFAULT_TABLE}\t{{{{.Size}}}}")
    } else {
        DEFAULT_TABLE.to_string()
    };
    out(&render(format.as_deref(), &table, &headers(), &rows)?);
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_truncated_then_quoted() {
        let c = ContainerSummary {
            id: Some("f774f8618226aaaabbbbccccddddeeeeffff0000111122223333444455556666".into()),
            command: Some("sh -c 'while true; do date; done'".into()),
            names: Some(vec!["/web".into()]),
            image: Some("busybox".into()),
            status: Some("Up 2 seconds".into()),
            created: Some(chrono::Utc::now().timestamp() - 5),
            ..Default::default()
        };
        let r = row(&c, true);
        assert_eq!(r["Command"], "\"sh -c 'while true; …\"");
        assert_eq!(r["ID"], "f774f8618226");
        assert_eq!(r["Names"], "web");
        assert_eq!(r["RunningFor"], "5 seconds ago");
        assert_eq!(r["Size"], "0B");
        let full = row(&c, false);
        assert_eq!(full["Command"], "\"sh -c 'while true; do date; done'\"");
    }

    #[test]
    fn go_quoting() {
        assert_eq!(go_quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
    }
}
