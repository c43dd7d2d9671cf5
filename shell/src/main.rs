//! `berth`: the teaching shell (no arguments), `berth docker ...` (a
//! docker-compatible CLI; also what berth is when invoked as `docker`),
//! `berth lab lint|test FILE...` and `berth grade`.

mod cli;
mod engine;
mod teach;
mod template;

fn usage() -> &'static str {
    "Usage:
  berth [--plain]                 the teaching shell (labs, hints, checks)
  berth docker [OPTIONS] COMMAND  berth's docker-compatible CLI
  berth lab lint FILE...          check lab files
  berth lab test FILE...          play labs on a fresh private engine (as root)
  berth grade [--lab ID] [--format table|json|junit|csv] [--plain]

The engine is found through BERTH_HOST, DOCKER_HOST, then
unix:///run/berth/berth.sock, where berth starts berthd when run as root
and nothing answers.
"
}

fn main() {
    let mut args: Vec<String> = std::env::args().collect();
    let invoked_as = args
        .first()
        .and_then(|a| std::path::Path::new(a).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if invoked_as == "docker" {
        std::process::exit(cli::main(args.split_off(1)));
    }
    let rest: Vec<String> = args.split_off(1);
    let words: Vec<&str> = rest.iter().map(String::as_str).collect();
    let code = match words.as_slice() {
        ["docker", ..] => cli::main(rest[1..].to_vec()),
        ["lab", "lint", ..] => teach::labtest::lint(&rest[2..]),
        ["lab", "test", ..] => teach::labtest::test(&rest[2..]),
        ["grade", ..] => teach::grade::run(&rest[1..]),
        ["--help" | "-h" | "help"] => {
            print!("{}", usage());
            0
        }
        flags if flags.iter().all(|f| matches!(*f, "--plain" | "--timings")) => {
            teach::run_shell(teach::ShellOptions {
                plain: flags.contains(&"--plain"),
                timings: flags.contains(&"--timings"),
            })
        }
        _ => {
            eprintln!("berth: unknown arguments {rest:?}\n\n{}", usage());
            2
        }
    };
    std::process::exit(code);
}
