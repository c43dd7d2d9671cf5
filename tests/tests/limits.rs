//! Resource limits through cgroups.

use berth_tests::{TestDaemon, stderr};

#[test]
fn memory_limit_ends_in_an_oom_kill() {
    let d = TestDaemon::start();
    // dd's 100 MB block buffer is more than the 64 MB limit.
    let out = d.docker(&[
        "run",
        "--name",
        "hog",
        "-m",
        "64m",
        "busybox",
        "dd",
        "if=/dev/zero",
        "of=/dev/null",
        "bs=100M",
        "count=1",
    ]);
    assert_eq!(out.status.code(), Some(137), "{}", stderr(&out));
    let state = d.ok(&[
        "inspect",
        "-f",
        "{{.State.OOMKilled}} {{.State.ExitCode}} {{.HostConfig.Memory}}",
        "hog",
    ]);
    assert_eq!(state.trim(), "true 137 67108864");
    // the same work without a limit is fine, and not marked as OOM-killed
    d.ok(&[
        "run",
        "--name",
        "free",
        "busybox",
        "dd",
        "if=/dev/zero",
        "of=/dev/null",
        "bs=100M",
        "count=1",
    ]);
    assert_eq!(
        d.ok(&["inspect", "-f", "{{.State.OOMKilled}}", "free"])
            .trim(),
        "false"
    );
}

#[test]
fn pids_limit_stops_a_fork_loop() {
    let d = TestDaemon::start();
    // ash gives up when fork fails: the loop never gets to 40.
    let out = d.docker(&[
        "run",
        "--rm",
        "--pids-limit",
        "20",
        "busybox",
        "sh",
        "-c",
        "for i in $(seq 40); do sleep 5 & done; echo survived",
    ]);
    assert!(!out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("survived"));
    assert!(stderr(&out).contains("can't fork"), "{}", stderr(&out));
    let id = d.ok(&["run", "-d", "--pids-limit", "20", "busybox", "sleep", "100"]);
    let max = std::path::Path::new("/sys/fs/cgroup/pids")
        .join(&d.cgroup_parent)
        .join(id.trim())
        .join("pids.max");
    let max = std::fs::read_to_string(&max)
        .or_else(|_| {
            std::fs::read_to_string(
                std::path::Path::new("/sys/fs/cgroup")
                    .join(&d.cgroup_parent)
                    .join(id.trim())
                    .join("pids.max"),
            )
        })
        .unwrap();
    assert_eq!(max.trim(), "20");
}

#[test]
fn cpus_shows_in_the_cgroup() {
    let d = TestDaemon::start();
    let id = d.ok(&[
        "run",
        "-d",
        "--cpus",
        "0.5",
        "--cpu-shares",
        "512",
        "busybox",
        "sleep",
        "100",
    ]);
    let id = id.trim();
    let dir = std::path::Path::new("/sys/fs/cgroup/cpu")
        .join(&d.cgroup_parent)
        .join(id);
    let read =
        |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    if std::path::Path::new("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").exists() {
        assert_eq!(read("cpu.cfs_quota_us").trim(), "50000");
        assert_eq!(read("cpu.cfs_period_us").trim(), "100000");
        assert_eq!(read("cpu.shares").trim(), "512");
    } else {
        let v2 = std::path::Path::new("/sys/fs/cgroup")
            .join(&d.cgroup_parent)
            .join(id);
        assert_eq!(
            std::fs::read_to_string(v2.join("cpu.max")).unwrap().trim(),
            "50000 100000"
        );
    }
    assert_eq!(
        d.ok(&["inspect", "-f", "{{.HostConfig.NanoCpus}}", id])
            .trim(),
        "500000000"
    );
    let out = d.docker(&["run", "--rm", "-m", "1k", "busybox", "true"]);
    assert!(
        stderr(&out).contains("Minimum memory limit allowed is 6MB"),
        "{}",
        stderr(&out)
    );
}
