//! Pinned network namespaces: made on a throwaway thread (never setns or
//! unshare on a tokio worker), bind-mounted to a file so libcontainer can
//! join it by path and it survives berthd restarts.

use std::io;
use std::path::{Path, PathBuf};

/// Creates a new network namespace with `lo` up, pinned at `path`.
pub fn create_pinned(path: &Path) -> io::Result<()> {
    std::fs::File::create(path)?;
    let target = path.to_path_buf();
    let result = std::thread::spawn(move || -> io::Result<()> {
        // SAFETY: unshare affects only this short-lived thread.
        if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
            return Err(io::Error::last_os_error());
        }
        loopback_up()?;
        let tid = unsafe { libc::syscall(libc::SYS_gettid) };
        let source = PathBuf::from(format!("/proc/self/task/{tid}/ns/net"));
        rustix::mount::mount_bind(&source, &target).map_err(io::Error::from)
    })
    .join()
    .map_err(|_| io::Error::other("namespace thread panicked"))?;
    if result.is_err() {
        let _ = std::fs::remove_file(path);
    }
    result
}

/// Unmounts and deletes a pinned namespace; missing is fine.
pub fn remove_pinned(path: &Path) {
    let _ = rustix::mount::unmount(path, rustix::mount::UnmountFlags::DETACH);
    let _ = std::fs::remove_file(path);
}

/// Sets IFF_UP on `lo` of the calling thread's namespace. A plain ioctl:
/// rtnetlink arrives with the networking work.
pub fn loopback_up() -> io::Result<()> {
    // SAFETY: plain socket/ioctl calls on a struct we own.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut req: libc::ifreq = std::mem::zeroed();
        for (i, b) in b"lo\0".iter().enumerate() {
            req.ifr_name[i] = *b as libc::c_char;
        }
        let mut rc = libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req);
        if rc == 0 {
            req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            rc = libc::ioctl(fd, libc::SIOCSIFFLAGS, &req);
        }
        let err = io::Error::last_os_error();
        libc::close(fd);
        if rc != 0 { Err(err) } else { Ok(()) }
    }
}
