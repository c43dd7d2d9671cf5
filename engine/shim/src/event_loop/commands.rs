//! The shim's commands: START, ATTACH, EXEC, KILL, RESIZE, WATCH.

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::time::Duration;

use super::{ClientEvent, ClientKind, Shim, write_blocking};
use crate::exec::{self, ExecSession};
use crate::helper::run_helper;
use crate::sys;
use crate::tty;

impl Shim {
    pub(super) fn command(
        &mut self,
        ci: usize,
        command: &str,
        rest: &[u8],
    ) -> io::Result<ClientEvent> {
        let words: Vec<&str> = command.split_whitespace().collect();
        let flag = |i: usize| words.get(i).map(|w| *w == "1").unwrap_or(false);
        match words.first().copied() {
            Some("START") => Ok(ClientEvent::Start),
            Some("EXEC") => Ok(ClientEvent::Exec(
                words.iter().map(|w| w.to_string()).collect(),
            )),
            Some("ATTACH") => {
                let stdin = flag(1) && self.stdin_writer.is_some();
                self.clients[ci].kind = ClientKind::Attach {
                    stdin,
                    stdout: flag(2),
                    stderr: flag(3),
                    close_stdin_on_eof: flag(4),
                };
                // Registered: from now on no output is missed.
                if write_blocking(&self.clients[ci].stream, &[b"OK\n"]).is_err() {
                    return Ok(ClientEvent::Drop);
                }
                if stdin && !rest.is_empty() {
                    self.write_stdin(rest);
                }
                Ok(ClientEvent::None)
            }
            Some("RESIZE") => {
                let size = (
                    words.get(1).and_then(|h| h.parse().ok()),
                    words.get(2).and_then(|w| w.parse().ok()),
                );
                let reply = match (size, self.opts.tty, self.outputs[0].pipe.as_ref()) {
                    ((Some(rows), Some(cols)), true, Some(master)) => {
                        match tty::set_window_size(master.as_raw_fd(), rows, cols) {
                            Ok(()) => "OK\n".to_string(),
                            Err(e) => format!("ERR resize: {e}\n"),
                        }
                    }
                    ((Some(_), Some(_)), _, _) => "ERR the container has no terminal\n".to_string(),
                    _ => "ERR RESIZE needs rows and columns\n".to_string(),
                };
                let _ = write_blocking(&self.clients[ci].stream, &[reply.as_bytes()]);
                Ok(ClientEvent::Drop)
            }
            Some("EXEC_RESIZE") => {
                let id = words.get(1).copied().unwrap_or_default();
                let rows = words.get(2).and_then(|h| h.parse().ok());
                let cols = words.get(3).and_then(|w| w.parse().ok());
                let session = self.execs.iter().find(|e| e.id == id);
                let reply = match (session, rows, cols) {
                    (Some(e), Some(r), Some(c)) if e.tty => match e.outputs[0].as_ref() {
                        Some(master) => match tty::set_window_size(master.as_raw_fd(), r, c) {
                            Ok(()) => "OK\n".to_string(),
                            Err(err) => format!("ERR resize: {err}\n"),
                        },
                        None => "ERR the exec has ended\n".to_string(),
                    },
                    (Some(_), Some(_), Some(_)) => "ERR the exec has no terminal\n".to_string(),
                    (None, _, _) => format!("ERR no running exec {id}\n"),
                    _ => "ERR EXEC_RESIZE needs an id, rows and columns\n".to_string(),
                };
                let _ = write_blocking(&self.clients[ci].stream, &[reply.as_bytes()]);
                Ok(ClientEvent::Drop)
            }
            Some("WATCH") => {
                self.clients[ci].kind = ClientKind::Watch;
                Ok(ClientEvent::None)
            }
            Some("KILL") => {
                let reply = match (
                    words.get(1).and_then(|s| s.parse::<i32>().ok()),
                    self.init_pid,
                ) {
                    (None, _) => "ERR KILL needs a signal number\n".to_string(),
                    (Some(_), None) => "ERR container is not running\n".to_string(),
                    (Some(_), Some(_)) if self.init_status.is_some() => {
                        "ERR container is not running\n".to_string()
                    }
                    (Some(sig), Some(pid)) => match sys::kill(pid, sig) {
                        Ok(()) => "OK\n".to_string(),
                        Err(e) => format!("ERR kill {pid}: {e}\n"),
                    },
                };
                let _ = write_blocking(&self.clients[ci].stream, &[reply.as_bytes()]);
                Ok(ClientEvent::Drop)
            }
            _ => {
                let reply = format!("ERR unknown command {command:?}\n");
                let _ = write_blocking(&self.clients[ci].stream, &[reply.as_bytes()]);
                Ok(ClientEvent::Drop)
            }
        }
    }

    /// Runs the helper that builds and starts the container. Blocks the
    /// loop for the few milliseconds that takes; output stays in the pipes.
    pub(super) fn handle_start(&mut self, ci: usize) -> io::Result<()> {
        let reply = match self.spawn_container() {
            Ok(pid) => {
                self.init_pid = Some(pid);
                self.started_at_ns = sys::now_ns();
                if let Some(status) = self.reaped.get(&pid) {
                    self.init_status = Some(*status);
                }
                format!("OK {pid} {}\n", self.started_at_ns)
            }
            Err(e) => {
                self.start_failed = true;
                format!("ERR {}\n", e.to_string().replace('\n', " "))
            }
        };
        write_blocking(&self.clients[ci].stream, &[reply.as_bytes()])?;
        Err(io::Error::other("start answered"))
    }

