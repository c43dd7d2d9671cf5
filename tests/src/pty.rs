//! Runs a command (the docker CLI) on a new pseudo-terminal, to type into
//! it and read its screen as a person would.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub struct PtySession {
    master: File,
    child: Child,
    /// Everything read from the terminal so far.
    pub screen: String,
}

impl PtySession {
    pub fn spawn(mut cmd: Command, rows: u16, cols: u16) -> Self {
        let (mut master, mut slave) = (0, 0);
        let ws = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: openpty writes two fds we then own.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &ws,
            )
        };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        let (master, slave) =
            unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let stdio = |fd: &OwnedFd| Stdio::from(fd.try_clone().unwrap());
        cmd.stdin(stdio(&slave))
            .stdout(stdio(&slave))
            .stderr(stdio(&slave));
        // SAFETY: setsid and ioctl are plain syscalls, fine after fork.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawning on the pty");
        drop(slave);
        let flags = unsafe { libc::fcntl(master.as_raw_fd(), libc::F_GETFL) };
        unsafe { libc::fcntl(master.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK) };
        PtySession {
            master: File::from(master),
            child,
            screen: String::new(),
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).expect("writing to the pty");
    }

    fn pump(&mut self) {
        let mut buf = [0u8; 4096];
        loop {
            match self.master.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => self.screen.push_str(&String::from_utf8_lossy(&buf[..n])),
            }
        }
    }

    /// Waits until the screen shows `needle` (counting from `from`).
    pub fn expect_after(&mut self, from: usize, needle: &str, timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        loop {
            self.pump();
            if let Some(pos) = self.screen[from.min(self.screen.len())..].find(needle) {
                return from + pos + needle.len();
            }
            assert!(
                Instant::now() < deadline,
                "the terminal never showed {needle:?}; it shows:\n{}",
                self.screen
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the terminal is in its cooked state (canonical input and
    /// echo on), as a shell leaves it: raw mode must not outlive a client.
    pub fn is_cooked(&self) -> bool {
        // SAFETY: tcgetattr fills the struct we pass; the fd is ours.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        let rc = unsafe { libc::tcgetattr(self.master.as_raw_fd(), &mut t) };
        assert_eq!(rc, 0, "tcgetattr: {}", std::io::Error::last_os_error());
        t.c_lflag & libc::ICANON != 0 && t.c_lflag & libc::ECHO != 0
    }

    /// Waits for the command to end without consuming the session.
    pub fn wait_status(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            self.pump();
            if let Some(status) = self.child.try_wait().unwrap() {
                self.pump();
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the command did not end; the terminal shows:\n{}",
                self.screen
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn expect(&mut self, needle: &str, timeout: Duration) -> usize {
        self.expect_after(0, needle, timeout)
    }

    pub fn wait(mut self, timeout: Duration) -> (ExitStatus, String) {
        let deadline = Instant::now() + timeout;
        loop {
            self.pump();
            if let Some(status) = self.child.try_wait().unwrap() {
                self.pump();
                return (status, std::mem::take(&mut self.screen));
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "the command did not end; the terminal shows:\n{}",
                    self.screen
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for PtySession {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
