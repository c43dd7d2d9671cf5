//! Parsing, docker's usage errors, help texts and tables (insta snapshots
//! of what people read).

use super::*;
use serde_json::json;

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

fn parse_as(key: &str, words: &[&str]) -> Result<Args, CliError> {
    let spec = spec::spec(key).unwrap();
    parse(&format!("docker {key}"), &spec, &argv(words))
}

#[test]
fn run_flags_stop_at_the_image() {
    let a = parse_as(
        "run",
        &[
            "-d",
            "--rm",
            "-e",
            "A=1",
            "-e",
            "B=2",
            "busybox",
            "sh",
            "-c",
            "echo --rm -d",
        ],
    )
    .unwrap();
    assert!(a.flag("detach") && a.flag("rm"));
    assert_eq!(a.values("env"), vec!["A=1", "B=2"]);
    assert_eq!(a.positional, vec!["busybox", "sh", "-c", "echo --rm -d"]);
    let a = parse_as("run", &["-it", "busybox", "ls", "-la"]).unwrap();
    assert!(a.flag("interactive") && a.flag("tty"));
    assert_eq!(a.positional, vec!["busybox", "ls", "-la"]);
}

#[test]
fn switches_take_go_booleans() {
    let a = parse_as("run", &["-it", "--rm=false", "-d=true", "busybox"]).unwrap();
    assert!(a.flag("interactive") && a.flag("tty") && a.flag("detach"));
    assert!(!a.flag("rm"));
    assert_eq!(a.positional, vec!["busybox"]);
    let a = parse_as(
        "run",
        &[
            "-e", "A=1", "--name", "x", "-d=false", "busybox", "sh", "-c", "-d=x",
        ],
    )
    .unwrap();
    assert!(!a.flag("detach"));
    assert_eq!(a.positional, vec!["busybox", "sh", "-c", "-d=x"]);
    let a = parse_as("ps", &["-aq"]).unwrap();
    assert!(a.flag("all") && a.flag("quiet"));
    let (message, code) = error("ps", &["--all=maybe"]);
    assert_eq!(code, 125);
    assert!(message.starts_with(
        "invalid argument \"maybe\" for \"-a, --all\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax\n"
    ), "{message}");
}

#[test]
fn other_commands_take_flags_anywhere() {
    let a = parse_as("rm", &["web", "-f", "db"]).unwrap();
    assert!(a.flag("force"));
    assert_eq!(a.positional, vec!["web", "db"]);
    let a = parse_as("ps", &["-a", "-n", "2", "--format", "{{.ID}}"]).unwrap();
    assert_eq!(a.int("last").unwrap(), Some(2));
    assert_eq!(a.value("format").as_deref(), Some("{{.ID}}"));
}

fn error(key: &str, words: &[&str]) -> (String, i32) {
    match parse_as(key, words) {
        Ok(_) => panic!("{key} {words:?} parsed"),
        Err(e) => (e.message, e.code),
    }
}

