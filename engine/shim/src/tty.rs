//! TTY containers: the pty master arrives from libcontainer over the
//! console socket (SCM_RIGHTS); the shim reads the container's output from
//! it, writes stdin to it, and sets its window size.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixListener;
use std::time::{Duration, Instant};

/// The console socket's name in the shim's state directory.
pub const CONSOLE_SOCKET: &str = "console.sock";

pub fn listen() -> io::Result<UnixListener> {
    listen_as(CONSOLE_SOCKET)
}

/// A console socket under `name`, relative to the state directory (the
/// shim's working directory), so its path is short.
pub fn listen_as(name: &str) -> io::Result<UnixListener> {
    let _ = std::fs::remove_file(name);
    let listener = UnixListener::bind(name)?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// Accepts libcontainer's connection and receives the pty master.
pub fn receive_master(listener: &UnixListener, timeout: Duration) -> io::Result<OwnedFd> {
    let deadline = Instant::now() + timeout;
    let stream = loop {
        match listener.accept() {
            Ok((s, _)) => break s,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => return Err(e),
        }
    };
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(timeout))?;
    recv_fd(stream.as_raw_fd())
}

fn recv_fd(socket: RawFd) -> io::Result<OwnedFd> {
    let mut data = [0u8; 512];
    let mut iov = libc::iovec {
        iov_base: data.as_mut_ptr().cast(),
        iov_len: data.len(),
    };
    // Room for one cmsghdr carrying one int, with alignment slack.
    let mut control = [0u64; 8];
    // SAFETY: msghdr points at buffers that outlive the call; the control
    // message is checked for level, type and length before it is read.
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = std::mem::size_of_val(&control);
        if libc::recvmsg(socket, &mut msg, libc::MSG_CMSG_CLOEXEC) < 0 {
            return Err(io::Error::last_os_error());
        }
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        if cmsg.is_null()
            || (*cmsg).cmsg_level != libc::SOL_SOCKET
            || (*cmsg).cmsg_type != libc::SCM_RIGHTS
            || ((*cmsg).cmsg_len as usize)
                < libc::CMSG_LEN(std::mem::size_of::<RawFd>() as u32) as usize
        {
            return Err(io::Error::other(
                "the console socket sent no file descriptor",
            ));
        }
        let fd = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast::<RawFd>());
        Ok(OwnedFd::from_raw_fd(fd))
    }
}

pub fn set_window_size(master: RawFd, rows: u16, cols: u16) -> io::Result<()> {
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads the struct we pass.
    if unsafe { libc::ioctl(master, libc::TIOCSWINSZ, &ws) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
