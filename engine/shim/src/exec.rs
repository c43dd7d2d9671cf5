//! Exec sessions: a process started in the running container (a
//! libcontainer tenant, this shim's child), streamed over the connection
//! that asked for it. Its exit code goes to `exec-<id>.exit` before the
//! connection closes.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::Path;

use berth_shim::{ExitRecord, STREAM_STDERR, STREAM_STDOUT, exec_exit_file};

use crate::sys;

pub struct ExecSession {
    pub id: String,
    pub pid: i32,
    pub client: UnixStream,
    pub client_read_closed: bool,
    pub outputs: [Option<File>; 2],
    pub stdin: Option<File>,
    pub status: Option<i32>,
    pub started_at_ns: i64,
    /// A terminal: one raw stream, no stdcopy frames.
    pub tty: bool,
}

/// Which descriptor of a session poll reported.
#[derive(Clone, Copy)]
pub enum Slot {
    Output(usize),
    Client,
}

/// The pipes a new exec process gets, and the ends the shim keeps.
pub struct ExecPipes {
    pub child: (File, File, File),
    pub outputs: [File; 2],
    pub stdin: Option<File>,
}

pub fn make_pipes(with_stdin: bool) -> io::Result<ExecPipes> {
    let (out_r, out_w) = std::io::pipe()?;
    let (err_r, err_w) = std::io::pipe()?;
    let (child_in, stdin) = if with_stdin {
        let (r, w) = std::io::pipe()?;
        (
            File::from(OwnedFd::from(r)),
            Some(File::from(OwnedFd::from(w))),
        )
    } else {
        (File::open("/dev/null")?, None)
    };
    let out_r = File::from(OwnedFd::from(out_r));
    let err_r = File::from(OwnedFd::from(err_r));
    sys::set_nonblocking(out_r.as_raw_fd(), true)?;
    sys::set_nonblocking(err_r.as_raw_fd(), true)?;
    Ok(ExecPipes {
        child: (
            child_in,
            File::from(OwnedFd::from(out_w)),
            File::from(OwnedFd::from(err_w)),
        ),
        outputs: [out_r, err_r],
        stdin,
    })
}

impl ExecSession {
    pub fn fds(&self) -> Vec<(i32, Slot)> {
        let mut out = Vec::new();
        for (i, o) in self.outputs.iter().enumerate() {
            if let Some(f) = o {
                out.push((f.as_raw_fd(), Slot::Output(i)));
            }
        }
        if !self.client_read_closed {
            out.push((self.client.as_raw_fd(), Slot::Client));
        }
        out
    }

    pub fn on_readable(&mut self, slot: Slot) {
        let mut buf = [0u8; 32 * 1024];
        match slot {
            Slot::Output(i) => {
                let Some(pipe) = self.outputs[i].as_mut() else {
                    return;
                };
                match pipe.read(&mut buf) {
                    Ok(0) => self.outputs[i] = None,
                    Ok(n) => {
                        let stream = if i == 0 { STREAM_STDOUT } else { STREAM_STDERR };
                        let len = (n as u32).to_be_bytes();
                        let frame = [stream, 0, 0, 0, len[0], len[1], len[2], len[3]];
                        let header: &[u8] = if self.tty { &[] } else { &frame };
                        // A client that stopped reading loses the output,
                        // not the process.
                        let _ =
                            crate::event_loop::write_blocking(&self.client, &[header, &buf[..n]]);
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(_) => self.outputs[i] = None,
                }
            }
            Slot::Client => match (&self.client).read(&mut buf) {
                Ok(0) | Err(_) => {
                    self.client_read_closed = true;
                    self.stdin = None;
                }
                Ok(n) => {
                    if let Some(w) = self.stdin.as_mut()
                        && w.write_all(&buf[..n]).is_err()
                    {
                        self.stdin = None;
                    }
                }
            },
        }
    }

    /// The process has exited and its output is drained.
    pub fn done(&self) -> bool {
        self.status.is_some() && self.outputs.iter().all(Option::is_none)
    }

    /// Records the exit code; the session (and the connection) then ends.
    pub fn finish(&self, state_dir: &Path, status: i32) {
        let record = ExitRecord::from_wait_status(status, self.started_at_ns, sys::now_ns());
        if let Err(e) = sys::write_atomic(
            &state_dir.join(exec_exit_file(&self.id)),
            record.encode().as_bytes(),
        ) {
            eprintln!("berth-shim: recording exec {} exit: {e}", self.id);
        }
    }
}
