//! Live restore: containers outlive berthd, and a new berthd finds them.

use std::time::Duration;

use berth_tests::TestDaemon;

#[test]
fn kill_9_of_berthd_then_restart_finds_every_container() {
    let mut d = TestDaemon::start();
    let chatty = d
        .ok(&[
            "run",
            "-d",
            "busybox",
            "sh",
            "-c",
            "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done",
        ])
        .trim()
        .to_string();
    let mut quiet = Vec::new();
    for _ in 0..8 {
        quiet.push(
            d.ok(&["run", "-d", "busybox", "sleep", "1000"])
                .trim()
                .to_string(),
        );
    }
    let victim = d
        .ok(&["run", "-d", "busybox", "sleep", "1000"])
        .trim()
        .to_string();
    let victim_pid: i32 = d
        .ok(&["inspect", "-f", "{{.State.Pid}}", &victim])
        .trim()
        .parse()
        .unwrap();

    d.stop_daemon(libc::SIGKILL);
    // Killed from outside while berthd is down.
    assert_eq!(unsafe { libc::kill(victim_pid, libc::SIGKILL) }, 0);
    std::thread::sleep(Duration::from_millis(500));
    d.spawn_daemon();

    assert_eq!(
        d.ok(&["ps", "-q"]).lines().count(),
        9,
        "{}",
        d.ok(&["ps", "-a"])
    );
    assert_eq!(d.state(&victim), "exited 137");
    let finished = d.ok(&["inspect", "-f", "{{.State.FinishedAt}}", &victim]);
    assert!(
        !finished.starts_with("0001"),
        "the exit time is the real one: {finished}"
    );

    // The chatty container's log continues, and logs -f follows new lines.
    let before = d.ok(&["logs", &chatty]).lines().count();
    std::thread::sleep(Duration::from_millis(500));
    assert!(d.ok(&["logs", &chatty]).lines().count() > before);

    // Every reattached container is controllable.
    d.ok(&["stop", "-t", "1", &quiet[0]]);
    assert_eq!(d.state(&quiet[0]), "exited 137");
    d.ok(&["kill", &quiet[1]]);
    assert_eq!(d.state(&quiet[1]), "exited 137");
    let waiter = std::thread::scope(|s| {
        let w = s.spawn(|| d.docker(&["wait", &quiet[2]]));
        std::thread::sleep(Duration::from_millis(300));
        d.ok(&["kill", "-s", "TERM", &quiet[2]]);
        d.ok(&["kill", &quiet[2]]);
        w.join().unwrap()
    });
    assert_eq!(String::from_utf8_lossy(&waiter.stdout).trim(), "137");
    d.ok(&["rm", "-f", &chatty]);
    assert_eq!(d.ok(&["ps", "-q"]).lines().count(), 5);
}
