//! `docker stats`: cgroup figures through libcgroups, in Docker's units
//! (CPU in nanoseconds: libcgroups gives v1 user/kernel time in clock
//! ticks and every v2 figure in microseconds).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bollard_stubs::models::{
    ContainerBlkioStatEntry, ContainerBlkioStats, ContainerCpuStats, ContainerCpuUsage,
    ContainerMemoryStats, ContainerNetworkStats, ContainerPidsStats, ContainerStatsResponse,
    ContainerThrottlingData,
};
use libcgroups::common::{CgroupConfig, CgroupManager, CgroupSetup};
use libcgroups::stats::Stats;

use super::registry::ContainerEntry;
use crate::timefmt;

/// The figures of one sample, for this and the next `precpu_stats`.
pub struct Sample {
    pub read: chrono::DateTime<chrono::Utc>,
    pub cpu: ContainerCpuStats,
    pub response: ContainerStatsResponse,
}

fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as u64 } else { 100 }
}

/// Host CPU time in nanoseconds, from /proc/stat's first line.
fn system_cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: u64 = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse::<u64>().ok())
        .sum();
    ticks * (1_000_000_000 / clock_ticks_per_second())
}

/// Interfaces in the container's network namespace, read through its init
/// process; loopback is left out, as Docker does.
fn networks(pid: i32) -> HashMap<String, ContainerNetworkStats> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/net/dev")).unwrap_or_default();
    text.lines()
        .skip(2)
        .filter_map(|l| {
            let (name, rest) = l.split_once(':')?;
            let name = name.trim();
            if name == "lo" {
                return None;
            }
            let v: Vec<u64> = rest
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            (v.len() >= 12).then(|| {
                (
                    name.to_string(),
                    ContainerNetworkStats {
                        rx_bytes: Some(v[0]),
                        rx_packets: Some(v[1]),
                        rx_errors: Some(v[2]),
                        rx_dropped: Some(v[3]),
                        tx_bytes: Some(v[8]),
                        tx_packets: Some(v[9]),
                        tx_errors: Some(v[10]),
                        tx_dropped: Some(v[11]),
                        ..Default::default()
                    },
                )
            })
        })
        .collect()
}

fn blkio_entries(stats: &[libcgroups::stats::BlkioDeviceStat]) -> Vec<ContainerBlkioStatEntry> {
    stats
        .iter()
        .map(|d| ContainerBlkioStatEntry {
            major: Some(d.major),
            minor: Some(d.minor),
            op: d.op_type.clone(),
            value: Some(d.value),
        })
        .collect()
}

/// Reads the cgroup's statistics (blocking).
pub fn read_cgroup(cgroup_path: &Path, id: &str) -> Option<Stats> {
    let manager = libcgroups::common::create_cgroup_manager(CgroupConfig {
        cgroup_path: cgroup_path.to_path_buf(),
        systemd_cgroup: false,
        container_name: id.to_string(),
    })
    .ok()?;
    manager.stats().ok()
}

