//! The container's security defaults, seen from inside.

use berth_tests::{TestDaemon, stderr, stdout};

#[test]
fn default_seccomp_profile_blocks_what_docker_blocks() {
    let d = TestDaemon::start();
    // User namespaces need no capability: only the profile refuses them.
    let out = d.docker(&["run", "--rm", "busybox", "unshare", "-U", "true"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("Operation not permitted"),
        "{}",
        stderr(&out)
    );
    let out = d.docker(&[
        "run",
        "--rm",
        "--security-opt",
        "seccomp=unconfined",
        "busybox",
        "unshare",
        "-U",
        "true",
    ]);
    assert!(
        out.status.success(),
        "without the profile it works: {}",
        stderr(&out)
    );
    let status = d.ok(&[
        "run",
        "--rm",
        "busybox",
        "grep",
        "-E",
        "Seccomp:|NoNewPrivs",
        "/proc/self/status",
    ]);
    assert_eq!(
        status.split_whitespace().collect::<Vec<_>>(),
        ["NoNewPrivs:", "0", "Seccomp:", "2"],
        "{status}"
    );
    let nnp = d.ok(&[
        "run",
        "--rm",
        "--security-opt",
        "no-new-privileges",
        "busybox",
        "grep",
        "NoNewPrivs",
        "/proc/self/status",
    ]);
    assert!(nnp.contains('1'), "{nnp}");
    let out = d.docker(&["run", "--rm", "--security-opt", "bogus", "busybox", "true"]);
    assert!(
        stderr(&out).contains("Invalid --security-opt"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn masked_and_read_only_proc_paths() {
    let d = TestDaemon::start();
    // Masked files read as empty (or do not exist on this kernel).
    for path in [
        "/proc/kcore",
        "/proc/keys",
        "/proc/timer_list",
        "/proc/sched_debug",
    ] {
        let out = d.docker(&[
            "run",
            "--rm",
            "busybox",
            "sh",
            "-c",
            &format!("cat {path} 2>/dev/null | wc -c"),
        ]);
        assert_eq!(stdout(&out).trim(), "0", "{path} leaks through");
    }
    let out = d.docker(&[
        "run",
        "--rm",
        "busybox",
        "sh",
        "-c",
        "echo x > /proc/sys/kernel/hostname",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("Read-only file system"),
        "{}",
        stderr(&out)
    );
    let out = d.docker(&[
        "run",
        "--rm",
        "busybox",
        "sh",
        "-c",
        "echo b > /proc/sysrq-trigger",
    ]);
    assert!(!out.status.success());
}

#[test]
fn runtime_helper_runs_from_a_sealed_copy_and_no_fd_leaks() {
    let d = TestDaemon::start();
    let id = d.ok(&["run", "-d", "busybox", "sleep", "1000"]);
    let shim_pid: i32 = std::fs::read_to_string(
        d.exec_root
            .join("containers")
            .join(id.trim())
            .join("shim.pid"),
    )
    .unwrap()
    .trim()
    .parse()
    .unwrap();
    let helper = std::path::PathBuf::from(format!("/proc/{shim_pid}/fd/4"));
    let target = std::fs::read_link(&helper).unwrap();
    assert!(
        target
            .to_string_lossy()
            .starts_with("/memfd:berth-runtime-helper"),
        "{target:?}"
    );
    // Root on the host cannot change it either: it is sealed.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(&helper)
        .unwrap();
    let err = std::io::Write::write_all(&mut f, b"overwrite").unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EPERM), "{err}");
    // (an open write descriptor would make the next exec fail with ETXTBSY)
    drop(f);
    // Only stdio reaches the container's processes (ls itself opens one).
    let fds = d.ok(&["run", "--rm", "busybox", "ls", "/proc/self/fd"]);
    assert_eq!(
        fds.split_whitespace().collect::<Vec<_>>(),
        ["0", "1", "2", "3"],
        "{fds}"
    );
    let fds = d.ok(&["exec", id.trim(), "ls", "/proc/self/fd"]);
    assert_eq!(
        fds.split_whitespace().collect::<Vec<_>>(),
        ["0", "1", "2", "3"],
        "{fds}"
    );
}

#[test]
fn exec_processes_get_the_containers_seccomp_profile() {
    let d = TestDaemon::start();
    d.ok(&[
        "run", "-d", "--name", "confined", "busybox", "sleep", "1000",
    ]);
    let status = d.ok(&["exec", "confined", "grep", "Seccomp:", "/proc/self/status"]);
    assert!(status.contains('2'), "{status}");
    let out = d.docker(&["exec", "confined", "unshare", "-U", "true"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("Operation not permitted"),
        "{}",
        stderr(&out)
    );
    // setns stays allowed for the tenant path, but needs CAP_SYS_ADMIN
    let out = d.docker(&["exec", "confined", "nsenter", "-t", "1", "-n", "true"]);
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("Operation not permitted"),
        "{}",
        stderr(&out)
    );
    d.ok(&[
        "run",
        "-d",
        "--name",
        "free",
        "--security-opt",
        "seccomp=unconfined",
        "busybox",
        "sleep",
        "1000",
    ]);
    let status = d.ok(&["exec", "free", "grep", "Seccomp:", "/proc/self/status"]);
    assert!(status.contains('0'), "{status}");
}
