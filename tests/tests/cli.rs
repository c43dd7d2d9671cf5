//! berth's own docker CLI against the real docker CLI: the same commands
//! on one private berthd, outputs compared after normalising only the
//! seconds that pass between the two runs.

use std::process::Output;
use std::time::Duration;

use berth_tests::TestDaemon;
use berth_tests::pty::PtySession;

/// `12 seconds` → `N seconds`: the two CLIs run a moment apart.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let words: Vec<&str> = text.split(' ').collect();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let next = words.get(i + 1).copied().unwrap_or("");
        if !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()) && next.starts_with("second") {
            out.push_str(&"N".repeat(w.len()));
        } else {
            out.push_str(w);
        }
    }
    out
}

fn shown(o: &Output) -> String {
    format!(
        "exit {}\n--- stdout\n{}--- stderr\n{}",
        o.status.code().unwrap_or(-1),
        normalise(&String::from_utf8_lossy(&o.stdout)),
        normalise(&String::from_utf8_lossy(&o.stderr))
    )
}

/// Runs both CLIs with the same arguments and asserts identical output.
/// A second try absorbs a time that crosses a unit boundary in between.
fn same(d: &TestDaemon, args: &[&str]) {
    let mut last = (String::new(), String::new());
    for _ in 0..2 {
        let ours = shown(&d.berth(args));
        let theirs = shown(&d.docker(args));
        if ours == theirs {
            return;
        }
        last = (ours, theirs);
    }
    panic!(
        "berth docker {args:?} differs from docker:\n=== berth\n{}\n=== docker\n{}",
        last.0, last.1
    );
}

/// Containers in several states, then time enough for two-digit seconds
/// so column widths do not change while the comparisons run.
fn scene() -> TestDaemon {
    let d = TestDaemon::start();
    d.ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "-l",
        "tier=front",
        "-e",
        "MODE=demo",
        "busybox",
        "top",
    ]);
    let done = d.docker(&[
        "run",
        "--name",
        "done",
        "busybox",
        "sh",
        "-c",
        "echo out; echo err >&2; exit 3",
    ]);
    assert_eq!(done.status.code(), Some(3));
    d.ok(&[
        "create",
        "--name",
        "fresh",
        "busybox",
        "sh",
        "-c",
        "while true; do date; sleep 1; done",
    ]);
    std::thread::sleep(Duration::from_secs(10));
    d
}

#[test]
fn ps_matches_docker() {
    let d = scene();
    for args in [
        &["ps"][..],
        &["ps", "-a"],
        &["ps", "-q"],
        &["ps", "-a", "-q"],
        &["ps", "-l"],
        &["ps", "-n", "2"],
        &["ps", "-s"],
        &["ps", "-a", "--no-trunc"],
        &["ps", "-a", "-f", "status=exited"],
        &["ps", "-a", "--filter", "name=web"],
        &["ps", "-a", "--format", "{{.Names}}\\t{{.Status}}"],
        &[
            "ps",
            "-a",
            "--format",
            "table {{.ID}}\\t{{.Names}}\\t{{.Command}}",
        ],
        &["ps", "-a", "--format", "json"],
        &["ps", "-a", "--format", "{{.Names}} {{.Labels}} {{.State}}"],
        &["container", "ls", "-a"],
    ] {
        same(&d, args);
    }
}

#[test]
fn inspect_templates_match_docker() {
    let d = scene();
    for template in [
        "{{.State.Status}}",
        "{{.Name}} {{.State.ExitCode}} {{.State.Running}}",
        "{{json .Config.Cmd}}",
        "{{.Config.Cmd}}",
        "{{.NetworkSettings.Networks.bridge.IPAddress}}",
        "{{range .Config.Env}}[{{.}}]{{end}}",
        "{{index .Config.Labels \"tier\"}}",
        "{{join .Config.Cmd \",\"}}",
        "{{upper .State.Status}} {{lower .Name}}",
        "{{printf \"%s-%d\" .State.Status .State.ExitCode}}",
        "{{len .Config.Env}}",
        "{{if .State.Running}}up{{else}}down{{end}}",
        "{{if eq .State.ExitCode 3}}three{{else}}other{{end}}",
        "{{if ne .State.Status \"running\"}}stopped{{end}}",
        "{{json .Config.Labels}}",
        "{{.Config.Labels}}",
        "{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}",
    ] {
        same(&d, &["inspect", "-f", template, "web", "done"]);
    }
    same(&d, &["inspect", "--format", "{{.Id}} {{.Os}}", "busybox"]);
    same(
        &d,
        &["image", "inspect", "-f", "{{.Config.Cmd}}", "busybox"],
    );
    same(&d, &["container", "inspect", "-f", "{{.Path}}", "fresh"]);
}

