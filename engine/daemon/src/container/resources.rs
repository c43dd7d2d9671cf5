//! Docker's resource flags (HostConfig) as cgroup limits, and what the
//! cgroup says after an exit (OOM kills).

use std::path::Path;

use berth_runtime::ResourceLimits;
use bollard_stubs::models::HostConfig;

use crate::error::{ApiError, ApiResult};

const CPU_PERIOD_US: u64 = 100_000;
/// dockerd's floor for `--memory`.
const MIN_MEMORY: i64 = 6 * 1024 * 1024;

/// Checks the flags as dockerd does at create time.
pub fn validate(hc: &HostConfig) -> ApiResult<()> {
    if let Some(m) = hc.memory.filter(|m| *m != 0)
        && m < MIN_MEMORY
    {
        return Err(ApiError::BadRequest(
            "Minimum memory limit allowed is 6MB".into(),
        ));
    }
    if let (Some(m), Some(s)) = (
        hc.memory.filter(|m| *m > 0),
        hc.memory_swap.filter(|s| *s > 0),
    ) && s < m
    {
        return Err(ApiError::BadRequest(
            "Minimum memoryswap limit should be larger than memory limit, see usage".into(),
        ));
    }
    if hc.nano_cpus.unwrap_or(0) > 0
        && (hc.cpu_quota.unwrap_or(0) > 0 || hc.cpu_period.unwrap_or(0) > 0)
    {
        return Err(ApiError::BadRequest(
            "Conflicting options: Nano CPUs and CPU Period/Quota cannot both be set".into(),
        ));
    }
    let ncpu = std::thread::available_parallelism()
        .map(|n| n.get() as i64)
        .unwrap_or(1);
    if let Some(n) = hc.nano_cpus.filter(|n| *n > 0)
        && n > ncpu * 1_000_000_000
    {
        return Err(ApiError::BadRequest(format!(
            "Range of CPUs is from 0.01 to {ncpu}.00, as there are only {ncpu} CPUs available"
        )));
    }
    Ok(())
}

/// `swap_accounting`: whether the host can limit memory+swap (v1's memsw).
pub fn limits(hc: &HostConfig, swap_accounting: bool) -> ResourceLimits {
    let memory = hc.memory.filter(|m| *m > 0);
    let memory_swap = match (memory, hc.memory_swap) {
        _ if !swap_accounting => None,
        (_, Some(-1)) => Some(-1),
        (_, Some(s)) if s > 0 => Some(s),
        // Docker's default: as much swap as memory.
        (Some(m), _) => Some(2 * m),
        (None, _) => None,
    };
    let (cpu_quota, cpu_period) = match hc.nano_cpus.filter(|n| *n > 0) {
        Some(n) => (
            Some(n * CPU_PERIOD_US as i64 / 1_000_000_000),
            Some(CPU_PERIOD_US),
        ),
        None => (
            hc.cpu_quota.filter(|q| *q > 0),
            hc.cpu_period.filter(|p| *p > 0).map(|p| p as u64),
        ),
    };
    ResourceLimits {
        memory,
        memory_swap,
        cpu_shares: hc.cpu_shares.filter(|s| *s > 0).map(|s| s as u64),
        cpu_quota,
        cpu_period,
        pids_limit: hc.pids_limit.filter(|p| *p > 0),
    }
}

pub fn host_has_swap_accounting() -> bool {
    let v1 = Path::new("/sys/fs/cgroup/memory");
    if v1.join("memory.limit_in_bytes").exists() {
        return v1.join("memory.memsw.limit_in_bytes").exists();
    }
    true
}

/// How many times the kernel OOM-killed in this cgroup (v1 memory
/// controller, else the v2 unified tree).
pub fn oom_kills(cgroup_path: &Path) -> u64 {
    oom_kills_under(Path::new("/sys/fs/cgroup"), cgroup_path)
}

fn oom_kills_under(cgroup_root: &Path, cgroup_path: &Path) -> u64 {
    let rel = cgroup_path.strip_prefix("/").unwrap_or(cgroup_path);
    let v1 = cgroup_root
        .join("memory")
        .join(rel)
        .join("memory.oom_control");
    let v2 = cgroup_root.join(rel).join("memory.events");
    for file in [v1, v2] {
        if let Ok(text) = std::fs::read_to_string(&file) {
            return text
                .lines()
                .find_map(|l| {
                    l.strip_prefix("oom_kill ")
                        .and_then(|n| n.trim().parse().ok())
                })
                .unwrap_or(0);
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_flags_map_to_cgroup_limits() {
        let hc = HostConfig {
            memory: Some(64 << 20),
            nano_cpus: Some(500_000_000),
            pids_limit: Some(20),
            ..Default::default()
        };
        let l = limits(&hc, true);
        assert_eq!(l.memory, Some(64 << 20));
        assert_eq!(
            l.memory_swap,
            Some(128 << 20),
            "Docker's default swap equals memory"
        );
        assert_eq!((l.cpu_quota, l.cpu_period), (Some(50_000), Some(100_000)));
        assert_eq!(l.pids_limit, Some(20));
        assert_eq!(limits(&hc, false).memory_swap, None);
        let unlimited = HostConfig {
            pids_limit: Some(-1),
            memory_swap: Some(-1),
            ..Default::default()
        };
        assert_eq!(
            limits(&unlimited, true),
            ResourceLimits {
                memory_swap: Some(-1),
                ..Default::default()
            }
        );
    }

    #[test]
    fn dockerd_validation() {
        let small = HostConfig {
            memory: Some(1024),
            ..Default::default()
        };
        assert!(validate(&small).is_err());
        let both = HostConfig {
            nano_cpus: Some(1),
            cpu_quota: Some(1000),
            ..Default::default()
        };
        assert!(validate(&both).is_err());
        assert!(validate(&HostConfig::default()).is_ok());
    }

    #[test]
    fn oom_counter_on_v1_and_pure_v2_trees() {
        assert_eq!(oom_kills(Path::new("/no/such/cgroup")), 0);
        // fake cgroupfs trees: v1's memory controller, and a unified one
        let v1 = tempfile::tempdir().unwrap();
        let dir = v1.path().join("memory/berth/abc");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("memory.oom_control"),
            "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
        )
        .unwrap();
        assert_eq!(oom_kills_under(v1.path(), Path::new("/berth/abc")), 2);
        let v2 = tempfile::tempdir().unwrap();
        let dir = v2.path().join("berth/abc");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("memory.events"),
            "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n",
        )
        .unwrap();
        assert_eq!(oom_kills_under(v2.path(), Path::new("/berth/abc")), 1);
    }
}
