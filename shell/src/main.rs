//! `berth`: the teaching shell (coming with the labs) and `berth docker
//! ...`, a docker-compatible CLI. Invoked under the name `docker` (the link
//! the shell puts first on its own PATH), it is that CLI directly.

mod cli;
mod engine;
mod template;

fn usage() -> String {
    "Usage:  berth docker [DOCKER OPTIONS] COMMAND\n\n\
     berth's docker-compatible CLI. It finds the engine through -H, BERTH_HOST,\n\
     DOCKER_HOST, then unix:///run/berth/berth.sock (starting berthd there when\n\
     run as root and nothing answers).\n"
        .to_string()
}

fn main() {
    let mut args: Vec<String> = std::env::args().collect();
    let invoked_as = args
        .first()
        .and_then(|a| std::path::Path::new(a).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let code = if invoked_as == "docker" {
        cli::main(args.split_off(1))
    } else {
        match args.get(1).map(String::as_str) {
            Some("docker") => cli::main(args.split_off(2)),
            Some("--help" | "-h" | "help") | None => {
                print!("{}", usage());
                0
            }
            Some(other) => {
                eprintln!("berth: unknown command {other:?}\n\n{}", usage());
                2
            }
        }
    };
    std::process::exit(code);
}
