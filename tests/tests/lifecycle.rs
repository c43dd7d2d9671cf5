//! "Start, stop and remove" through the real docker CLI.

use std::time::{Duration, Instant};

use berth_tests::{TestDaemon, stderr};

#[test]
fn stop_waits_the_grace_period_then_kills() {
    let d = TestDaemon::start();
    // sleep as PID 1 has no SIGTERM handler, so the kernel ignores SIGTERM.
    let id = d
        .ok(&["run", "-d", "busybox", "sleep", "1000"])
        .trim()
        .to_string();
    let started = Instant::now();
    d.ok(&["stop", &id]);
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(10), "stopped after {took:?}");
    assert!(took < Duration::from_secs(20), "stopped after {took:?}");
    assert_eq!(d.state(&id), "exited 137");
}

#[test]
fn stop_time_flag_sets_the_grace_period() {
    let d = TestDaemon::start();
    let id = d
        .ok(&["run", "-d", "busybox", "sleep", "1000"])
        .trim()
        .to_string();
    let started = Instant::now();
    d.ok(&["stop", "--time=1", &id]);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(8),
        "{took:?}"
    );
    assert_eq!(d.state(&id), "exited 137");
    // busybox top handles SIGTERM itself and exits 143 well within 30 s
    let id = d.ok(&["run", "-d", "busybox", "top"]).trim().to_string();
    let started = Instant::now();
    d.ok(&["stop", "--time=30", &id]);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(d.state(&id), "exited 143");
}

#[test]
fn start_runs_a_stopped_container_again() {
    let d = TestDaemon::start();
    let id = d.ok(&["run", "-d", "busybox", "top"]).trim().to_string();
    d.ok(&["stop", &id]);
    d.ok(&["start", &id]);
    assert_eq!(d.state(&id), "running 0");
    d.ok(&["restart", &id]);
    assert_eq!(d.state(&id), "running 0");
    d.ok(&["kill", &id]);
    assert_eq!(d.state(&id), "exited 137");
    // a named signal reaches the process's own handler
    let sleeper = d.ok(&[
        "run",
        "-d",
        "busybox",
        "sh",
        "-c",
        "trap 'exit 42' QUIT; sleep 1000 & wait",
    ]);
    d.ok(&["kill", "--signal=SIGQUIT", sleeper.trim()]);
    assert_eq!(d.ok(&["wait", sleeper.trim()]).trim(), "42");
}

#[test]
fn rm_refuses_a_running_container_and_rm_f_removes_it() {
    let d = TestDaemon::start();
    let id = d.ok(&["run", "-d", "busybox", "top"]).trim().to_string();
    let out = d.docker(&["rm", &id]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot remove a running container"),
        "{}",
        stderr(&out)
    );
    d.ok(&["rm", "-f", &id]);
    let out = d.docker(&["inspect", &id]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("No such"), "{}", stderr(&out));
    assert_eq!(d.leftovers(), Vec::<String>::new());
}

#[test]
fn rm_of_all_containers_by_substitution() {
    let d = TestDaemon::start();
    for _ in 0..3 {
        d.ok(&["run", "busybox", "true"]);
    }
    let out = d.sh("docker rm $(docker ps -a -q)");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(d.ok(&["ps", "-a", "-q"]), "");
}

#[test]
fn rm_flag_leaves_nothing_behind() {
    let d = TestDaemon::start();
    d.ok(&["run", "--rm", "busybox", "true"]);
    assert_eq!(d.ok(&["ps", "-a", "-q"]), "");
    assert_eq!(d.leftovers(), Vec::<String>::new());
}

#[test]
fn names_conflict_and_rename() {
    let d = TestDaemon::start();
    d.ok(&["create", "--name", "web", "busybox"]);
    let out = d.docker(&["create", "--name", "web", "busybox"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("is already in use"),
        "{}",
        stderr(&out)
    );
    d.ok(&["rename", "web", "web2"]);
    assert_eq!(
        d.ok(&["inspect", "-f", "{{.Name}}", "web2"]).trim(),
        "/web2"
    );
}

#[test]
fn sigterm_stops_berthd_and_containers_keep_running() {
    let mut d = TestDaemon::start();
    let id = d.ok(&[
        "run",
        "-d",
        "busybox",
        "sh",
        "-c",
        "while true; do echo tick; sleep 0.2; done",
    ]);
    let id = id.trim().to_string();
    let pid: i32 = d
        .ok(&["inspect", "-f", "{{.State.Pid}}", &id])
        .trim()
        .parse()
        .unwrap();
    d.stop_daemon(libc::SIGTERM);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        unsafe { libc::kill(pid, 0) },
        0,
        "the container died with berthd"
    );
    d.spawn_daemon();
    assert_eq!(d.state(&id), "running 0");
    let before = d.ok(&["logs", &id]).lines().count();
    std::thread::sleep(Duration::from_millis(600));
    let after = d.ok(&["logs", &id]).lines().count();
    assert!(
        after > before,
        "the log goes on after the restart ({before} -> {after})"
    );
    d.ok(&["stop", "-t", "1", &id]);
    assert_eq!(d.state(&id), "exited 137");
}
