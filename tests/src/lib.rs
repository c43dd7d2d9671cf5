//! Test harness: a private berthd per test (own data root, exec root,
//! socket, cgroup parent, network namespace) driven by the real docker CLI.
//!
//! Cleanup runs in `Drop`, so also when a test fails: it ends only the
//! processes this daemon started (its shims and the processes in its own
//! cgroup parent), unmounts what is mounted under its root, removes its
//! cgroups and deletes its directories.

pub mod dockerd;
pub mod grading;
pub mod pty;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Where berthd, berth-shim and berth-runtime-helper were built: the
/// directory above the test binary's `deps/`, or `BERTH_BIN_DIR`.
pub fn bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("BERTH_BIN_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binary sits in target/<profile>/deps")
        .to_path_buf();
    for bin in ["berthd", "berth-shim", "berth-runtime-helper", "berth"] {
        assert!(
            dir.join(bin).exists(),
            "{} is missing: build the workspace first (cargo build --workspace)",
            dir.join(bin).display()
        );
    }
    dir
}

/// Sets IFF_UP on `lo` of the calling process's network namespace. Only
/// raw syscalls: it runs between fork and exec.
fn loopback_up_raw() -> std::io::Result<()> {
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let mut req: libc::ifreq = std::mem::zeroed();
        req.ifr_name[0] = b'l' as libc::c_char;
        req.ifr_name[1] = b'o' as libc::c_char;
        let mut rc = libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req);
        if rc == 0 {
            req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            rc = libc::ioctl(fd, libc::SIOCSIFFLAGS, &req);
        }
        libc::close(fd);
        if rc != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

pub struct TestDaemon {
    root: tempfile::TempDir,
    pub socket: PathBuf,
    pub data_root: PathBuf,
    pub exec_root: PathBuf,
    pub cgroup_parent: String,
    child: Option<Child>,
    docker_config: PathBuf,
}

impl TestDaemon {
    pub fn start() -> Self {
        let mut d = Self::unstarted();
        d.spawn_daemon();
        d
    }

    /// The roots of a test daemon, with no berthd yet (for clients that
    /// start it themselves: `berth` does when nothing answers).
    pub fn unstarted() -> Self {
        let root = tempfile::Builder::new()
            .prefix("berth-test-")
            .tempdir_in("/tmp")
            .expect("temp dir for the test daemon");
        sweep_abandoned_roots();
        std::fs::write(
            root.path().join("owner.pid"),
            std::process::id().to_string(),
        )
        .unwrap();
        let cgroup_parent = cgroup_parent_of(root.path());
        let docker_config = root.path().join("docker-config");
        std::fs::create_dir_all(&docker_config).unwrap();
        TestDaemon {
            socket: root.path().join("berth.sock"),
            data_root: root.path().join("data"),
            exec_root: root.path().join("exec"),
            cgroup_parent,
            child: None,
            docker_config,
            root,
        }
    }

    /// Starts berthd on this daemon's roots in a new network namespace.
    pub fn spawn_daemon(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.root.path().join("berthd.log"))
            .unwrap();
        let mut cmd = Command::new(bin_dir().join("berthd"));
        cmd.arg("--data-root")
            .arg(&self.data_root)
            .arg("--exec-root")
            .arg(&self.exec_root)
            .arg("-H")
            .arg(format!("unix://{}", self.socket.display()))
            .arg("--cgroup-parent")
            .arg(&self.cgroup_parent)
            .env("BERTHD_LOG", "info,berthd=debug")
            .env_remove("RUST_BACKTRACE")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        // SAFETY: unshare and ioctl are plain syscalls, fine after fork.
        unsafe {
            cmd.pre_exec(|| {
                if libc::unshare(libc::CLONE_NEWNET) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                loopback_up_raw()
            });
        }
        let child = cmd.spawn().expect("starting berthd");
        std::fs::write(self.root.path().join("berthd.pid"), child.id().to_string()).unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok((status, _)) = self.api("GET", "/_ping", None)
                && status == 200
            {
                return;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                panic!("berthd exited with {status}:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("berthd did not answer /_ping:\n{}", self.log());
    }

    pub fn daemon_pid(&self) -> u32 {
        self.child.as_ref().expect("daemon running").id()
    }

    /// Sends `signal` to berthd and reaps it.
    pub fn stop_daemon(&mut self, signal: i32) {
        if let Some(mut child) = self.child.take() {
            unsafe {
                libc::kill(child.id() as i32, signal);
            }
            let _ = child.wait();
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.path().join("berthd.log")).unwrap_or_default()
    }

    pub fn root(&self) -> &Path {
        self.root.path()
    }

    pub fn docker_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("docker");
        cmd.args(args)
            .env("DOCKER_HOST", format!("unix://{}", self.socket.display()))
            .env("DOCKER_CONFIG", &self.docker_config)
            .env("NO_COLOR", "1")
            .env_remove("DOCKER_CONTEXT");
        cmd
    }

