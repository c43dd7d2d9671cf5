//! CVE-2019-5736: a container process cloned from the runtime helper could
//! reach the helper's binary through /proc/<pid>/exe and overwrite it on the
//! host. Shims therefore run the helper from a sealed memfd copy that
//! nobody can write.

use std::io::Write;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;

use anyhow::Context;

/// The fd number a shim receives the sealed helper on.
pub const SHIM_HELPER_FD: i32 = 4;

/// Copies `binary` into a memfd and seals it against any change.
pub fn seal(binary: &Path) -> anyhow::Result<OwnedFd> {
    let bytes = std::fs::read(binary).with_context(|| format!("reading {}", binary.display()))?;
    let fd = rustix::fs::memfd_create(
        "berth-runtime-helper",
        rustix::fs::MemfdFlags::CLOEXEC | rustix::fs::MemfdFlags::ALLOW_SEALING,
    )
    .context("memfd_create for the runtime helper")?;
    let mut file = std::fs::File::from(fd);
    file.write_all(&bytes)
        .context("copying the runtime helper")?;
    let fd = OwnedFd::from(file);
    // The write seal is refused (EBUSY) while the pages just written still
    // carry transient references (per-CPU LRU batches under load); the
    // kernel waits only briefly, so try again for up to a second.
    let seals = rustix::fs::SealFlags::WRITE
        | rustix::fs::SealFlags::SHRINK
        | rustix::fs::SealFlags::GROW
        | rustix::fs::SealFlags::SEAL;
    let mut attempts = 0;
    loop {
        match rustix::fs::fcntl_add_seals(&fd, seals) {
            Ok(()) => break,
            Err(rustix::io::Errno::BUSY) if attempts < 40 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            Err(e) => return Err(e).context("sealing the runtime helper copy"),
        }
    }
    tracing::debug!("runtime helper sealed in memfd {}", fd.as_raw_fd());
    Ok(fd)
}
