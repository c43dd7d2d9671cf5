//! The guide's "Run a container" commands through the real docker CLI.

use berth_tests::{TestDaemon, stderr, stdout};

#[test]
fn hello_world_explains_what_happened() {
    let d = TestDaemon::start();
    let out = d.ok(&["run", "hello-world"]);
    assert!(out.contains("Hello from berth!"), "{out}");
    assert!(out.contains("docker run -it busybox sh"), "{out}");
}

#[test]
fn whalesay_says_the_arguments() {
    let d = TestDaemon::start();
    let out = d.ok(&["run", "docker/whalesay", "cowsay", "Go Docker"]);
    assert!(out.contains("< Go Docker >"), "{out}");
}

#[test]
fn detached_run_prints_the_id_and_logs_keep_the_output() {
    let d = TestDaemon::start();
    let id = d.ok(&["run", "-d", "docker/whalesay", "cowsay", "Detached"]);
    let id = id.trim();
    assert_eq!(id.len(), 64, "{id}");
    assert_eq!(d.ok(&["wait", id]).trim(), "0");
    assert!(d.ok(&["logs", id]).contains("< Detached >"));
}

#[test]
fn piped_stdin_reaches_the_container() {
    let d = TestDaemon::start();
    let out = d.docker_with_stdin(&["run", "--rm", "-i", "busybox", "cat"], b"x\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "x\n");
}

#[test]
fn exit_codes_propagate() {
    let d = TestDaemon::start();
    let out = d.docker(&["run", "--rm", "busybox", "sh", "-c", "exit 7"]);
    assert_eq!(out.status.code(), Some(7));
    // a command missing from the image: docker's 127
    let out = d.docker(&["run", "--rm", "busybox", "no-such-command"]);
    assert_eq!(out.status.code(), Some(127), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("executable file not found"),
        "{}",
        stderr(&out)
    );
    let out = d.docker(&["run", "--rm", "busybox", ""]);
    assert_eq!(out.status.code(), Some(127), "{}", stderr(&out));
    let out = d.docker(&["run", "--rm", "busybox", "/etc/passwd"]);
    assert_eq!(
        out.status.code(),
        Some(126),
        "not executable: {}",
        stderr(&out)
    );
    // a network that does not exist: found missing at start, no pull
    let out = d.docker(&["run", "--network", "nosuchnet", "busybox", "true"]);
    assert_eq!(out.status.code(), Some(125));
    assert!(
        stderr(&out).contains("network nosuchnet not found"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("Unable to find image"),
        "{}",
        stderr(&out)
    );
    // an image berth cannot have offline: an engine error, 125
    let out = d.docker(&["run", "--rm", "ubuntu"]);
    assert_eq!(out.status.code(), Some(125));
    let err = stderr(&out);
    assert!(
        err.contains("Unable to find image 'ubuntu:latest' locally"),
        "{err}"
    );
    assert!(
        err.contains("busybox:latest"),
        "the message names the catalog: {err}"
    );
}

#[test]
fn management_command_forms() {
    let d = TestDaemon::start();
    assert_eq!(
        d.ok(&["container", "run", "--rm", "busybox", "echo", "hi"]),
        "hi\n"
    );
    let images = d.ok(&["image", "ls"]);
    for name in ["busybox", "hello-world", "docker/whalesay"] {
        assert!(images.contains(name), "{images}");
    }
}

#[test]
fn run_resolves_user_workdir_env_and_hostname() {
    let d = TestDaemon::start();
    let out = d.ok(&[
        "run",
        "--rm",
        "-u",
        "nobody",
        "-w",
        "/work/here",
        "-e",
        "GREETING=hi",
        "--hostname",
        "berthbox",
        "busybox",
        "sh",
        "-c",
        "id -u; pwd; echo $GREETING; hostname; cat /etc/hostname",
    ]);
    assert_eq!(out, "65534\n/work/here\nhi\nberthbox\nberthbox\n");
    let out = d.ok(&["run", "--rm", "--entrypoint", "echo", "busybox", "a", "b"]);
    assert_eq!(out, "a b\n");
    let out = d.docker(&["run", "--rm", "-u", "nosuchuser", "busybox", "true"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("unable to find user nosuchuser"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn containers_are_isolated() {
    let d = TestDaemon::start();
    // ps lists the container's processes: sh (PID 1), ps, and maybe the
    // pipeline's own tail (it may not have started when ps reads /proc).
    let out = d.ok(&[
        "run",
        "--rm",
        "busybox",
        "sh",
        "-c",
        "echo $$; ls /sys/class/net; ps -o comm | tail -n +2",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "1", "the command is PID 1: {out}");
    assert_eq!(
        lines[1], "lo",
        "a default container has only loopback for now: {out}"
    );
    let seen = &lines[2..];
    assert!(seen.starts_with(&["sh", "ps"]), "{out}");
    // (busybox ash starts applets through /proc/self/exe, so the pipeline's
    // tail may still be called "exe")
    assert!(
        seen.len() <= 3,
        "no process from outside the container: {out}"
    );
    let out = d.ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "busybox",
        "grep",
        "CapEff",
        "/proc/self/status",
    ]);
    assert!(
        out.contains("00000000a80425fb"),
        "Docker's default capabilities: {out}"
    );
}

#[test]
fn detach_keys_end_an_attach_and_leave_the_container_running() {
    use std::io::{Read, Write};
    let d = TestDaemon::start();
    let id = d.ok(&["run", "-d", "-i", "busybox", "cat"]);
    let id = id.trim();
    // The docker CLI waits for the container to exit after a non-TTY
    // attach ends, so speak the API: a hijacked attach with detach keys.
    let mut s = std::os::unix::net::UnixStream::connect(&d.socket).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        s,
        "POST /v1.41/containers/{id}/attach?stream=1&stdin=1&stdout=1&detachKeys=ctrl-a,x HTTP/1.1\r\nHost: berth\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    assert!(
        String::from_utf8_lossy(&head).starts_with("HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    s.write_all(b"hello\n").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    s.write_all(b"\x01x").unwrap();
    let mut rest = Vec::new();
    s.read_to_end(&mut rest)
        .expect("the attach ends at the detach keys");
    // cat echoed the line back in one stdout frame
    assert_eq!(rest, b"\x01\x00\x00\x00\x00\x00\x00\x06hello\n");
    let status = d.ok(&["inspect", "-f", "{{.State.Status}}", id]);
    assert_eq!(status.trim(), "running");
}

#[test]
fn exec_runs_in_the_container_with_its_exit_code() {
    let d = TestDaemon::start();
    let id = d.ok(&[
        "run", "-d", "-e", "FOO=bar", "--name", "box", "busybox", "top",
    ]);
    let id = id.trim();
    assert_eq!(d.ok(&["exec", id, "echo", "x"]), "x\n");
    // same namespaces and environment as the container
    let out = d.ok(&[
        "exec",
        "box",
        "sh",
        "-c",
        "echo $FOO $HOSTNAME; ps -o comm | grep -c top",
    ]);
    assert_eq!(out, format!("bar {}\n1\n", &id[..12]));
    let out = d.docker(&["exec", "box", "sh", "-c", "exit 5"]);
    assert_eq!(out.status.code(), Some(5));
    let out = d.docker_with_stdin(&["exec", "-i", "box", "cat"], b"hello\n");
    assert_eq!(stdout(&out), "hello\n");
    assert_eq!(
        d.ok(&[
            "exec",
            "-u",
            "nobody",
            "-w",
            "/tmp",
            "-e",
            "A=1",
            "box",
            "sh",
            "-c",
            "id -u; pwd; echo $A"
        ]),
        "65534\n/tmp\n1\n"
    );
    let out = d.docker(&["exec", "box", "nosuch"]);
    assert_eq!(
        out.status.code(),
        Some(127),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("executable file not found"),
        "{}",
        stdout(&out)
    );
    // -d returns at once; the process runs in the container's cgroup
    d.ok(&["exec", "-d", "box", "sleep", "30"]);
    let top = d.ok(&["top", "box"]);
    assert!(top.contains("sleep 30"), "{top}");
    d.ok(&["stop", "box"]);
    let out = d.docker(&["exec", "box", "true"]);
    assert!(stderr(&out).contains("is not running"), "{}", stderr(&out));
}