    /// berth's own docker CLI (`berth docker ARGS`) against this daemon.
    pub fn berth_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin_dir().join("berth"));
        cmd.arg("docker")
            .args(args)
            .env("DOCKER_HOST", format!("unix://{}", self.socket.display()))
            .env_remove("BERTH_HOST")
            .env("NO_COLOR", "1");
        cmd
    }

    /// Runs berth's docker CLI; stdin is empty.
    pub fn berth(&self, args: &[&str]) -> Output {
        self.berth_command(args)
            .stdin(Stdio::null())
            .output()
            .expect("running berth docker")
    }

    /// Runs the real docker CLI against this daemon.
    pub fn docker(&self, args: &[&str]) -> Output {
        self.docker_command(args)
            .stdin(Stdio::null())
            .output()
            .expect("running docker")
    }

    pub fn docker_with_stdin(&self, args: &[&str], input: &[u8]) -> Output {
        let mut child = self
            .docker_command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("running docker");
        child.stdin.take().unwrap().write_all(input).unwrap();
        child.wait_with_output().unwrap()
    }

    /// A shell line with DOCKER_HOST set, for `$(...)` and pipes.
    pub fn sh(&self, line: &str) -> Output {
        Command::new("sh")
            .arg("-c")
            .arg(line)
            .env("DOCKER_HOST", format!("unix://{}", self.socket.display()))
            .env("DOCKER_CONFIG", &self.docker_config)
            .stdin(Stdio::null())
            .output()
            .expect("running sh")
    }

    /// Runs docker and returns stdout; panics with stderr on failure.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.docker(args);
        assert!(
            out.status.success(),
            "docker {args:?} failed ({}):\nstdout: {}\nstderr: {}\nberthd log:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            tail(&self.log(), 40)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `docker inspect -f TEMPLATE id`, trimmed.
    pub fn inspect(&self, id: &str, template: &str) -> String {
        self.ok(&["inspect", "-f", template, id]).trim().to_string()
    }

    /// `Status ExitCode` of a container, e.g. `exited 137`.
    pub fn state(&self, id: &str) -> String {
        self.inspect(id, "{{.State.Status}} {{.State.ExitCode}}")
    }

    /// One raw HTTP/1.1 request on the socket: (status, body).
    pub fn api(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> std::io::Result<(u16, String)> {
        let mut s = UnixStream::connect(&self.socket)?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        let body = body.unwrap_or(b"");
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: berth\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )?;
        s.write_all(body)?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw)?;
        let text = String::from_utf8_lossy(&raw).into_owned();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        Ok((status, body))
    }

    /// Paths, mounts, cgroups and processes a removed container could leave.
    pub fn leftovers(&self) -> Vec<String> {
        let mut out = Vec::new();
        for dir in [
            self.exec_root.join("containers"),
            self.exec_root.join("netns"),
            self.data_root.join("containers"),
            self.data_root.join("snapshots/rw"),
        ] {
            if let Ok(entries) = std::fs::read_dir(&dir) {
                for e in entries.flatten() {
                    out.push(format!("file {}", e.path().display()));
                }
            }
        }
        for m in mounts_under(self.root.path()) {
            out.push(format!("mount {}", m.display()));
        }
        for c in cgroup_dirs(&self.cgroup_parent) {
            if let Ok(entries) = std::fs::read_dir(&c) {
                for e in entries.flatten() {
                    if e.path().is_dir() {
                        out.push(format!("cgroup {}", e.path().display()));
                    }
                }
            }
        }
        for pid in shim_pids(&self.exec_root) {
            out.push(format!("shim process {pid}"));
        }
        out
    }
}

pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Mount points under `root`, deepest first.
fn mounts_under(root: &Path) -> Vec<PathBuf> {
    let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mut out: Vec<PathBuf> = info
        .lines()
        .filter_map(|l| l.split_whitespace().nth(4))
        .map(|m| PathBuf::from(m.replace("\\040", " ")))
        .filter(|m| m.starts_with(root))
        .collect();
    out.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    out.dedup();
    out
}