#[test]
fn images_logs_top_and_history_match_docker() {
    let d = scene();
    for args in [
        &["images"][..],
        &["images", "-q"],
        &["images", "busybox"],
        &["images", "--digests"],
        &["images", "--format", "{{.Repository}}:{{.Tag}} {{.Size}}"],
        &["image", "ls"],
        &["logs", "done"],
        &["logs", "--tail", "1", "done"],
        &["logs", "-t", "done"],
        &["top", "web"],
        &["top", "web", "-o", "pid,comm"],
        &["history", "busybox"],
        &["history", "--no-trunc", "hello-world"],
        &["history", "-q", "busybox"],
        &["port", "web"],
        &["wait", "done"],
        &["stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}"],
        &["logs", "--since", "10m", "done"],
        &["logs", "--until", "1s", "done"],
        &["inspect", "-s", "-f", "{{.SizeRw}} {{.SizeRootFs}}", "web"],
        &[
            "exec",
            "-e",
            "X=1",
            "-w",
            "/tmp",
            "-u",
            "nobody",
            "web",
            "sh",
            "-c",
            "echo $X $(pwd) $(id -un)",
        ],
        &["pull", "busybox"],
        &["pull", "-q", "hello-world:latest"],
        &["exec", "-d", "web", "touch", "/tmp/detached"],
        &["exec", "web", "ls", "/tmp/detached"],
        &["start", "-a", "done"],
    ] {
        same(&d, args);
    }
}

#[test]
fn events_match_docker() {
    let d = TestDaemon::start();
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    let since = (now() - 1).to_string();
    d.ok(&["run", "--rm", "--name", "brief", "busybox", "true"]);
    d.ok(&["tag", "busybox", "mine:1"]);
    d.ok(&["rmi", "mine:1"]);
    std::thread::sleep(Duration::from_millis(1100));
    let until = (now() + 1).to_string();
    std::thread::sleep(Duration::from_millis(1100));
    for extra in [
        &[][..],
        &[
            "--format",
            "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}",
        ],
        &["-f", "type=image"],
    ] {
        let mut args = vec!["events", "--since", &since, "--until", &until];
        args.extend_from_slice(extra);
        same(&d, &args);
    }
    let ours = String::from_utf8(
        d.berth(&["events", "--since", &since, "--until", &until])
            .stdout,
    )
    .unwrap();
    assert!(
        ours.contains(" container start ") && ours.contains(" image untag "),
        "{ours}"
    );
}

#[test]
fn errors_and_exit_codes_match_docker() {
    let d = TestDaemon::start();
    d.ok(&["run", "-d", "--name", "web", "busybox", "top"]);
    for args in [
        &["inspect", "nosuch"][..],
        &["container", "inspect", "nosuch"],
        &["rm", "nosuch"],
        &["logs", "nosuch"],
        &["start", "nosuch"],
        &["stop", "nosuch"],
        &["rmi", "nosuch"],
        &["run", "ubuntu"],
        &["run", "busybox", "nosuchcommand"],
        &["run", "busybox", "sh", "-c", "exit 7"],
        &["exec", "web", "sh", "-c", "exit 4"],
        &["exec", "web", "nosuchcommand"],
        &["run", "--foo", "busybox"],
        &["run", "-z", "busybox"],
        &["ps", "-x"],
        &["rm"],
        &["logs"],
        &["rename", "web"],
        &["ps", "extra"],
        &["run", "-e"],
        &["run", "--name"],
        &["run", "-m", "abc", "busybox"],
        &["stop", "-t", "x", "web"],
        &["run", "-help"],
        &["frob"],
        &["container", "frob"],
        &["inspect", "-f", "{.NetworkSettings.IPAddress}", "web"],
        &["inspect", "-f", "{{.State.Nope}}", "web"],
        &["inspect", "-f", "{{ .Config.Cmd }} {{.Nope}}", "web"],
    ] {
        same(&d, args);
    }
}

