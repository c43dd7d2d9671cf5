//! The shim's single-threaded poll loop.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::{Duration, Instant};

use berth_shim::{EXIT_FILE, ExitRecord, PID_FILE, SOCKET_NAME, STREAM_STDERR, STREAM_STDOUT};

mod commands;

use crate::Options;
use crate::exec::ExecSession;
use crate::sys;

/// A shim whose START never comes (berthd died in between) gives up.
const START_DEADLINE: Duration = Duration::from_secs(120);
/// json-file splits lines longer than this into partial entries, as Docker.
const MAX_LOG_LINE: usize = 16 * 1024;

enum ClientKind {
    /// The command line has not arrived yet.
    Pending(Vec<u8>),
    Attach {
        stdin: bool,
        stdout: bool,
        stderr: bool,
        close_stdin_on_eof: bool,
    },
    Watch,
}

struct Client {
    stream: UnixStream,
    kind: ClientKind,
    /// The client's read side reached EOF (half-close); keep sending.
    read_closed: bool,
}

struct OutputStream {
    pipe: Option<File>,
    number: u8,
    name: &'static str,
    partial: Vec<u8>,
}

struct Shim {
    opts: Options,
    listener: UnixListener,
    sigchld: OwnedFd,
    log: File,
    clients: Vec<Client>,
    outputs: [OutputStream; 2],
    /// Container stdin, ours to write; `None` once closed.
    stdin_writer: Option<File>,
    /// The ends the helper (and so the container) inherits; dropped after
    /// START so EOF arrives when the container closes them.
    child_stdio: Option<(File, File, File)>,
    reaped: HashMap<i32, i32>,
    init_pid: Option<i32>,
    started_at_ns: i64,
    init_status: Option<i32>,
    start_failed: bool,
    execs: Vec<ExecSession>,
}

pub fn run(opts: Options) -> io::Result<()> {
    sys::set_child_subreaper()?;
    // berthd hands the sealed runtime helper over as fd 4; keep it from the
    // children (exec through /proc/self/fd/4 still works).
    sys::set_cloexec(4);
    sys::ignore_signal(libc::SIGHUP);
    sys::ignore_signal(libc::SIGPIPE);
    let sigchld = sys::sigchld_fd()?;
    std::fs::write(
        opts.state_dir.join(PID_FILE),
        std::process::id().to_string(),
    )?;
    // Bind by a relative name from inside the state directory: a unix
    // socket path must fit in 108 bytes, and exec roots can be long.
    std::env::set_current_dir(&opts.state_dir)?;
    let _ = std::fs::remove_file(SOCKET_NAME);
    let listener = UnixListener::bind(SOCKET_NAME)?;
    listener.set_nonblocking(true)?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&opts.log_path)?;

    let (stdout_r, stdout_w) = std::io::pipe()?;
    let (stderr_r, stderr_w) = std::io::pipe()?;
    let (stdin_reader, stdin_writer) = if opts.open_stdin {
        let (r, w) = std::io::pipe()?;
        (
            File::from(OwnedFd::from(r)),
            Some(File::from(OwnedFd::from(w))),
        )
    } else {
        (File::open("/dev/null")?, None)
    };
    let output = |pipe: std::io::PipeReader, number, name| -> io::Result<OutputStream> {
        sys::set_nonblocking(pipe.as_raw_fd(), true)?;
        Ok(OutputStream {
            pipe: Some(File::from(OwnedFd::from(pipe))),
            number,
            name,
            partial: Vec::new(),
        })
    };
    let mut shim = Shim {
        outputs: [
            output(stdout_r, STREAM_STDOUT, "stdout")?,
            output(stderr_r, STREAM_STDERR, "stderr")?,
        ],
        child_stdio: Some((
            stdin_reader,
            File::from(OwnedFd::from(stdout_w)),
            File::from(OwnedFd::from(stderr_w)),
        )),
        opts,
        listener,
        sigchld,
        log,
        clients: Vec::new(),
        stdin_writer,
        reaped: HashMap::new(),
        init_pid: None,
        started_at_ns: 0,
        init_status: None,
        start_failed: false,
        execs: Vec::new(),
    };
    let born = Instant::now();
    loop {
        if shim.finished() {
            break;
        }
        if shim.init_pid.is_none() && !shim.start_failed && born.elapsed() > START_DEADLINE {
            eprintln!("berth-shim: no START within {START_DEADLINE:?}; exiting");
            shim.start_failed = true;
        }
        shim.poll_once()?;
    }
    shim.finish()
}

