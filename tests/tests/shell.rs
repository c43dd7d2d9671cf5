//! The teaching shell on a real terminal, `berth lab test`, `berth lab
//! lint` and `berth grade`, against private daemons.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use berth_tests::TestDaemon;
use berth_tests::pty::PtySession;

const T: Duration = Duration::from_secs(20);

fn berth() -> PathBuf {
    berth_tests::bin_dir().join("berth")
}

fn run_lab_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../labs/catalog/run.toml")
}

/// `berth` (the shell) against this daemon, with its own state directory.
fn shell_command(d: &TestDaemon, state: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(berth());
    cmd.args(args)
        .env("BERTH_HOST", format!("unix://{}", d.socket.display()))
        .env_remove("DOCKER_HOST")
        .env("BERTH_STATE_DIR", state)
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    cmd
}

/// The screen without terminal control sequences or carriage returns.
fn text(screen: &str) -> String {
    let mut out = String::new();
    let mut chars = screen.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => {
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for n in chars.by_ref() {
                        if ('@'..='~').contains(&n) {
                            break;
                        }
                    }
                } else {
                    chars.next();
                }
            }
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Sends a line and waits until `needle` shows after it.
fn type_line(sh: &mut PtySession, line: &str, needle: &str) -> usize {
    let mark = sh.screen.len();
    sh.send(format!("{line}\r").as_bytes());
    sh.expect_after(mark, needle, T)
}

/// The rest of the screen line that starts at `at`.
fn line_at(sh: &mut PtySession, at: usize) -> String {
    let end = sh.expect_after(at, "\n", T);
    text(&sh.screen[at..end]).trim_end().to_string()
}

#[test]
fn every_catalog_lab_passes_its_lab_test_and_lints() {
    let d = TestDaemon::unstarted();
    // the catalog as berth finds it (the source tree first)
    let catalog = berth_labs::catalog().expect("the catalog loads");
    let files: Vec<PathBuf> = catalog.iter().map(|(f, _)| f.clone()).collect();
    let steps: usize = catalog.iter().map(|(_, lab)| lab.steps.len()).sum();
    let o = Command::new("unshare")
        .arg("--net")
        .arg(berth())
        .args(["lab", "test"])
        .args(&files)
        .env_remove("DOCKER_HOST")
        .env_remove("BERTH_HOST")
        .env("BERTH_ENGINE_DIR", d.root())
        .env("BERTH_CGROUP_PARENT", &d.cgroup_parent)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "lab test failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        stdout
            .matches("fails before its solution, passes after")
            .count(),
        steps,
        "{stdout}"
    );
    assert_eq!(
        stdout.matches("reset restores the engine").count(),
        files.len(),
        "{stdout}"
    );
    let o = Command::new(berth())
        .args(["lab", "lint"])
        .args(&files)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // a broken lab names file, line and column
    let bad = d.root().join("bad.toml");
    let broken = std::fs::read_to_string(run_lab_file()).unwrap().replacen(
        "state = \"exited\"",
        "state = \"finished\"",
        1,
    );
    std::fs::write(&bad, broken).unwrap();
    let o = Command::new(berth())
        .args(["lab", "lint"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.toml: line 23, column 12: unknown variant `finished`"),
        "{err}"
    );
}

#[test]
fn a_new_user_does_the_run_lab_from_the_screen_and_hints_alone() {
    let d = TestDaemon::start();
    let state = tempfile::tempdir().unwrap();
    let lab = berth_labs::load(&run_lab_file()).unwrap();
    let mut sh = PtySession::spawn(shell_command(&d, state.path(), &["--plain"]), 40, 160);
    sh.expect("berth> ", T);
    let at = type_line(&mut sh, "labs", "run ");
    assert!(line_at(&mut sh, at).contains("not started"));
    type_line(
        &mut sh,
        "lab start run",
        "Step 1 of 15: Run your first container",
    );
    for (i, step) in lab.steps.iter().enumerate() {
        let mut last = String::new();
        for n in 1..=step.hints.len() {
            let at = type_line(
                &mut sh,
                "hint",
                &format!("Hint {n} of {}: ", step.hints.len()),
            );
            last = line_at(&mut sh, at);
        }
        let at = type_line(
            &mut sh,
            &last,
            &format!("PASS: Step {} passed: {}", i + 1, step.title),
        );
        if i + 1 < lab.steps.len() {
            sh.expect_after(at, &format!("Step {} of 15", i + 2), T);
        }
    }
    sh.expect("Lab run complete: 15 of 15 steps passed", T);
    type_line(&mut sh, "exit", "\n");
    assert!(sh.wait_status(T).success());
    let o = shell_command(
        &d,
        state.path(),
        &["grade", "--lab", "run", "--format", "junit"],
    )
    .output()
    .unwrap();
    let junit = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    assert!(
        junit.contains("<testsuite name=\"run\" tests=\"15\" failures=\"0\""),
        "{junit}"
    );
    assert_eq!(junit.matches("<testcase ").count(), 15);
    assert!(!junit.contains("<failure"), "{junit}");
    // the journal kept every line with its exit code
    let journal = std::fs::read_to_string(state.path().join("journal.jsonl")).unwrap();
    assert_eq!(journal.lines().count(), 15, "{journal}");
}

