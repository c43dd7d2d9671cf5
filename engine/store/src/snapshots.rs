//! Overlay snapshots: one unpacked directory per layer chain, and a
//! read-write layer per container mounted over them.
//!
//! Layout under `snapshots/`:
//! `layers/<chain id hex>/fs` (one layer), `l/<short>` -> that fs (short
//! names keep the overlay mount options within one page, so deep images
//! mount), `rw/<container id>/{diff,work}`.

use std::path::{Path, PathBuf};

use rand::Rng as _;

use crate::StoreError;
use crate::digest::Digest;

/// Where layers are unpacked and container root filesystems assembled.
pub trait Snapshotter: Send + Sync {
    /// Unpacks `layer` (a tar stream) as the chain `chain_id` unless present.
    fn ensure_layer(
        &self,
        chain_id: &Digest,
        layer: &mut dyn std::io::Read,
    ) -> Result<(), StoreError>;
    fn has_layer(&self, chain_id: &Digest) -> bool;
    fn remove_layer(&self, chain_id: &Digest) -> Result<(), StoreError>;
    /// Mounts the container's root filesystem at `target`: its read-write
    /// layer over `chain` (bottom layer first).
    fn mount_rootfs(
        &self,
        container_id: &str,
        chain: &[Digest],
        target: &Path,
    ) -> Result<(), StoreError>;
    fn unmount_rootfs(&self, target: &Path) -> Result<(), StoreError>;
    /// Deletes the container's read-write layer.
    fn remove_rw(&self, container_id: &str) -> Result<(), StoreError>;
}

/// Chain IDs as the OCI image spec defines them.
pub fn chain_ids(diff_ids: &[Digest]) -> Vec<Digest> {
    let mut out: Vec<Digest> = Vec::with_capacity(diff_ids.len());
    for diff in diff_ids {
        let next = match out.last() {
            None => diff.clone(),
            Some(prev) => Digest::of(format!("{prev} {diff}").as_bytes()),
        };
        out.push(next);
    }
    out
}

pub struct OverlaySnapshotter {
    root: PathBuf,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl OverlaySnapshotter {
    pub fn open(data_root: &Path) -> Result<Self, StoreError> {
        let root = data_root.join("snapshots");
        for sub in ["layers", "l", "rw"] {
            let p = root.join(sub);
            std::fs::create_dir_all(&p).map_err(io_err(&p))?;
        }
        Ok(OverlaySnapshotter { root })
    }

    fn layer_dir(&self, chain_id: &Digest) -> PathBuf {
        self.root.join("layers").join(chain_id.hex())
    }

    fn short_link(&self, chain_id: &Digest) -> Result<PathBuf, StoreError> {
        let link_file = self.layer_dir(chain_id).join("link");
        let short = std::fs::read_to_string(&link_file).map_err(io_err(&link_file))?;
        Ok(self.root.join("l").join(short.trim()))
    }

    fn rw_dir(&self, container_id: &str) -> PathBuf {
        self.root.join("rw").join(container_id)
    }
}

impl Snapshotter for OverlaySnapshotter {
    fn ensure_layer(
        &self,
        chain_id: &Digest,
        layer: &mut dyn std::io::Read,
    ) -> Result<(), StoreError> {
        let final_dir = self.layer_dir(chain_id);
        if final_dir.join("link").exists() {
            return Ok(());
        }
        // Unpack beside the final place, then rename: a crash leaves only a
        // temp directory, never a half layer under its real name.
        let tmp = self.root.join("layers").join(format!(
            ".tmp-{}-{}",
            chain_id.short(),
            rand::rng().random::<u64>()
        ));
        let fs_dir = tmp.join("fs");
        std::fs::create_dir_all(&fs_dir).map_err(io_err(&fs_dir))?;
        let result = (|| {
            crate::layer_apply::apply_layer(layer, &fs_dir)?;
            let short: String = (0..10)
                .map(|_| (b'A' + rand::rng().random_range(0..26u8)) as char)
                .collect();
            let link = self.root.join("l").join(&short);
            std::os::unix::fs::symlink(format!("../layers/{}/fs", chain_id.hex()), &link)
                .map_err(io_err(&link))?;
            let link_file = tmp.join("link");
            std::fs::write(&link_file, &short).map_err(io_err(&link_file))?;
            match std::fs::rename(&tmp, &final_dir) {
                Ok(()) => Ok(()),
                // Someone else unpacked the same layer first: theirs wins.
                Err(_) if final_dir.join("link").exists() => {
                    let _ = std::fs::remove_file(&link);
                    Err(StoreError::AlreadyExists)
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&link);
                    Err(io_err(&final_dir)(e))
                }
            }
        })();
        match result {
            Ok(()) => Ok(()),
            Err(StoreError::AlreadyExists) => {
                let _ = std::fs::remove_dir_all(&tmp);
                Ok(())
            }
            Err(e) => {
                let _ = std::fs::remove_dir_all(&tmp);
                Err(e)
            }
        }
    }

