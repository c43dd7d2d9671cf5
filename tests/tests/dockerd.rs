//! berth's clients against a real engine: Debian's dockerd (docker.io
//! 20.10). The grader only speaks the Engine API, and berth's docker CLI
//! prints what docker's prints.

use berth_tests::dockerd::TestDockerd;
use berth_tests::grading::Grader;

#[test]
fn the_grader_and_berths_cli_work_against_debians_dockerd() {
    let k = TestDockerd::start();
    let done = k.docker(&[
        "run",
        "--name",
        "done",
        "busybox",
        "sh",
        "-c",
        "echo out; exit 3",
    ]);
    assert_eq!(done.status.code(), Some(3));
    k.ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "--restart",
        "always",
        "-m",
        "64m",
        "-l",
        "tier=front",
        "busybox",
        "top",
    ]);

    let grader = Grader::connect(&k.socket);
    let judge = |c: &str| grader.judge(c);
    for passing in [
        "kind = \"container\"\nname = \"done\"\nstate = \"exited\"\nexit_code = 3",
        "kind = \"container\"\nimage = \"busybox\"\ncommand = \"^top$\"\nstate = \"running\"\nrestart_policy = \"always\"\nmemory = \"64m\"\nlabels = { tier = \"front\" }",
        "kind = \"image\"\nreference = \"busybox:latest\"\ncmd = [\"sh\"]",
        "kind = \"exec\"\ncontainer = \"web\"\nrun = [\"sh\", \"-c\", \"echo inside\"]\noutput_contains = \"inside\"",
        "kind = \"log\"\ncontainer = \"done\"\ncontains = \"out\"",
    ] {
        let o = judge(passing);
        assert!(o.passed, "against dockerd: {o:?}");
    }
    let o = judge("kind = \"container\"\nname = \"done\"\nexit_code = 0");
    assert!(!o.passed);
    assert!(o.actual.contains("done (exited, exit code 3)"), "{o:?}");
    let o = judge("kind = \"image\"\nreference = \"hello-world\"");
    assert!(!o.passed && o.actual == "no image hello-world", "{o:?}");

    // berth's CLI against dockerd prints what docker's prints
    let berth = |args: &[&str]| {
        std::process::Command::new(berth_tests::bin_dir().join("berth"))
            .arg("docker")
            .args(args)
            .env("DOCKER_HOST", k.host())
            .output()
            .unwrap()
    };
    for args in [
        &[
            "ps",
            "-a",
            "--format",
            "{{.Names}} {{.Image}} {{.Command}} {{.State}}",
        ][..],
        &[
            "images",
            "--format",
            "{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}",
        ],
        &[
            "inspect",
            "-f",
            "{{.State.Status}} {{.State.ExitCode}} {{json .Config.Labels}} {{.HostConfig.Memory}}",
            "web",
            "done",
        ],
        &["logs", "done"],
        &["top", "web", "-o", "pid,comm"],
        &["history", "-q", "busybox"],
        &["inspect", "nosuch"],
        &["run", "busybox", "sh", "-c", "exit 5"],
    ] {
        let ours = berth(args);
        let theirs = k.docker(args);
        assert_eq!(
            (
                ours.status.code(),
                String::from_utf8_lossy(&ours.stdout),
                String::from_utf8_lossy(&ours.stderr)
            ),
            (
                theirs.status.code(),
                String::from_utf8_lossy(&theirs.stdout),
                String::from_utf8_lossy(&theirs.stderr)
            ),
            "berth docker {args:?} against dockerd"
        );
    }
}
