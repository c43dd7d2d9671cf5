//! `docker top`: the host's `ps` (never a binary from the image), filtered
//! to the processes in the container's cgroup.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use bollard_stubs::models::ContainerTopResponse;

use super::registry::ContainerEntry;
use crate::engine::Engine;
use crate::error::{ApiError, ApiResult};

/// Pids in the container's cgroup (v1 pids/memory/cpu hierarchies, or
/// the unified tree).
pub fn cgroup_pids(cgroup_path: &Path) -> HashSet<i32> {
    cgroup_pids_under(Path::new("/sys/fs/cgroup"), cgroup_path)
}

fn cgroup_pids_under(cgroup_root: &Path, cgroup_path: &Path) -> HashSet<i32> {
    let rel = cgroup_path.strip_prefix("/").unwrap_or(cgroup_path);
    let candidates = ["pids", "memory", "cpu", "systemd", ""]
        .iter()
        .map(|c| cgroup_root.join(c).join(rel).join("cgroup.procs"));
    for file in candidates {
        if let Ok(text) = std::fs::read_to_string(&file) {
            return text.lines().filter_map(|l| l.trim().parse().ok()).collect();
        }
    }
    HashSet::new()
}

/// Splits `ps` output into titles and the rows whose PID is in `pids`; the
/// last column (the command) keeps its spaces.
pub fn filter_ps_output(output: &str, pids: &HashSet<i32>) -> ApiResult<ContainerTopResponse> {
    let mut lines = output.lines();
    let titles: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .map(String::from)
        .collect();
    let pid_col = titles
        .iter()
        .position(|t| t == "PID")
        .ok_or_else(|| ApiError::Internal("Couldn't find PID field in ps output".into()))?;
    let mut processes = Vec::new();
    for line in lines {
        let mut fields: Vec<String> = Vec::with_capacity(titles.len());
        let mut rest = line.trim_start();
        while fields.len() + 1 < titles.len() {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            fields.push(rest[..end].to_string());
            rest = rest[end..].trim_start();
        }
        fields.push(rest.to_string());
        let pid = fields.get(pid_col).and_then(|p| p.parse::<i32>().ok());
        if pid.is_some_and(|p| pids.contains(&p)) {
            processes.push(fields);
        }
    }
    Ok(ContainerTopResponse {
        titles: Some(titles),
        processes: Some(processes),
    })
}

impl Engine {
    pub async fn top(
        &self,
        entry: &Arc<ContainerEntry>,
        ps_args: &str,
    ) -> ApiResult<ContainerTopResponse> {
        let rec = entry.record.lock().await.clone();
        if !rec.is_running() {
            return Err(ApiError::Conflict(format!(
                "Container {} is not running",
                rec.id
            )));
        }
        let pids = cgroup_pids(&self.paths.cgroup_parent.join(&rec.id));
        let args: Vec<&str> = if ps_args.trim().is_empty() {
            vec!["-ef"]
        } else {
            ps_args.split_whitespace().collect()
        };
        let out = tokio::process::Command::new("ps")
            .args(&args)
            .output()
            .await
            .map_err(|e| ApiError::Internal(format!("running the host's ps: {e}")))?;
        if !out.status.success() {
            return Err(ApiError::Internal(format!(
                "ps {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        filter_ps_output(&String::from_utf8_lossy(&out.stdout), &pids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_containers_rows_and_whole_commands() {
        let out = "UID PID PPID C STIME TTY TIME CMD\nroot 10 1 0 12:00 ? 00:00:00 sleep 1000\nroot 11 1 0 12:00 ? 00:00:00 other thing\n";
        let top = filter_ps_output(out, &HashSet::from([10])).unwrap();
        assert_eq!(top.titles.unwrap().len(), 8);
        let rows = top.processes.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0][7], "sleep 1000");
    }

    #[test]
    fn pids_from_a_pure_v2_tree() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("berth/abc");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("cgroup.procs"), "12\n34\n").unwrap();
        assert_eq!(
            cgroup_pids_under(root.path(), Path::new("/berth/abc")),
            HashSet::from([12, 34])
        );
    }

    #[test]
    fn needs_a_pid_column() {
        assert!(filter_ps_output("COMMAND\nsh\n", &HashSet::new()).is_err());
    }
}
