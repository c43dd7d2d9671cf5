//! Runs `berth-runtime-helper` with given stdio and reads the pid it
//! reports on fd 3.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// Blocks for the few milliseconds the helper takes; the process it
/// starts becomes this shim's child (libcontainer's `as_sibling`).
pub fn run_helper(
    helper: &Path,
    args: &[&OsStr],
    stdin: File,
    stdout: File,
    stderr: File,
) -> io::Result<i32> {
    let (report_r, report_w) = std::io::pipe()?;
    let report_fd = report_w.as_raw_fd();
    let mut cmd = Command::new(helper);
    cmd.args(args)
        .stdin(Stdio::from(stdin))
        .stdout(Stdio::from(stdout))
        .stderr(Stdio::from(stderr));
    // SAFETY: dup2 is async-signal-safe; it clears CLOEXEC on fd 3 only.
    unsafe {
        cmd.pre_exec(move || {
            if libc::dup2(report_fd, 3) < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn()?;
    drop(cmd);
    drop(report_w);
    let mut line = String::new();
    BufReader::new(report_r).read_line(&mut line)?;
    let status = child.wait()?;
    let line = line.trim();
    if let Some(pid) = line.strip_prefix("PID ") {
        return pid
            .parse()
            .map_err(|_| io::Error::other(format!("helper reported a bad pid {pid:?}")));
    }
    if let Some(msg) = line.strip_prefix("ERR ") {
        return Err(io::Error::other(msg.to_string()));
    }
    Err(io::Error::other(format!(
        "runtime helper ended ({status}) without reporting a pid"
    )))
}
