//! `docker stats`: one table, or a screen refreshed every second until
//! Ctrl-C, with docker's CPU and memory arithmetic.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use bollard::query_parameters::ListContainersOptions;
use hyper::Method;
use serde_json::{Value, json};

use super::ps::short_id;
use crate::cli::table::render;
use crate::cli::{Args, CliError, CmdResult, out};
use crate::engine::Engine;
use berth_units::{bytes_size, human_size};

const DEFAULT_TABLE: &str = "{{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";

fn u(v: &Value, path: &str) -> f64 {
    v.pointer(path).and_then(Value::as_f64).unwrap_or(0.0)
}

/// One row of the table from one stats sample (docker's formulas).
pub fn row(sample: &Value, id: &str, name: &str, trunc: bool) -> Value {
    let cpu_delta = u(sample, "/cpu_stats/cpu_usage/total_usage")
        - u(sample, "/precpu_stats/cpu_usage/total_usage");
    let system_delta =
        u(sample, "/cpu_stats/system_cpu_usage") - u(sample, "/precpu_stats/system_cpu_usage");
    let mut cpus = u(sample, "/cpu_stats/online_cpus");
    if cpus == 0.0 {
        cpus = sample
            .pointer("/cpu_stats/cpu_usage/percpu_usage")
            .and_then(Value::as_array)
            .map(|a| a.len() as f64)
            .unwrap_or(0.0);
    }
    let cpu = if system_delta > 0.0 && cpu_delta > 0.0 {
        cpu_delta / system_delta * cpus * 100.0
    } else {
        0.0
    };
    // page cache is not counted as used memory (cgroup v1 and v2 names)
    let usage = u(sample, "/memory_stats/usage");
    let cache = [
        "/memory_stats/stats/total_inactive_file",
        "/memory_stats/stats/inactive_file",
    ]
    .iter()
    .map(|p| u(sample, p))
    .find(|v| *v > 0.0 && *v < usage)
    .unwrap_or(0.0);
    let mem = usage - cache;
    let limit = u(sample, "/memory_stats/limit");
    let mem_perc = if limit > 0.0 {
        mem / limit * 100.0
    } else {
        0.0
    };
    let (mut rx, mut tx) = (0.0, 0.0);
    if let Some(nets) = sample.get("networks").and_then(Value::as_object) {
        for n in nets.values() {
            rx += u(n, "/rx_bytes");
            tx += u(n, "/tx_bytes");
        }
    }
    let (mut read, mut write) = (0.0, 0.0);
    if let Some(entries) = sample
        .pointer("/blkio_stats/io_service_bytes_recursive")
        .and_then(Value::as_array)
    {
        for e in entries {
            match e
                .get("op")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("read") => read += u(e, "/value"),
                Some("write") => write += u(e, "/value"),
                _ => {}
            }
        }
    }
    json!({
        "BlockIO": format!("{} / {}", human_size(read), human_size(write)),
        "CPUPerc": format!("{cpu:.2}%"),
        "Container": id,
        "ID": if trunc { short_id(id) } else { id.to_string() },
        "MemPerc": format!("{mem_perc:.2}%"),
        "MemUsage": format!("{} / {}", bytes_size(mem), bytes_size(limit)),
        "Name": name.trim_start_matches('/'),
        "NetIO": format!("{} / {}", human_size(rx), human_size(tx)),
        "PIDs": format!("{}", u(sample, "/pids_stats/current") as u64),
    })
}

fn headers() -> Value {
    json!({
        "BlockIO": "BLOCK I/O", "CPUPerc": "CPU %", "Container": "CONTAINER", "ID": "CONTAINER ID",
        "MemPerc": "MEM %", "MemUsage": "MEM USAGE / LIMIT", "Name": "NAME", "NetIO": "NET I/O", "PIDs": "PIDS"
    })
}

/// (id, name) of the containers to show.
async fn targets(engine: &Engine, args: &Args) -> Result<Vec<(String, String)>, CliError> {
    if !args.positional.is_empty() {
        let mut list = Vec::new();
        for name in &args.positional {
            let info = engine.docker.inspect_container(name, None).await?;
            list.push((info.id.unwrap_or_default(), info.name.unwrap_or_default()));
        }
        return Ok(list);
    }
    let options = ListContainersOptions {
        all: args.flag("all"),
        ..Default::default()
    };
    Ok(engine
        .docker
        .list_containers(Some(options))
        .await?
        .into_iter()
        .map(|c| {
            let name = c.names.and_then(|n| n.first().cloned()).unwrap_or_default();
            (c.id.unwrap_or_default(), name)
        })
        .collect())
}