impl Shim {
    fn finished(&self) -> bool {
        let outputs_done = self.outputs.iter().all(|o| o.pipe.is_none());
        if self.start_failed {
            // Nothing runs: the ERR answer already told berthd why.
            return true;
        }
        self.init_status.is_some() && outputs_done
    }

    fn poll_once(&mut self) -> io::Result<()> {
        let mut fds = vec![
            pollfd(self.listener.as_raw_fd()),
            pollfd(self.sigchld.as_raw_fd()),
        ];
        let mut output_idx = Vec::new();
        for (i, o) in self.outputs.iter().enumerate() {
            if let Some(p) = &o.pipe {
                output_idx.push((fds.len(), i));
                fds.push(pollfd(p.as_raw_fd()));
            }
        }
        let mut client_idx = Vec::new();
        for (i, c) in self.clients.iter().enumerate() {
            if !c.read_closed {
                client_idx.push((fds.len(), i));
                fds.push(pollfd(c.stream.as_raw_fd()));
            }
        }
        let mut exec_idx = Vec::new();
        for (i, e) in self.execs.iter().enumerate() {
            for (fd, slot) in e.fds() {
                exec_idx.push((fds.len(), i, slot));
                fds.push(pollfd(fd));
            }
        }
        sys::poll(&mut fds, 1000)?;

        if fds[1].revents != 0 {
            sys::drain_signalfd(&self.sigchld);
            self.reap();
        }
        for (fd_i, out_i) in output_idx {
            if fds[fd_i].revents != 0 {
                self.read_output(out_i);
            }
        }
        for (fd_i, ei, slot) in exec_idx {
            if fds[fd_i].revents != 0 {
                self.execs[ei].on_readable(slot);
            }
        }
        self.finish_execs();
        let mut drop_clients = Vec::new();
        let mut start_requests = Vec::new();
        let mut exec_requests = Vec::new();
        for (fd_i, ci) in client_idx {
            if fds[fd_i].revents != 0 {
                match self.read_client(ci) {
                    Ok(ClientEvent::None) => {}
                    Ok(ClientEvent::Start) => start_requests.push(ci),
                    Ok(ClientEvent::Exec(words)) => exec_requests.push((ci, words)),
                    Ok(ClientEvent::Drop) | Err(_) => drop_clients.push(ci),
                }
            }
        }
        for ci in start_requests {
            if self.handle_start(ci).is_err() {
                drop_clients.push(ci);
            }
        }
        drop_clients.sort_unstable();
        drop_clients.dedup();
        // Exec requests take their client out of the list: highest first.
        exec_requests.sort_by_key(|(ci, _)| std::cmp::Reverse(*ci));
        for (ci, words) in exec_requests {
            drop_clients.retain(|d| *d != ci);
            for d in drop_clients.iter_mut() {
                if *d > ci {
                    *d -= 1;
                }
            }
            self.handle_exec(ci, &words);
        }
        for ci in drop_clients.into_iter().rev() {
            self.clients.remove(ci);
        }
        if fds[0].revents != 0 {
            self.accept();
        }
        Ok(())
    }

    fn accept(&mut self) {
        while let Ok((stream, _)) = self.listener.accept() {
            let _ = stream.set_nonblocking(true);
            let _ = sys::set_send_timeout(stream.as_raw_fd(), 10);
            self.clients.push(Client {
                stream,
                kind: ClientKind::Pending(Vec::new()),
                read_closed: false,
            });
        }
    }

    fn reap(&mut self) {
        while let Some((pid, status)) = sys::reap_any() {
            self.reaped.insert(pid, status);
            if Some(pid) == self.init_pid {
                self.init_status = Some(status);
            }
            if let Some(e) = self.execs.iter_mut().find(|e| e.pid == pid) {
                e.status = Some(status);
            }
        }
    }

    fn read_output(&mut self, i: usize) {
        let mut buf = [0u8; 32 * 1024];
        let Some(pipe) = self.outputs[i].pipe.as_mut() else {
            return;
        };
        match pipe.read(&mut buf) {
            Ok(0) => {
                self.flush_partial(i);
                self.outputs[i].pipe = None;
            }
            Ok(n) => {
                let data = &buf[..n];
                self.broadcast(self.outputs[i].number, data);
                self.log_output(i, data);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => {
                self.flush_partial(i);
                self.outputs[i].pipe = None;
            }
        }
    }

    fn log_output(&mut self, i: usize, data: &[u8]) {
        let now = sys::now_ns();
        let out = &mut self.outputs[i];
        out.partial.extend_from_slice(data);
        let mut text = String::new();
        while let Some(pos) = out.partial.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = out.partial.drain(..=pos).collect();
            text.push_str(&berth_shim::jsonlog::encode_line(&line, out.name, now));
        }
        while out.partial.len() >= MAX_LOG_LINE {
            let chunk: Vec<u8> = out.partial.drain(..MAX_LOG_LINE).collect();
            text.push_str(&berth_shim::jsonlog::encode_line(&chunk, out.name, now));
        }
        if !text.is_empty()
            && let Err(e) = self.log.write_all(text.as_bytes())
        {
            eprintln!("berth-shim: writing log: {e}");
        }
    }

