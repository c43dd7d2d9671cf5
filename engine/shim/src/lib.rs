//! The contract between berthd and `berth-shim`.
//!
//! The shim binary is deliberately std + libc only (about 2 MiB resident per
//! container). berthd links this library for the constants and the exit
//! record format so both sides share one definition.
//!
//! Protocol: berthd connects to `<state dir>/shim.sock`; the first line on a
//! connection is a command:
//!
//! - `START` — run the helper that creates and starts the container. Answer:
//!   `OK <init pid> <started unix ns>` or `ERR <message>`.
//! - `ATTACH <stdin> <stdout> <stderr> <close-stdin-on-eof>` (each 0 or 1) —
//!   the shim answers `OK` once registered, then sends the container's output as Docker stdcopy frames
//!   (`[stream,0,0,0,len_be32]` + payload); bytes the client sends are the
//!   container's stdin. EOF when the container's output ends.
//! - `KILL <signal number>` — answer `OK` or `ERR <message>`.
//! - `EXEC <exec id> <stdin> <process json path> <tty>` — runs a process in the
//!   running container. Answer `OK <pid>` or `ERR <message>`; then, on the
//!   same connection, stdcopy frames of its output and stdin from the
//!   client; `exec-<id>.exit` (an [`ExitRecord`]) is written before EOF.
//! - `RESIZE <rows> <cols>`, `EXEC_RESIZE <exec id> <rows> <cols>` — set a
//!   terminal's size; answer `OK` or `ERR <message>`.
//! - `WATCH` — the shim never writes; EOF means the shim has exited, and
//!   the exit record is then on disk.

pub mod exit_record;
pub mod jsonlog;

pub use exit_record::ExitRecord;

/// Unix socket the shim listens on, inside its state directory. Clients
/// reach it through [`socket_path_via_fd`] so the path length never
/// depends on where the state directory is.
pub const SOCKET_NAME: &str = "shim.sock";

/// A short path to `SOCKET_NAME` through an open directory descriptor of
/// the state directory: `/proc/self/fd/<fd>/shim.sock`.
pub fn socket_path_via_fd(dir_fd: std::os::fd::RawFd) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("/proc/self/fd/{dir_fd}/{SOCKET_NAME}"))
}
/// The shim's own pid, for cleanup and live restore.
pub const PID_FILE: &str = "shim.pid";
/// The exit record, written atomically once the container has exited.
pub const EXIT_FILE: &str = "exit";
/// Diagnostics of the shim itself (not the container's output).
pub const SHIM_LOG: &str = "shim.log";

/// Docker stdcopy stream numbers.
pub const STREAM_STDOUT: u8 = 1;
pub const STREAM_STDERR: u8 = 2;

/// Where the exit record of exec session `id` goes, in the state directory.
pub fn exec_exit_file(id: &str) -> String {
    format!("exec-{id}.exit")
}