async fn one_sample(engine: &Engine, id: &str) -> Result<Value, CliError> {
    let (status, body) = engine
        .raw(
            Method::GET,
            &format!("/containers/{id}/stats?stream=0"),
            None,
        )
        .await?;
    if !status.is_success() {
        return Err(CliError::from_answer(&body));
    }
    Ok(serde_json::from_slice(&body).unwrap_or_default())
}

pub async fn stats(engine: &Engine, args: &Args) -> CmdResult {
    let trunc = !args.flag("no-trunc");
    let format = args.value("format");
    if args.flag("no-stream") {
        let mut rows = Vec::new();
        for (id, name) in targets(engine, args).await? {
            let sample = one_sample(engine, &id).await?;
            rows.push(row(&sample, &id, &name, trunc));
        }
        out(&render(
            format.as_deref(),
            DEFAULT_TABLE,
            &headers(),
            &rows,
        )?);
        return Ok(0);
    }
    // Streaming: one reader per container keeps its latest row; the screen
    // is redrawn every second. Without arguments new containers join.
    let latest: Arc<Mutex<BTreeMap<String, Value>>> = Arc::default();
    let mut watched = std::collections::HashSet::new();
    let follow_new = args.positional.is_empty();
    loop {
        let current = targets(engine, args).await?;
        if follow_new {
            let ids: std::collections::HashSet<&String> =
                current.iter().map(|(id, _)| id).collect();
            latest
                .lock()
                .map(|mut m| m.retain(|id, _| ids.contains(id)))
                .ok();
        }
        for (id, name) in current {
            if watched.insert(id.clone()) {
                tokio::spawn(follow(engine.clone(), id, name, trunc, latest.clone()));
            }
        }
        let rows: Vec<Value> = latest
            .lock()
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default();
        // clear the screen and home the cursor, as docker does
        out(&format!(
            "\x1b[2J\x1b[H{}",
            render(format.as_deref(), DEFAULT_TABLE, &headers(), &rows)?
        ));
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

async fn follow(
    engine: Engine,
    id: String,
    name: String,
    trunc: bool,
    latest: Arc<Mutex<BTreeMap<String, Value>>>,
) {
    let Ok(response) = engine
        .open(Method::GET, &format!("/containers/{id}/stats?stream=1"))
        .await
    else {
        return;
    };
    let _ = super::json_lines(response, |sample| {
        if let Ok(mut map) = latest.lock() {
            map.insert(id.clone(), row(&sample, &id, &name, trunc));
        }
        Ok(())
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_and_memory_like_docker() {
        let sample = json!({
            "cpu_stats": {"cpu_usage": {"total_usage": 300_000_000u64}, "system_cpu_usage": 2_000_000_000u64, "online_cpus": 2},
            "precpu_stats": {"cpu_usage": {"total_usage": 100_000_000u64}, "system_cpu_usage": 1_000_000_000u64},
            "memory_stats": {"usage": 3 * 1024 * 1024, "limit": 1024u64 * 1024 * 1024, "stats": {"total_inactive_file": 1024 * 1024}},
            "networks": {"eth0": {"rx_bytes": 1500, "tx_bytes": 0}},
            "blkio_stats": {"io_service_bytes_recursive": [{"op": "Read", "value": 4096}, {"op": "Write", "value": 0}]},
            "pids_stats": {"current": 3}
        });
        let r = row(&sample, "0123456789abcdef", "/web", true);
        assert_eq!(r["CPUPerc"], "40.00%");
        assert_eq!(r["MemUsage"], "2MiB / 1GiB");
        assert_eq!(r["MemPerc"], "0.20%");
        assert_eq!(r["NetIO"], "1.5kB / 0B");
        assert_eq!(r["BlockIO"], "4.1kB / 0B");
        assert_eq!(r["PIDs"], "3");
        assert_eq!(r["Name"], "web");
        assert_eq!(r["ID"], "0123456789ab");
    }
}