#[test]
fn version_has_dockers_layout() {
    let d = TestDaemon::start();
    let ours = String::from_utf8(d.berth(&["version"]).stdout).unwrap();
    let theirs = d.ok(&["version"]);
    let labels = |text: &str| -> Vec<String> {
        text.lines()
            .map(|l| l.split(':').next().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(
        labels(&ours),
        labels(&theirs),
        "ours:\n{ours}\ntheirs:\n{theirs}"
    );
    // the server part is the engine's answer: identical
    let server = |text: &str| text.split("\nServer").nth(1).unwrap_or("").to_string();
    assert_eq!(server(&ours), server(&theirs));
    assert!(
        ours.contains("API version:       1.41 (downgraded from"),
        "{ours}"
    );
}

#[test]
fn lifecycle_through_berth_alone() {
    let d = TestDaemon::start();
    let run = |args: &[&str]| {
        let o = d.berth(args);
        assert!(
            o.status.success(),
            "berth docker {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    };
    let id = run(&[
        "run",
        "-d",
        "--name",
        "svc",
        "--restart",
        "on-failure:2",
        "-m",
        "64m",
        "--cpus",
        "0.5",
        "--pids-limit",
        "20",
        "busybox",
        "top",
    ]);
    assert_eq!(id.trim().len(), 64);
    assert_eq!(
        d.inspect("svc", "{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}} {{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}"),
        "on-failure:2 67108864 500000000 20"
    );
    assert_eq!(run(&["stop", "-t", "1", "svc"]), "svc\n");
    assert_eq!(d.state("svc"), "exited 143");
    assert_eq!(run(&["start", "svc"]), "svc\n");
    assert_eq!(run(&["restart", "-t", "1", "svc"]), "svc\n");
    assert_eq!(run(&["kill", "-s", "KILL", "svc"]), "svc\n");
    assert_eq!(d.state("svc"), "exited 137");
    run(&["rename", "svc", "svc2"]);
    assert_eq!(run(&["rm", "svc2"]), "svc2\n");
    // env, env-file, workdir, user, hostname, entrypoint and labels reach the container
    let env_file = d.root().join("env.list");
    std::fs::write(&env_file, "# comment\nFROM_FILE=yes\n").unwrap();
    let out = run(&[
        "run",
        "--rm",
        "-e",
        "A=1",
        "--env-file",
        env_file.to_str().unwrap(),
        "-w",
        "/tmp",
        "-u",
        "nobody",
        "--hostname",
        "box",
        "--entrypoint",
        "sh",
        "busybox",
        "-c",
        "echo $A $FROM_FILE $(pwd) $(id -un) $(hostname)",
    ]);
    assert_eq!(out, "1 yes /tmp nobody box\n");
    // stdin piped through -i
    let mut child = d
        .berth_command(&["run", "-i", "--rm", "busybox", "tr", "a-z", "A-Z"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"piped\n").unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), "PIPED\n");
    // rm of everything by substitution, as the guide teaches
    run(&["run", "--name", "first", "busybox", "true"]);
    run(&["create", "--name", "second", "busybox"]);
    let o = d.sh(&format!(
        "B={}; $B docker rm $($B docker ps -a -q)",
        berth_tests::bin_dir().join("berth").display()
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(d.ok(&["ps", "-a", "-q"]), "");
}

const T: Duration = Duration::from_secs(15);

#[test]
fn exec_it_and_logs_follow_end_cleanly() {
    let d = TestDaemon::start();
    d.ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "busybox",
        "sh",
        "-c",
        "while true; do echo tick; sleep 0.2; done",
    ]);
    let mut sh = PtySession::spawn(d.berth_command(&["exec", "-it", "web", "sh"]), 24, 80);
    sh.expect("# ", T);
    sh.send(b"echo inside-$((2+3))\r");
    sh.expect("inside-5", T);
    sh.send(b"exit 5\r");
    assert_eq!(sh.wait_status(T).code(), Some(5));
    assert!(sh.is_cooked());
    // Ctrl-C ends logs -f and leaves the terminal as it was
    let mut logs = PtySession::spawn(d.berth_command(&["logs", "-f", "web"]), 24, 80);
    let at = logs.expect("tick", T);
    logs.expect_after(at, "tick", T);
    logs.send(b"\x03");
    let status = logs.wait_status(T);
    assert!(!status.success());
    assert!(logs.is_cooked());
    // and stats redraws its screen until Ctrl-C
    let mut stats = PtySession::spawn(d.berth_command(&["stats"]), 24, 120);
    let at = stats.expect("CONTAINER ID", T);
    stats.expect_after(at, "\x1b[2J", T);
    stats.expect("web", T);
    stats.send(b"\x03");
    stats.wait_status(T);
    assert!(stats.is_cooked());
}

/// berth's own engine home (BERTH_ENGINE_DIR) in a new network namespace,
/// with no DOCKER_HOST: what `berth docker` does on a machine where
/// nothing runs yet.
fn berth_in_own_home(d: &TestDaemon, uid: Option<u32>, args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new("unshare");
    cmd.arg("--net");
    if let Some(uid) = uid {
        cmd.args([
            "setpriv",
            &format!("--reuid={uid}"),
            &format!("--regid={uid}"),
            "--clear-groups",
        ]);
    }
    cmd.arg(berth_tests::bin_dir().join("berth"))
        .arg("docker")
        .args(args)
        .env_remove("DOCKER_HOST")
        .env_remove("BERTH_HOST")
        .env("BERTH_ENGINE_DIR", d.root())
        .env("BERTH_CGROUP_PARENT", &d.cgroup_parent)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("running berth")
}

#[test]
fn berth_starts_its_engine_when_none_answers() {
    let d = TestDaemon::unstarted();
    // not root: nothing is started, and the message says how to fix it
    let o = berth_in_own_home(&d, Some(65534), &["ps"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Cannot connect to the berth engine") && err.contains("as root"),
        "{err}"
    );
    assert!(!d.root().join("berthd.pid").exists());
    // root: berthd starts in the background and the command goes through
    let o = berth_in_own_home(&d, None, &["run", "--rm", "hello-world"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("no engine answered") && err.contains("started"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("Hello from berth!"));
    // the engine stays: the next command finds it and says nothing about it
    let o = d.berth(&["ps", "-a", "-q"]);
    assert!(o.status.success());
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
