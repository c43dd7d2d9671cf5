//! `docker run -it` on a real pseudo-terminal, through docker's CLI and
//! berth's: typing, Ctrl-C, window size, detach (Ctrl-P Ctrl-Q) and attach
//! again.

use std::time::Duration;

use berth_tests::TestDaemon;
use berth_tests::pty::PtySession;

const T: Duration = Duration::from_secs(15);

/// A docker client: the real CLI or berth's.
type Client = fn(&TestDaemon, &[&str]) -> std::process::Command;

/// Typing, window size, Ctrl-C to the container's foreground process,
/// Ctrl-P Ctrl-Q detach (the container runs on, the terminal is cooked
/// again), `attach` in a smaller window, and an exit code.
fn interactive_shell_detach_and_attach(client: Client) {
    let d = TestDaemon::start();
    let mut sh = PtySession::spawn(
        client(&d, &["run", "-it", "--name", "tt", "busybox", "sh"]),
        30,
        100,
    );
    sh.expect("/ # ", T);
    sh.send(b"echo typed-$((6*7)); stty size\r");
    let at = sh.expect("typed-42", T);
    let at = sh.expect_after(at, "30 100", T);
    sh.send(b"sleep 100\r");
    let at = sh.expect_after(at, "sleep 100", T);
    std::thread::sleep(Duration::from_millis(300));
    sh.send(b"\x03");
    sh.send(b"echo interrupted\r");
    sh.expect_after(at, "\ninterrupted", Duration::from_secs(5));
    sh.send(b"\x10\x11");
    let status = sh.wait_status(T);
    assert!(status.success(), "{status}");
    assert!(sh.is_cooked(), "the client left the terminal in raw mode");
    assert_eq!(d.inspect("tt", "{{.State.Status}}"), "running");
    let mut again = PtySession::spawn(client(&d, &["attach", "tt"]), 20, 80);
    std::thread::sleep(Duration::from_millis(500));
    again.send(b"echo back; stty size\r");
    let at = again.expect("back", T);
    again.expect_after(at, "20 80", T);
    again.send(b"exit 3\r");
    let status = again.wait_status(T);
    assert_eq!(status.code(), Some(3));
    assert!(again.is_cooked());
    assert_eq!(d.state("tt"), "exited 3");
}

#[test]
fn interactive_shell_with_job_control_detach_and_attach() {
    interactive_shell_detach_and_attach(TestDaemon::docker_command);
}

#[test]
fn berths_run_it_types_interrupts_detaches_and_attaches() {
    interactive_shell_detach_and_attach(TestDaemon::berth_command);
}

#[test]
fn exit_code_of_an_interactive_run() {
    let d = TestDaemon::start();
    let mut sh = PtySession::spawn(
        d.docker_command(&["run", "-it", "--rm", "busybox", "sh"]),
        24,
        80,
    );
    sh.expect("/ # ", T);
    sh.send(b"exit 7\r");
    let (status, _) = sh.wait(T);
    assert_eq!(status.code(), Some(7));
    assert_eq!(d.ok(&["ps", "-a", "-q"]), "");
}

#[test]
fn exec_it_gives_a_shell_in_the_running_container() {
    let d = TestDaemon::start();
    d.ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "busybox",
        "sh",
        "-c",
        "echo served > /tmp/page; sleep 1000",
    ]);
    let mut sh = PtySession::spawn(d.docker_command(&["exec", "-it", "web", "sh"]), 25, 90);
    sh.expect("# ", T);
    sh.send(b"cat /tmp/page; stty size; echo $TERM\r");
    let at = sh.expect("served", T);
    let at = sh.expect_after(at, "25 90", T);
    sh.expect_after(at, "xterm", T);
    sh.send(b"exit 4\r");
    let (status, _) = sh.wait(T);
    assert_eq!(status.code(), Some(4));
    assert_eq!(
        d.ok(&["inspect", "-f", "{{.State.Status}}", "web"]).trim(),
        "running"
    );
}