#[test]
fn usage_errors_read_like_docker() {
    insta::assert_snapshot!(error("run", &["--foo", "busybox"]).0, @r"
    unknown flag: --foo

    Usage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]

    Run 'docker run --help' for more information
    ");
    assert_eq!(error("run", &["--foo"]).1, 125);
    assert!(
        error("ps", &["-x"])
            .0
            .starts_with("unknown shorthand flag: 'x' in -x\n")
    );
    assert!(
        error("ps", &["-ax"])
            .0
            .starts_with("unknown shorthand flag: 'x' in -ax\n")
    );
    assert!(
        error("run", &["-e"])
            .0
            .starts_with("flag needs an argument: 'e' in -e\n")
    );
    assert!(
        error("run", &["--name"])
            .0
            .starts_with("flag needs an argument: --name\n")
    );
    insta::assert_snapshot!(error("rm", &[]).0, @r"
    docker: 'docker rm' requires at least 1 argument

    Usage:  docker rm [OPTIONS] CONTAINER [CONTAINER...]

    See 'docker rm --help' for more information
    ");
    assert_eq!(error("rm", &[]).1, 1);
    assert!(
        error("logs", &[])
            .0
            .starts_with("docker: 'docker logs' requires 1 argument\n")
    );
    assert!(
        error("rename", &["a"])
            .0
            .starts_with("docker: 'docker rename' requires 2 arguments\n")
    );
    assert!(
        error("ps", &["x"])
            .0
            .starts_with("docker: 'docker ps' accepts no arguments\n")
    );
    let a = parse_as("stop", &["-t", "x", "web"]).unwrap();
    let e = a.int("timeout").unwrap_err();
    assert_eq!(e.code, 125);
    assert!(e.message.starts_with(
        "invalid argument \"x\" for \"-t, --timeout\" flag: strconv.ParseInt: parsing \"x\": invalid syntax\n"
    ));
}

#[test]
fn unknown_commands() {
    let e = run(&argv(&["frob"])).unwrap_err();
    assert_eq!(e.code, 1);
    assert_eq!(
        e.message,
        "docker: unknown command: docker frob\n\nRun 'docker --help' for more information"
    );
    let e = run(&argv(&["--bogus", "ps"])).unwrap_err();
    assert_eq!(e.code, 125);
}

#[test]
fn management_forms_resolve() {
    assert_eq!(spec::management("container", "ls"), Some("ps"));
    assert_eq!(spec::management("container", "run"), Some("run"));
    assert_eq!(spec::management("image", "rm"), Some("rmi"));
    assert_eq!(spec::management("image", "ls"), Some("images"));
    assert_eq!(spec::management("image", "pull"), Some("pull"));
    assert_eq!(spec::management("system", "info"), Some("info"));
    assert_eq!(spec::management("container", "frob"), None);
    assert_eq!(resolve_path("docker container ls"), Some("ps"));
}

#[test]
fn help_asked_anywhere_before_the_image() {
    let run = spec::spec("run").unwrap();
    assert!(wants_help(&run, &argv(&["-d", "--help"])));
    assert!(!wants_help(&run, &argv(&["busybox", "--help"])));
    let ps = spec::spec("ps").unwrap();
    assert!(wants_help(&ps, &argv(&["-h"])));
    // -h is --hostname for run
    assert!(!wants_help(&run, &argv(&["-h", "box", "busybox"])));
    // a flag's value is not the image
    assert!(wants_help(&run, &argv(&["-e", "A=1", "--help"])));
}

#[test]
fn help_texts() {
    for key in ["run", "ps", "logs", "stop", "inspect", "exec", "images"] {
        let spec = spec::spec(key).unwrap();
        insta::assert_snapshot!(
            format!("help_{key}"),
            help::command_help(&format!("docker {key}"), &spec)
        );
    }
    insta::assert_snapshot!("help_top", help::top_help());
    insta::assert_snapshot!("help_container", help::group_help("container").unwrap());
}

#[test]
fn tables() {
    let headers = json!({"ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "RunningFor": "CREATED",
        "Status": "STATUS", "Ports": "PORTS", "Names": "NAMES"});
    let rows = vec![
        json!({"ID": "f774f8618226", "Image": "docker/whalesay", "Command": "\"cowsay 'Hello from…\"",
            "RunningFor": "3 minutes ago", "Status": "Exited (0) 3 minutes ago", "Ports": "", "Names": "brave_lamport"}),
        json!({"ID": "0b3e8d02a5a1", "Image": "busybox", "Command": "\"top\"", "RunningFor": "12 seconds ago",
            "Status": "Up 11 seconds", "Ports": "", "Names": "web"}),
    ];
    let text = table::render(
        None,
        "{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}",
        &headers,
        &rows,
    )
    .unwrap();
    insta::assert_snapshot!("table_ps", text);
    let top =
        "UID\tPID\tPPID\tC\tSTIME\tTTY\tTIME\tCMD\nroot\t4242\t4220\t0\t23:46\t?\t00:00:00\ttop\n";
    insta::assert_snapshot!("table_top", table::align_with(top, 20));
}
