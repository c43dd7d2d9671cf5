//! "Monitor": ps, logs, inspect, events through the real docker CLI.

use berth_tests::{TestDaemon, stdout};

#[test]
fn ps_all_quiet() {
    let d = TestDaemon::start();
    let running = d.ok(&["run", "-d", "--name", "runner", "busybox", "top"]);
    d.ok(&["run", "--name", "done", "busybox", "true"]);
    let ps = d.ok(&["ps"]);
    assert!(
        ps.starts_with("CONTAINER ID   IMAGE     COMMAND   CREATED"),
        "{ps}"
    );
    assert!(ps.contains("runner") && !ps.contains("done"), "{ps}");
    assert!(ps.contains("Up "), "{ps}");
    let all = d.ok(&["ps", "-a"]);
    assert!(all.contains("runner") && all.contains("done"), "{all}");
    assert!(all.contains("Exited (0)"), "{all}");
    let quiet = d.ok(&["ps", "-q"]);
    assert_eq!(quiet.trim(), &running.trim()[..12]);
    assert_eq!(d.ok(&["ps", "-a", "-q"]).lines().count(), 2);
    let filtered = d.ok(&[
        "ps",
        "-a",
        "--filter",
        "status=exited",
        "--format",
        "{{.Names}}",
    ]);
    assert_eq!(filtered.trim(), "done");
    let by_image = d.ok(&["ps", "-a", "--filter", "ancestor=busybox", "-q"]);
    assert_eq!(by_image.lines().count(), 2);
}

