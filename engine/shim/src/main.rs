//! `berth-shim`: one per running container. See the library docs for the
//! protocol. It outlives berthd (own session), owns the container's stdio,
//! writes the json-file log, serves attach, reaps its own children and
//! records the exit status.

mod event_loop;
mod exec;
mod helper;
mod sys;
mod tty;

use std::path::PathBuf;
use std::process::ExitCode;

pub struct Options {
    pub id: String,
    pub state_dir: PathBuf,
    pub bundle: PathBuf,
    pub helper: PathBuf,
    pub runtime_root: PathBuf,
    pub log_path: PathBuf,
    pub open_stdin: bool,
    /// The container has a terminal: its pty master comes over the
    /// console socket.
    pub tty: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut args = std::env::args_os().skip(1);
    let mut id = None;
    let mut state_dir = None;
    let mut bundle = None;
    let mut helper = None;
    let mut runtime_root = None;
    let mut log_path = None;
    let mut open_stdin = false;
    let mut tty = false;
    while let Some(flag) = args.next() {
        let flag = flag.to_string_lossy().into_owned();
        if flag == "--stdin" {
            open_stdin = true;
            continue;
        }
        if flag == "--tty" {
            tty = true;
            continue;
        }
        let value = args
            .next()
            .ok_or_else(|| format!("flag {flag} needs a value"))?;
        match flag.as_str() {
            "--id" => id = Some(value.to_string_lossy().into_owned()),
            "--state-dir" => state_dir = Some(PathBuf::from(value)),
            "--bundle" => bundle = Some(PathBuf::from(value)),
            "--helper" => helper = Some(PathBuf::from(value)),
            "--runtime-root" => runtime_root = Some(PathBuf::from(value)),
            "--log" => log_path = Some(PathBuf::from(value)),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(Options {
        id: id.ok_or("--id is required")?,
        state_dir: state_dir.ok_or("--state-dir is required")?,
        bundle: bundle.ok_or("--bundle is required")?,
        helper: helper.ok_or("--helper is required")?,
        runtime_root: runtime_root.ok_or("--runtime-root is required")?,
        log_path: log_path.ok_or("--log is required")?,
        open_stdin,
        tty,
    })
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("berth-shim: {e}");
            return ExitCode::from(2);
        }
    };
    match event_loop::run(opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("berth-shim: {e}");
            ExitCode::FAILURE
        }
    }
}