pub fn sample(
    id: &str,
    name: &str,
    pid: i32,
    stats: Option<&Stats>,
    previous: Option<&Sample>,
) -> Sample {
    let read = chrono::Utc::now();
    let v2 = matches!(
        libcgroups::common::get_cgroup_setup(),
        Ok(CgroupSetup::Unified)
    );
    let tick_ns = 1_000_000_000 / clock_ticks_per_second();
    let cpu = match stats {
        Some(s) => {
            let u = &s.cpu.usage;
            let (total, user, kernel, percpu) = if v2 {
                (
                    u.usage_total * 1000,
                    u.usage_user * 1000,
                    u.usage_kernel * 1000,
                    None,
                )
            } else {
                (
                    u.usage_total,
                    u.usage_user * tick_ns,
                    u.usage_kernel * tick_ns,
                    Some(u.per_core_usage_total.clone()).filter(|p| !p.is_empty()),
                )
            };
            ContainerCpuStats {
                cpu_usage: Some(ContainerCpuUsage {
                    total_usage: Some(total),
                    percpu_usage: percpu,
                    usage_in_kernelmode: Some(kernel),
                    usage_in_usermode: Some(user),
                }),
                system_cpu_usage: Some(system_cpu_ns()),
                online_cpus: std::thread::available_parallelism()
                    .ok()
                    .map(|n| n.get() as u32),
                throttling_data: Some(ContainerThrottlingData {
                    periods: Some(s.cpu.throttling.periods),
                    throttled_periods: Some(s.cpu.throttling.throttled_periods),
                    throttled_time: Some(s.cpu.throttling.throttled_time),
                }),
            }
        }
        None => ContainerCpuStats::default(),
    };
    let memory = stats.map(|s| {
        let m = &s.memory;
        let limit = match m.memory.limit {
            0 => crate::host::memory_bytes(),
            l => l.min(crate::host::memory_bytes()),
        };
        ContainerMemoryStats {
            usage: Some(m.memory.usage),
            max_usage: Some(m.memory.max_usage),
            stats: Some(m.stats.clone()),
            failcnt: Some(m.memory.fail_count),
            limit: Some(limit),
            ..Default::default()
        }
    });
    let pids = stats.map(|s| ContainerPidsStats {
        current: Some(s.pids.current),
        limit: (s.pids.limit > 0).then_some(s.pids.limit),
    });
    let blkio = stats.map(|s| ContainerBlkioStats {
        io_service_bytes_recursive: Some(blkio_entries(&s.blkio.service_bytes)),
        io_serviced_recursive: Some(blkio_entries(&s.blkio.serviced)),
        ..Default::default()
    });
    let response = ContainerStatsResponse {
        id: Some(id.to_string()),
        name: Some(format!("/{name}")),
        os_type: Some("linux".into()),
        read: Some(timefmt::rfc3339_nanos(read)),
        preread: Some(
            previous
                .map(|p| timefmt::rfc3339_nanos(p.read))
                .unwrap_or_else(|| timefmt::ZERO_TIME.to_string()),
        ),
        cpu_stats: Some(cpu.clone()),
        precpu_stats: Some(previous.map(|p| p.cpu.clone()).unwrap_or_default()),
        memory_stats: Some(memory.unwrap_or_default()),
        pids_stats: Some(pids.unwrap_or_default()),
        blkio_stats: Some(blkio.unwrap_or_default()),
        networks: (pid > 0).then(|| networks(pid)),
        num_procs: Some(0),
        ..Default::default()
    };
    Sample {
        read,
        cpu,
        response,
    }
}

/// Sends one JSON sample a second into `tx` while `stream`; otherwise one
/// sample: the first with `one_shot` (or when the container is not
/// running), else the second, so that `precpu_stats` is filled.
pub async fn stream_stats(
    entry: Arc<ContainerEntry>,
    cgroup: PathBuf,
    stream: bool,
    one_shot: bool,
    tx: tokio::sync::mpsc::Sender<bytes::Bytes>,
) {
    let mut previous: Option<Sample> = None;
    loop {
        let (running, name, pid) = {
            let rec = entry.record.lock().await;
            (rec.is_running(), rec.name.clone(), rec.state.pid)
        };
        let figures = if running {
            let (cg, id) = (cgroup.clone(), entry.id.clone());
            tokio::task::spawn_blocking(move || read_cgroup(&cg, &id))
                .await
                .ok()
                .flatten()
        } else {
            None
        };
        let pid = if running { pid } else { 0 };
        let current = sample(&entry.id, &name, pid, figures.as_ref(), previous.as_ref());
        let wait_for_precpu = !stream && !one_shot && running && previous.is_none();
        if !wait_for_precpu {
            let mut line = serde_json::to_vec(&current.response).unwrap_or_default();
            line.push(b'\n');
            if tx.send(bytes::Bytes::from(line)).await.is_err() || !stream {
                return;
            }
        }
        previous = Some(current);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