#[test]
fn shell_lines_check_solution_reset_and_resume() {
    let d = TestDaemon::start();
    d.ok(&["create", "--name", "older", "busybox"]);
    let state = tempfile::tempdir().unwrap();
    let mut sh = PtySession::spawn(shell_command(&d, state.path(), &["--plain"]), 40, 160);
    sh.expect("berth> ", T);
    let at = type_line(&mut sh, "lab start run", "Step 1 of 15");
    let end = sh.expect_after(at, "berth run 1/15> ", T);
    insta::assert_snapshot!("step_one", text(&sh.screen[at - "Step 1 of 15".len()..end]));
    // check: expected versus found
    let mark = sh.screen.len();
    type_line(&mut sh, "check", "found:");
    let end = sh.expect_after(mark, "berth run 1/15> ", T);
    insta::assert_snapshot!("check_before_anything", text(&sh.screen[mark..end]));
    // Ctrl-C ends the running line, not the shell
    let mark = sh.screen.len();
    sh.send(b"sleep 30\r");
    sh.expect_after(mark, "sleep 30", T);
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    sh.send(b"\x03");
    sh.expect_after(mark, "berth run 1/15> ", T);
    assert!(started.elapsed() < Duration::from_secs(5));
    // the Engine API with curl, as the course shows
    type_line(
        &mut sh,
        "curl -s --unix-socket ${DOCKER_HOST#unix://} 'http://localhost/containers/json?all=1'",
        "\"/older\"",
    );
    // Tab completes container names from the engine, and docker flags
    let mark = sh.screen.len();
    sh.send(b"docker inspect --form\t");
    sh.expect_after(mark, "--format ", T);
    sh.send(b"'{{.Name}}' ol\t");
    sh.expect_after(mark, "older ", T);
    type_line(&mut sh, "", "/older");
    // solution asks first
    let mark = sh.screen.len();
    type_line(&mut sh, "solution", "[y/N]");
    type_line(&mut sh, "n", "berth run 1/15> ");
    assert!(!text(&sh.screen[mark..]).contains("Reference solution"));
    type_line(&mut sh, "solution", "[y/N]");
    type_line(&mut sh, "y", "docker run hello-world");
    type_line(&mut sh, "docker run hello-world", "PASS: Step 1 passed");
    // reset of the step removes what the step made, only that
    type_line(
        &mut sh,
        "docker run -d --name extra busybox top",
        "berth run 2/15> ",
    );
    type_line(&mut sh, "reset", "[y/N]");
    type_line(&mut sh, "y", "Removed: container");
    let names = d.ok(&["ps", "-a", "--format", "{{.Names}}"]);
    assert!(
        !names.contains("extra") && names.contains("older"),
        "{names}"
    );
    assert_eq!(
        d.ok(&["ps", "-a", "-q", "--filter", "ancestor=hello-world"])
            .lines()
            .count(),
        1
    );
    // reset of the lab: back to step 1, the older container survives
    type_line(&mut sh, "reset lab", "[y/N]");
    type_line(&mut sh, "y", "Step 1 of 15");
    let names = d.ok(&["ps", "-a", "--format", "{{.Names}}"]);
    assert_eq!(names.trim(), "older");
    type_line(&mut sh, "docker run hello-world", "PASS: Step 1 passed");
    type_line(&mut sh, "hint", "Hint 1 of 3");
    // the lesson, paged
    type_line(&mut sh, "lesson", "Running containers");
    sh.send(b"q");
    type_line(&mut sh, "", "berth run 2/15> ");
    type_line(&mut sh, "exit", "\n");
    assert!(sh.wait_status(T).success());
    let history = std::fs::read_to_string(state.path().join("history")).unwrap();
    assert!(history.contains("docker run hello-world"), "{history}");
    // a new shell resumes at step 2, with what was recorded
    let mut again = PtySession::spawn(shell_command(&d, state.path(), &["--plain"]), 40, 160);
    again.expect("Step 2 of 15: Give the container a command", T);
    again.expect("berth run 2/15> ", T);
    let at = type_line(&mut again, "progress", "arguments");
    let row = line_at(&mut again, at);
    assert!(row.contains("not passed") && row.contains("0/1"), "{row}");
    type_line(&mut again, "exit", "\n");
    assert!(again.wait_status(T).success());
    let o = shell_command(
        &d,
        state.path(),
        &["grade", "--lab", "run", "--format", "csv"],
    )
    .output()
    .unwrap();
    let csv = String::from_utf8_lossy(&o.stdout);
    assert!(
        csv.lines()
            .any(|l| l.starts_with("run,hello,") && l.contains(",true,1,1,")),
        "{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with("run,arguments,") && l.contains(",1,0,")),
        "hint recorded: {csv}"
    );
}
