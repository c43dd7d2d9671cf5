//! Restart policies.

use std::time::{Duration, Instant};

use berth_tests::TestDaemon;

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting until {what}");
}

#[test]
fn on_failure_retries_up_to_the_maximum() {
    let d = TestDaemon::start();
    let id = d.ok(&[
        "run",
        "-d",
        "--restart",
        "on-failure:2",
        "busybox",
        "sh",
        "-c",
        "exit 3",
    ]);
    let id = id.trim();
    wait_until("two restarts happened and it stays exited", || {
        d.inspect(
            id,
            "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}",
        ) == "2 exited 3"
    });
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(
        d.inspect(id, "{{.RestartCount}} {{.State.Status}}"),
        "2 exited"
    );
    // success is not a failure: no restart
    let ok = d.ok(&["run", "-d", "--restart", "on-failure", "busybox", "true"]);
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(
        d.inspect(ok.trim(), "{{.RestartCount}} {{.State.Status}}"),
        "0 exited"
    );
}

#[test]
fn always_restarts_until_stopped() {
    let d = TestDaemon::start();
    let id = d.ok(&[
        "run",
        "-d",
        "--restart",
        "always",
        "busybox",
        "sh",
        "-c",
        "sleep 0.2",
    ]);
    let id = id.trim();
    wait_until("it restarted at least twice", || {
        d.inspect(id, "{{.RestartCount}}")
            .parse::<i64>()
            .unwrap_or(0)
            >= 2
    });
    assert_eq!(
        d.inspect(id, "{{.HostConfig.RestartPolicy.Name}}"),
        "always"
    );
    d.ok(&["stop", "-t", "1", id]);
    let count = d.inspect(id, "{{.RestartCount}}");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(d.inspect(id, "{{.State.Status}}"), "exited");
    assert_eq!(
        d.inspect(id, "{{.RestartCount}}"),
        count,
        "a stopped container stays stopped"
    );
}

#[test]
fn always_containers_start_with_the_daemon_and_unless_stopped_ones_respect_a_stop() {
    let mut d = TestDaemon::start();
    let always = d
        .ok(&[
            "run",
            "-d",
            "--restart",
            "always",
            "busybox",
            "sleep",
            "1000",
        ])
        .trim()
        .to_string();
    let unless = d
        .ok(&[
            "run",
            "-d",
            "--restart",
            "unless-stopped",
            "busybox",
            "sleep",
            "1000",
        ])
        .trim()
        .to_string();
    d.ok(&["stop", "-t", "1", &always]);
    d.ok(&["stop", "-t", "1", &unless]);
    d.stop_daemon(libc::SIGTERM);
    d.spawn_daemon();
    assert_eq!(d.inspect(&always, "{{.State.Status}}"), "running");
    assert_eq!(d.inspect(&unless, "{{.State.Status}}"), "exited");
}