    fn spawn_container(&mut self) -> io::Result<i32> {
        let Some((stdin, stdout, stderr)) = self.child_stdio.take() else {
            return Err(io::Error::other("the container was already started"));
        };
        let o = &self.opts;
        let console_path = o.state_dir.join(tty::CONSOLE_SOCKET);
        let console = if o.tty { Some(tty::listen()?) } else { None };
        let mut args: Vec<&OsStr> = vec![
            "create".as_ref(),
            "--root".as_ref(),
            o.runtime_root.as_os_str(),
            "--id".as_ref(),
            o.id.as_ref(),
            "--bundle".as_ref(),
            o.bundle.as_os_str(),
        ];
        if console.is_some() {
            args.extend(["--console-socket".as_ref(), console_path.as_os_str()]);
        }
        let pid = run_helper(&o.helper, &args, stdin, stdout, stderr)?;
        if let Some(listener) = console {
            // The pty master replaces the stdout pipe (the container's
            // stdio is the pty) and takes stdin.
            let master = File::from(tty::receive_master(&listener, Duration::from_secs(10))?);
            let _ = std::fs::remove_file(tty::CONSOLE_SOCKET);
            self.stdin_writer = Some(master.try_clone()?);
            self.outputs[0].pipe = Some(master);
        }
        Ok(pid)
    }

    /// `EXEC <id> <stdin> <process path>`: starts the process and turns
    /// the client's connection into its session.
    pub(super) fn handle_exec(&mut self, ci: usize, words: &[String]) {
        let client = self.clients.remove(ci);
        let (Some(id), Some(path)) = (words.get(1), words.get(3)) else {
            let _ = write_blocking(
                &client.stream,
                &[b"ERR EXEC needs an id, a stdin flag and a process file\n"],
            );
            return;
        };
        let with_stdin = words.get(2).is_some_and(|w| w == "1");
        let with_tty = words.get(4).is_some_and(|w| w == "1");
        let running = self.init_pid.is_some() && self.init_status.is_none();
        let result = if running {
            self.spawn_exec(id, path, with_stdin, with_tty)
        } else {
            Err(io::Error::other("the container is not running"))
        };
        match result {
            Ok((pid, outputs, stdin)) => {
                let reply = format!("OK {pid}\n");
                if write_blocking(&client.stream, &[reply.as_bytes()]).is_err() {
                    return;
                }
                self.execs.push(ExecSession {
                    id: id.clone(),
                    pid,
                    client: client.stream,
                    client_read_closed: false,
                    outputs,
                    stdin,
                    status: self.reaped.get(&pid).copied(),
                    started_at_ns: sys::now_ns(),
                    tty: with_tty,
                });
            }
            Err(e) => {
                let reply = format!("ERR {}\n", e.to_string().replace('\n', " "));
                let _ = write_blocking(&client.stream, &[reply.as_bytes()]);
            }
        }
    }

    /// Starts an exec process; with a terminal, its pty master (from the
    /// console socket) is both its output and its stdin.
    #[allow(clippy::type_complexity)]
    fn spawn_exec(
        &mut self,
        id: &str,
        process_path: &str,
        with_stdin: bool,
        with_tty: bool,
    ) -> io::Result<(i32, [Option<File>; 2], Option<File>)> {
        let pipes = exec::make_pipes(with_stdin)?;
        let o = &self.opts;
        let console_name = format!("console-exec-{id}.sock");
        let console_path = o.state_dir.join(&console_name);
        let console = if with_tty {
            Some(tty::listen_as(&console_name)?)
        } else {
            None
        };
        let mut args: Vec<&OsStr> = vec![
            "exec".as_ref(),
            "--root".as_ref(),
            o.runtime_root.as_os_str(),
            "--id".as_ref(),
            o.id.as_ref(),
            "--process".as_ref(),
            process_path.as_ref(),
        ];
        if console.is_some() {
            args.extend(["--console-socket".as_ref(), console_path.as_os_str()]);
        }
        let (i, out, err) = pipes.child;
        let pid = match run_helper(&o.helper, &args, i, out, err) {
            Ok(pid) => pid,
            Err(e) => {
                let _ = std::fs::remove_file(&console_name);
                return Err(e);
            }
        };
        let [out_r, err_r] = pipes.outputs;
        let Some(listener) = console else {
            return Ok((pid, [Some(out_r), Some(err_r)], pipes.stdin));
        };
        let master = tty::receive_master(&listener, Duration::from_secs(10)).map(File::from);
        let _ = std::fs::remove_file(&console_name);
        let master = master?;
        let stdin = Some(master.try_clone()?);
        Ok((pid, [Some(master), None], stdin))
    }

    /// Ends the sessions whose process exited and whose output is drained.
    pub(super) fn finish_execs(&mut self) {
        let state_dir = self.opts.state_dir.clone();
        self.execs.retain(|e| {
            if e.done() {
                e.finish(&state_dir, e.status.unwrap_or(0));
                false
            } else {
                true
            }
        });
    }
}
