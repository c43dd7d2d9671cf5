//! `berth-runtime-helper`: the short-lived process that links libcontainer.
//!
//! `create --root R --id ID --bundle B`: builds the container as a sibling
//! (its init becomes the shim's child), starts it, writes `PID <pid>` or
//! `ERR <message>` on fd 3 and exits. The container inherits this process's
//! stdin/stdout/stderr, which the shim set up.
//!
//! `exec --root R --id ID --process FILE`: starts the OCI process in FILE
//! inside the running container, as a sibling (the shim's child), and
//! reports `PID <pid>` or `ERR <message>` on fd 3.
//!
//! `delete --root R --id ID`: removes libcontainer's state and the cgroup of
//! a stopped container (kills it first if it still runs).

use std::fs::File;
use std::io::Write;
use std::os::fd::FromRawFd;
use std::path::PathBuf;
use std::process::ExitCode;

use libcontainer::container::Container;
use libcontainer::container::builder::ContainerBuilder;
use libcontainer::syscall::syscall::SyscallType;

struct Args {
    command: String,
    root: PathBuf,
    id: String,
    bundle: Option<PathBuf>,
    process: Option<PathBuf>,
    console_socket: Option<PathBuf>,
}

fn parse() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let command = it.next().ok_or("missing command (create or delete)")?;
    let (mut root, mut id, mut bundle, mut process, mut console_socket) =
        (None, None, None, None, None);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--root" => root = Some(PathBuf::from(value)),
            "--id" => id = Some(value),
            "--bundle" => bundle = Some(PathBuf::from(value)),
            "--process" => process = Some(PathBuf::from(value)),
            "--console-socket" => console_socket = Some(PathBuf::from(value)),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(Args {
        command,
        root: root.ok_or("--root is required")?,
        id: id.ok_or("--id is required")?,
        bundle,
        process,
        console_socket,
    })
}

fn create(args: &Args) -> Result<i32, String> {
    let bundle = args.bundle.clone().ok_or("--bundle is required")?;
    let mut container = ContainerBuilder::new(args.id.clone(), SyscallType::default())
        .with_root_path(&args.root)
        .map_err(|e| e.to_string())?
        .with_console_socket(args.console_socket.as_ref())
        .as_init(bundle)
        .with_systemd(false)
        .with_detach(true)
        .as_sibling(true)
        .build()
        .map_err(|e| e.to_string())?;
    container.start().map_err(|e| e.to_string())?;
    container
        .pid()
        .map(|p| p.as_raw())
        .ok_or_else(|| "libcontainer did not report the init pid".to_string())
}

/// libcontainer 0.7's tenant builder drops `linux.seccomp` from the exec
/// spec, so this process loads the container's filter itself before
/// building the tenant: the exec'd process inherits it (filters survive
/// clone and execve). `setns` stays allowed because the tenant path needs
/// it; without CAP_SYS_ADMIN (not in Docker's default set) the exec'd
/// process cannot use it anyway.
fn inherit_container_seccomp(args: &Args) -> Result<(), String> {
    let container = Container::load(args.root.join(&args.id)).map_err(|e| e.to_string())?;
    let spec = oci_spec::runtime::Spec::load(container.bundle().join("config.json"))
        .map_err(|e| e.to_string())?;
    let Some(mut profile) = spec.linux().as_ref().and_then(|l| l.seccomp().clone()) else {
        return Ok(());
    };
    if let Some(rules) = profile.syscalls().clone() {
        let rules = rules
            .into_iter()
            .map(|mut rule| {
                let names = rule
                    .names()
                    .iter()
                    .filter(|n| *n != "setns")
                    .cloned()
                    .collect();
                rule.set_names(names);
                rule
            })
            .filter(|rule| !rule.names().is_empty())
            .collect();
        profile.set_syscalls(Some(rules));
    }
    libcontainer::seccomp::initialize_seccomp(&profile)
        .map(|_| ())
        .map_err(|e| format!("loading the container's seccomp profile: {e}"))
}

fn exec(args: &Args) -> Result<i32, String> {
    let process = args.process.clone().ok_or("--process is required")?;
    inherit_container_seccomp(args)?;
    let pid = ContainerBuilder::new(args.id.clone(), SyscallType::default())
        .with_root_path(&args.root)
        .map_err(|e| e.to_string())?
        .with_console_socket(args.console_socket.as_ref())
        .as_tenant()
        .with_process(Some(process))
        .with_detach(true)
        .as_sibling(true)
        .build()
        .map_err(|e| e.to_string())?;
    Ok(pid.as_raw())
}

fn delete(args: &Args) -> Result<(), String> {
    let dir = args.root.join(&args.id);
    if !dir.exists() {
        return Ok(());
    }
    let mut container = Container::load(dir).map_err(|e| e.to_string())?;
    container.delete(true).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("berth-runtime-helper: {e}");
            return ExitCode::from(2);
        }
    };
    match args.command.as_str() {
        "create" | "exec" => {
            // SAFETY: the shim hands us fd 3 as the report pipe; nothing else
            // in this process owns it.
            let mut report = unsafe { File::from_raw_fd(3) };
            let started = if args.command == "create" {
                create(&args)
            } else {
                exec(&args)
            };
            let (line, code) = match started {
                Ok(pid) => (format!("PID {pid}\n"), ExitCode::SUCCESS),
                Err(e) => (format!("ERR {}\n", e.replace('\n', " ")), ExitCode::FAILURE),
            };
            let _ = report.write_all(line.as_bytes());
            code
        }
        "delete" => match delete(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("berth-runtime-helper: delete {}: {e}", args.id);
                ExitCode::FAILURE
            }
        },
        other => {
            eprintln!("berth-runtime-helper: unknown command {other}");
            ExitCode::from(2)
        }
    }
}
