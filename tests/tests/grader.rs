//! The grader against a private berthd: every check kind passes when the
//! engine shows what it asks for, and fails with expected versus actual.

use std::io::{Read, Write};
use std::time::Duration;

use berth_grader::Outcome;
use berth_labs::progress::JournalEntry;
use berth_tests::TestDaemon;
use berth_tests::grading::Grader;

fn passes(o: &Outcome) {
    assert!(o.passed, "expected a pass: {o:?}");
}

fn fails(o: &Outcome, expected: &str, actual: &str) {
    assert!(!o.passed, "expected a failure: {o:?}");
    assert!(
        o.expected.contains(expected),
        "expected text {:?} lacks {expected:?}",
        o.expected
    );
    assert!(
        o.actual.contains(actual),
        "actual text {:?} lacks {actual:?}",
        o.actual
    );
}

#[test]
fn container_checks() {
    let d = TestDaemon::start();
    let g = Grader::connect(&d.socket);
    let none = g.judge(
        "kind = \"container\"\nimage = \"hello-world\"\nstate = \"exited\"\nfail = \"run it\"",
    );
    fails(
        &none,
        "a container from image hello-world with state exited",
        "no container from image hello-world",
    );
    assert_eq!(none.fail.as_deref(), Some("run it"));
    d.ok(&["run", "--name", "hw", "hello-world"]);
    passes(
        &g.judge(
            "kind = \"container\"\nimage = \"hello-world\"\nstate = \"exited\"\nexit_code = 0",
        ),
    );
    passes(&g.judge("kind = \"container\"\nname = \"hw\"\ncommand = \"^/hello$\""));
    fails(
        &g.judge(
            "kind = \"container\"\nimage = \"docker.io/library/hello-world:latest\"\nexit_code = 3",
        ),
        "exit code 3",
        "hw (exited, exit code 0)",
    );
    fails(
        &g.judge("kind = \"container\"\nimage = \"hello-world\"\ncount = 0"),
        "exactly 0 container",
        "1 matching",
    );
    d.ok(&[
        "run",
        "-d",
        "--name",
        "svc",
        "--restart",
        "always",
        "-m",
        "64m",
        "--cpus",
        "0.5",
        "--pids-limit",
        "20",
        "-l",
        "tier=front",
        "busybox",
        "top",
    ]);
    passes(&g.judge(
        "kind = \"container\"\nname = \"svc\"\nstate = \"running\"\nrestart_policy = \"always\"\nmemory = \"64m\"\ncpus = 0.5\npids_limit = 20\nlabels = { tier = \"front\" }",
    ));
    fails(
        &g.judge("kind = \"container\"\nname = \"svc\"\nmemory = \"32m\"\nrestart_policy = \"no\""),
        "restart policy no, memory limit 33554432 bytes",
        "svc (running, restart always, memory 67108864)",
    );
    // stable_for: a container that dies within the window fails
    d.ok(&[
        "run",
        "-d",
        "--name",
        "brief",
        "busybox",
        "sh",
        "-c",
        "sleep 1; exit 1",
    ]);
    fails(
        &g.judge(
            "kind = \"container\"\nname = \"brief\"\nstate = \"running\"\nstable_for = \"3s\"",
        ),
        "for 3 s",
        "it held, then",
    );
    // within: waits for the state to arrive
    d.ok(&[
        "run", "-d", "--name", "later", "busybox", "sh", "-c", "sleep 1",
    ]);
    passes(&g.judge("kind = \"container\"\nname = \"later\"\nstate = \"exited\"\nwithin = \"5s\""));
}

#[test]
fn image_checks() {
    let d = TestDaemon::start();
    let g = Grader::connect(&d.socket);
    passes(&g.judge("kind = \"image\"\nreference = \"busybox\""));
    passes(&g.judge("kind = \"image\"\nreference = \"nosuch:1\"\nexists = false"));
    fails(
        &g.judge("kind = \"image\"\nreference = \"nosuch:1\""),
        "an image nosuch:1",
        "no image nosuch:1",
    );
    passes(&g.judge("kind = \"image\"\nreference = \"hello-world\"\ncmd = [\"/hello\"]\nlayers = 1\nmax_size = \"1m\""));
    fails(
        &g.judge("kind = \"image\"\nreference = \"hello-world\"\ncmd = [\"/bye\"]\nlabels = { app = \"x\" }"),
        "cmd [\"/bye\"]",
        "label app is \"\", cmd [\"/hello\"]",
    );
}

#[test]
fn exec_and_log_checks() {
    let d = TestDaemon::start();
    let g = Grader::connect(&d.socket);
    fails(
        &g.judge("kind = \"exec\"\ncontainer = \"web\"\nrun = [\"true\"]"),
        "`true` in container web exits 0",
        "no container named web",
    );
    d.ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "busybox",
        "sh",
        "-c",
        "echo served; echo oops >&2; sleep 1000",
    ]);
    passes(&g.judge("kind = \"exec\"\ncontainer = \"web\"\nrun = [\"sh\", \"-c\", \"hostname; exit 0\"]\noutput_matches = '^[0-9a-f]{12}'"));
    fails(
        &g.judge("kind = \"exec\"\nimage = \"busybox\"\nrun = [\"sh\", \"-c\", \"echo nope; exit 4\"]\noutput_contains = \"yes\""),
        "exits 0 printing \"yes\"",
        "exit 4, output \"nope\"",
    );
    passes(&g.judge("kind = \"log\"\ncontainer = \"web\"\ncontains = \"served\"\nwithin = \"3s\""));
    passes(&g.judge("kind = \"log\"\nimage = \"busybox\"\nmatches = \"oops\""));
    fails(
        &g.judge("kind = \"log\"\ncontainer = \"web\"\ncontains = \"missing\""),
        "contains \"missing\"",
        "served",
    );
}

/// A one-shot HTTP server on a loopback port this test owns.
fn serve_once(body: &'static str) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = listener.accept() {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

#[test]
fn http_and_command_checks() {
    let d = TestDaemon::start();
    let g = Grader::connect(&d.socket);
    let port = serve_once("hello from the web");
    passes(&g.judge(&format!(
        "kind = \"http\"\nurl = \"http://127.0.0.1:{port}/\"\nbody_contains = \"hello\""
    )));
    let port = serve_once("other");
    fails(
        &g.judge(&format!(
            "kind = \"http\"\nurl = \"http://127.0.0.1:{port}/\"\nbody_contains = \"hello\""
        )),
        "with a body containing \"hello\"",
        "200 with body \"other\"",
    );
    // a closed port: bind, note, drop
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    fails(
        &g.judge(&format!(
            "kind = \"http\"\nurl = \"http://127.0.0.1:{closed}/\""
        )),
        "answers 200",
        "cannot connect",
    );
    let entry = |line: &str, code: i32| JournalEntry {
        time: chrono::Utc::now(),
        lab: Some("run".into()),
        step: Some("ps".into()),
        line: line.into(),
        exit_code: code,
        duration_ms: 5,
    };
    let c = "kind = \"command\"\npattern = '^docker ps\\b.*-a'";
    fails(
        &g.judge_with(c, &[]),
        "a command matching",
        "no command typed in this step yet",
    );
    fails(
        &g.judge_with(c, &[entry("docker ps -a --bogus", 125)]),
        "exits 0",
        "`docker ps -a --bogus` exited 125",
    );
    passes(&g.judge_with(c, &[entry("docker ps", 0), entry("docker ps -a", 0)]));
    let _ = Duration::ZERO;
}