#[test]
fn logs_and_follow() {
    let d = TestDaemon::start();
    let id = d.ok(&[
        "run",
        "-d",
        "busybox",
        "sh",
        "-c",
        "for i in 1 2 3; do echo line$i; sleep 0.3; done; echo oops >&2",
    ]);
    let id = id.trim();
    // -f returns once the container has stopped, with every line
    let out = d.docker(&["logs", "-f", id]);
    assert_eq!(stdout(&out), "line1\nline2\nline3\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "oops\n");
    // --tail counts the combined log: its last two lines are line3 and oops
    let out = d.docker(&["logs", "--tail", "2", id]);
    assert_eq!(stdout(&out), "line3\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "oops\n");
    let stamped = d.ok(&["logs", "-t", id]);
    assert!(
        stamped
            .lines()
            .all(|l| l.contains('T') && l.contains("Z line")),
        "{stamped}"
    );
}

#[test]
fn inspect_json_and_format() {
    let d = TestDaemon::start();
    let id = d.ok(&["run", "-d", "busybox", "top"]);
    let id = id.trim();
    let json: serde_json::Value = serde_json::from_str(&d.ok(&["inspect", id])).unwrap();
    let c = &json[0];
    assert_eq!(c["Id"], id);
    assert_eq!(c["State"]["Status"], "running");
    assert_eq!(c["Config"]["Image"], "busybox");
    assert_eq!(c["Path"], "top");
    assert!(c["Image"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(
        d.ok(&["inspect", "-f", "{{.State.Status}}", id]),
        "running\n"
    );
    assert_eq!(
        d.ok(&["inspect", "--format", "{{.Config.Hostname}}", id]),
        format!("{}\n", &id[..12])
    );
}

#[test]
fn events_report_the_lifecycle() {
    let d = TestDaemon::start();
    let since = chrono_now_secs() - 1;
    d.ok(&["run", "--name", "ev", "busybox", "true"]);
    let until = chrono_now_secs() + 1;
    let out = d.ok(&[
        "events",
        "--since",
        &since.to_string(),
        "--until",
        &until.to_string(),
        "--filter",
        "container=ev",
        "--format",
        "{{.Action}}",
    ]);
    let actions: Vec<&str> = out.lines().collect();
    assert_eq!(actions, ["create", "start", "die"], "{out}");
}

fn chrono_now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn top_lists_the_containers_processes_with_ps_options() {
    let d = TestDaemon::start();
    let id = d.ok(&["run", "-d", "busybox", "top"]);
    let id = id.trim();
    let out = d.ok(&["top", id]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].contains("PID") && lines[0].contains("CMD"),
        "{out}"
    );
    assert_eq!(lines.len(), 2, "only the container's process: {out}");
    assert!(lines[1].ends_with("top"), "{out}");
    let out = d.ok(&["top", id, "-o", "pid,comm"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["PID", "COMMAND"],
        "{out}"
    );
    assert_eq!(lines[1].split_whitespace().nth(1), Some("top"), "{out}");
    d.ok(&["stop", id]);
    let out = d.docker(&["top", id]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not running"));
}

#[test]
fn stats_one_shot_and_streamed() {
    let d = TestDaemon::start();
    d.ok(&[
        "run",
        "-d",
        "--name",
        "spin",
        "-m",
        "64m",
        "--pids-limit",
        "50",
        "busybox",
        "sh",
        "-c",
        "while :; do :; done",
    ]);
    let out = d.ok(&[
        "stats",
        "--no-stream",
        "--format",
        "{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}",
        "spin",
    ]);
    let fields: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(fields[0], "spin", "{out}");
    let cpu: f64 = fields[1].trim_end_matches('%').parse().unwrap();
    assert!(cpu > 20.0, "a busy loop uses CPU: {out}");
    assert_eq!(fields[4], "64MiB", "{out}");
    assert_eq!(fields[5], "1", "{out}");
    // with no argument: every running container
    assert!(d.ok(&["stats", "--no-stream"]).contains("spin"));
    // streamed: a new frame every second
    let mut child = d
        .docker_command(&["stats", "--format", "{{.Name}}", "spin"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(3500));
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let frames = String::from_utf8_lossy(&out.stdout).matches("spin").count();
    assert!(frames >= 2, "{frames} frames");
}

#[test]
fn logs_since_until_and_attach_replays_the_log() {
    let d = TestDaemon::start();
    let id = d.ok(&[
        "run",
        "-d",
        "busybox",
        "sh",
        "-c",
        "echo early; sleep 2; echo late",
    ]);
    let id = id.trim();
    assert_eq!(d.ok(&["wait", id]).trim(), "0");
    let stamped = d.ok(&["logs", "-t", id]);
    let late_time = stamped
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    // --since a time between the two lines keeps only the late one
    let cut = chrono_like_minus_one_second(&late_time);
    assert_eq!(d.ok(&["logs", "--since", &cut, id]), "late\n");
    assert_eq!(d.ok(&["logs", "--until", &cut, id]), "early\n");
    // attach with logs=1 on a stopped container replays the log
    let (status, body) = d
        .api(
            "POST",
            &format!("/containers/{id}/attach?logs=1&stdout=1"),
            None,
        )
        .unwrap();
    assert_eq!(status, 200, "without Upgrade, the output is the body");
    assert!(body.contains("early") && body.contains("late"), "{body:?}");
}

/// RFC 3339 time one second earlier, as the CLI accepts for --since.
fn chrono_like_minus_one_second(rfc3339: &str) -> String {
    // 2026-11-27T22:59:46.272239000Z -> seconds field minus one (the two
    // lines are two seconds apart, so a second before the late one is
    // between them).
    let (date, rest) = rfc3339.split_once('T').unwrap();
    let hms = &rest[..8];
    let parts: Vec<i64> = hms.split(':').map(|p| p.parse().unwrap()).collect();
    let total = parts[0] * 3600 + parts[1] * 60 + parts[2] - 1;
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        total / 3600,
        (total % 3600) / 60,
        total % 60
    )
}

#[test]
fn ps_last_limit_size_and_prune() {
    let d = TestDaemon::start();
    d.ok(&["run", "--name", "first", "busybox", "true"]);
    d.ok(&[
        "run",
        "--name",
        "second",
        "busybox",
        "sh",
        "-c",
        "echo data > /file",
    ]);
    d.ok(&["run", "-d", "--name", "third", "busybox", "sleep", "100"]);
    assert_eq!(
        d.ok(&["ps", "-l", "--format", "{{.Names}}"]).trim(),
        "third"
    );
    assert_eq!(
        d.ok(&["ps", "-n", "2", "--format", "{{.Names}}"]),
        "third\nsecond\n"
    );
    let sized = d.ok(&[
        "ps",
        "-a",
        "-s",
        "--filter",
        "name=second",
        "--format",
        "{{.Size}}",
    ]);
    assert!(
        sized.starts_with("5B"),
        "the file written in the container: {sized}"
    );
    let out = d.ok(&["container", "prune", "-f"]);
    assert!(out.contains("Deleted Containers:"), "{out}");
    assert_eq!(d.ok(&["ps", "-a", "--format", "{{.Names}}"]), "third\n");
}