    fn has_layer(&self, chain_id: &Digest) -> bool {
        self.layer_dir(chain_id).join("link").exists()
    }

    fn remove_layer(&self, chain_id: &Digest) -> Result<(), StoreError> {
        if let Ok(link) = self.short_link(chain_id) {
            let _ = std::fs::remove_file(link);
        }
        let dir = self.layer_dir(chain_id);
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err(&dir)(e)),
        }
    }

    fn mount_rootfs(
        &self,
        container_id: &str,
        chain: &[Digest],
        target: &Path,
    ) -> Result<(), StoreError> {
        let rw = self.rw_dir(container_id);
        let (upper, work) = (rw.join("diff"), rw.join("work"));
        for d in [&upper, &work, &target.to_path_buf()] {
            std::fs::create_dir_all(d).map_err(io_err(d))?;
        }
        let mut lowers = Vec::with_capacity(chain.len());
        for c in chain.iter().rev() {
            lowers.push(self.short_link(c)?.display().to_string());
        }
        if lowers.is_empty() {
            // overlay needs a lower dir: an empty image gets an empty one.
            let empty = self.root.join("empty");
            std::fs::create_dir_all(&empty).map_err(io_err(&empty))?;
            lowers.push(empty.display().to_string());
        }
        let options = format!(
            "lowerdir={},upperdir={},workdir={},index=off",
            lowers.join(":"),
            upper.display(),
            work.display()
        );
        let page = 4096;
        if options.len() >= page {
            return Err(StoreError::Mount {
                target: target.to_path_buf(),
                reason: format!(
                    "{} layers need {} bytes of mount options, over one page",
                    chain.len(),
                    options.len()
                ),
            });
        }
        let options = std::ffi::CString::new(options).map_err(|_| StoreError::Mount {
            target: target.to_path_buf(),
            reason: "mount options contain a NUL byte".to_string(),
        })?;
        rustix::mount::mount(
            "overlay",
            target,
            "overlay",
            rustix::mount::MountFlags::empty(),
            Some(options.as_c_str()),
        )
        .map_err(|e| StoreError::Mount {
            target: target.to_path_buf(),
            reason: e.to_string(),
        })
    }

    fn unmount_rootfs(&self, target: &Path) -> Result<(), StoreError> {
        match rustix::mount::unmount(target, rustix::mount::UnmountFlags::DETACH) {
            Ok(()) | Err(rustix::io::Errno::INVAL) | Err(rustix::io::Errno::NOENT) => Ok(()),
            Err(e) => Err(StoreError::Mount {
                target: target.to_path_buf(),
                reason: format!("unmount: {e}"),
            }),
        }
    }

    fn remove_rw(&self, container_id: &str) -> Result<(), StoreError> {
        let dir = self.rw_dir(container_id);
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err(&dir)(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_ids_follow_the_oci_rule() {
        let a = Digest::of(b"a");
        let b = Digest::of(b"b");
        let chain = chain_ids(&[a.clone(), b.clone()]);
        assert_eq!(chain[0], a);
        assert_eq!(chain[1], Digest::of(format!("{a} {b}").as_bytes()));
    }
}