    fn flush_partial(&mut self, i: usize) {
        let out = &mut self.outputs[i];
        if !out.partial.is_empty() {
            let line = berth_shim::jsonlog::encode_line(&out.partial, out.name, sys::now_ns());
            out.partial.clear();
            let _ = self.log.write_all(line.as_bytes());
        }
    }

    fn broadcast(&mut self, stream_number: u8, data: &[u8]) {
        let len = (data.len() as u32).to_be_bytes();
        // A terminal has one stream and no framing, as in Docker.
        let header_bytes = [stream_number, 0, 0, 0, len[0], len[1], len[2], len[3]];
        let header: &[u8] = if self.opts.tty { &[] } else { &header_bytes };
        let mut dead = Vec::new();
        for (ci, c) in self.clients.iter_mut().enumerate() {
            let wants = match c.kind {
                ClientKind::Attach { stdout, stderr, .. } => {
                    (stream_number == STREAM_STDOUT && stdout)
                        || (stream_number == STREAM_STDERR && stderr)
                }
                _ => false,
            };
            if wants && write_blocking(&c.stream, &[header, data]).is_err() {
                dead.push(ci);
            }
        }
        for ci in dead.into_iter().rev() {
            self.clients.remove(ci);
        }
    }

    fn read_client(&mut self, ci: usize) -> io::Result<ClientEvent> {
        let mut buf = [0u8; 16 * 1024];
        let client = &mut self.clients[ci];
        let n = match client.stream.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(ClientEvent::None),
            Err(e) => return Err(e),
        };
        match &mut client.kind {
            ClientKind::Pending(line) => {
                if n == 0 {
                    return Ok(ClientEvent::Drop);
                }
                line.extend_from_slice(&buf[..n]);
                let Some(pos) = line.iter().position(|b| *b == b'\n') else {
                    return Ok(if line.len() > 256 {
                        ClientEvent::Drop
                    } else {
                        ClientEvent::None
                    });
                };
                let rest = line.split_off(pos + 1);
                let command = String::from_utf8_lossy(&line[..pos]).into_owned();
                self.command(ci, &command, &rest)
            }
            ClientKind::Attach {
                stdin,
                close_stdin_on_eof,
                ..
            } => {
                let (stdin, close) = (*stdin, *close_stdin_on_eof);
                if n == 0 {
                    client.read_closed = true;
                    if stdin && close {
                        self.stdin_writer = None;
                    }
                    return Ok(ClientEvent::None);
                }
                if stdin {
                    self.write_stdin(&buf[..n]);
                }
                Ok(ClientEvent::None)
            }
            ClientKind::Watch => Ok(if n == 0 {
                ClientEvent::Drop
            } else {
                ClientEvent::None
            }),
        }
    }

    fn write_stdin(&mut self, data: &[u8]) {
        if let Some(w) = self.stdin_writer.as_mut()
            && w.write_all(data).is_err()
        {
            self.stdin_writer = None;
        }
    }

    fn finish(mut self) -> io::Result<()> {
        for i in 0..self.outputs.len() {
            self.flush_partial(i);
        }
        let _ = self.log.sync_data();
        if let (Some(status), false) = (self.init_status, self.start_failed) {
            let record = ExitRecord::from_wait_status(status, self.started_at_ns, sys::now_ns());
            sys::write_atomic(
                &self.opts.state_dir.join(EXIT_FILE),
                record.encode().as_bytes(),
            )?;
        }
        let _ = std::fs::remove_file(self.opts.state_dir.join(SOCKET_NAME));
        // Clients see EOF only now, after the exit record is on disk.
        self.clients.clear();
        Ok(())
    }
}

enum ClientEvent {
    None,
    Start,
    Exec(Vec<String>),
    Drop,
}

fn pollfd(fd: i32) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

/// Writes all parts to a non-blocking socket, waiting (bounded by the send
/// timeout) whenever its buffer is full.
pub(crate) fn write_blocking(stream: &UnixStream, parts: &[&[u8]]) -> io::Result<()> {
    sys::set_nonblocking(stream.as_raw_fd(), false)?;
    let mut s = stream;
    let result = parts.iter().try_for_each(|p| s.write_all(p));
    sys::set_nonblocking(stream.as_raw_fd(), true)?;
    result
}