/// This daemon's cgroup parent in every mounted hierarchy.
fn cgroup_dirs(parent: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/sys/fs/cgroup") {
        for e in entries.flatten() {
            let p = e.path().join(parent);
            if p.is_dir() {
                out.push(p);
            }
        }
    }
    let unified = Path::new("/sys/fs/cgroup").join(parent);
    if unified.join("cgroup.procs").exists() && !out.contains(&unified) {
        out.push(unified);
    }
    out
}

/// Pids of shims whose state lives under `exec_root`, from their pid files,
/// confirmed against /proc so a reused pid is never signalled.
fn shim_pids(exec_root: &Path) -> Vec<i32> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(exec_root.join("containers")) else {
        return out;
    };
    for e in entries.flatten() {
        let Some(pid) = std::fs::read_to_string(e.path().join("shim.pid"))
            .ok()
            .and_then(|p| p.trim().parse::<i32>().ok())
        else {
            continue;
        };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline);
        if cmdline.contains("berth-shim") && cmdline.contains(&*e.path().to_string_lossy()) {
            out.push(pid);
        }
    }
    out
}

impl Drop for TestDaemon {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- berthd log (tail) ---\n{}", tail(&self.log(), 60));
        }
        self.stop_daemon(libc::SIGKILL);
        clean_root(self.root.path(), &self.cgroup_parent);
    }
}

/// The cgroup parent of the test daemon rooted at `root`.
fn cgroup_parent_of(root: &Path) -> String {
    let name = root.file_name().unwrap_or_default().to_string_lossy();
    format!("berth-test-{}", name.trim_start_matches("berth-test-"))
}

/// Ends and removes what one test daemon root holds: its berthd (by the
/// pid file, confirmed in /proc), the processes in its cgroup parent, its
/// shims, its mounts and its cgroups.
fn clean_root(root: &Path, cgroup_parent: &str) {
    if let Some(pid) = std::fs::read_to_string(root.join("berthd.pid"))
        .ok()
        .and_then(|p| p.trim().parse::<i32>().ok())
    {
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(&*root.to_string_lossy()) {
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
    let exec_root = root.join("exec");
    for _ in 0..50 {
        let mut any = false;
        for dir in cgroup_dirs(cgroup_parent) {
            for procs in walk_files(&dir, "cgroup.procs") {
                for pid in std::fs::read_to_string(&procs)
                    .unwrap_or_default()
                    .lines()
                    .filter_map(|p| p.parse::<i32>().ok())
                {
                    any = true;
                    unsafe {
                        libc::kill(pid, libc::SIGKILL);
                    }
                }
            }
        }
        for pid in shim_pids(&exec_root) {
            any = true;
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        if !any {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    for m in mounts_under(root) {
        let c = std::ffi::CString::new(m.as_os_str().as_encoded_bytes()).unwrap();
        unsafe {
            libc::umount2(c.as_ptr(), libc::MNT_DETACH);
        }
    }
    for dir in cgroup_dirs(cgroup_parent) {
        remove_cgroup_tree(&dir);
    }
}

/// Test daemons whose test process was killed (a nextest timeout sends
/// SIGKILL, so no Drop ran) are cleaned by the next test that starts.
fn sweep_abandoned_roots() {
    let Ok(entries) = std::fs::read_dir("/tmp") else {
        return;
    };
    for e in entries.flatten() {
        let root = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with("berth-test-") {
            continue;
        }
        let owner = std::fs::read_to_string(root.join("owner.pid"))
            .ok()
            .and_then(|p| p.trim().parse::<i32>().ok());
        let Some(owner) = owner else { continue };
        if Path::new(&format!("/proc/{owner}")).exists() {
            continue;
        }
        clean_root(&root, &cgroup_parent_of(&root));
        let _ = std::fs::remove_dir_all(&root);
    }
}

fn walk_files(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if d.join(name).exists() {
            out.push(d.join(name));
        }
        if let Ok(entries) = std::fs::read_dir(&d) {
            for e in entries.flatten() {
                if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                    stack.push(e.path());
                }
            }
        }
    }
    out
}

/// cgroup directories are removed with rmdir, children first.
fn remove_cgroup_tree(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                remove_cgroup_tree(&e.path());
            }
        }
    }
    for _ in 0..50 {
        if std::fs::remove_dir(dir).is_ok() || !dir.exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// stdout of a finished command, as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
