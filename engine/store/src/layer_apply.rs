//! Unpacks one layer tar (plain or gzip) into an empty snapshot directory,
//! turning OCI whiteouts into overlayfs ones.
//!
//! Every path is resolved inside the snapshot with cap-std, which refuses
//! `..` and symlinks (absolute or relative) that would leave it; the final
//! component is then handled with *at syscalls that never follow it.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use cap_std::ambient_authority;
use cap_std::fs::Dir;
use rustix::fs::{AtFlags, FileType, Mode, Timespec, Timestamps};

use crate::StoreError;

const WHITEOUT_PREFIX: &str = ".wh.";
const OPAQUE_MARKER: &str = ".wh..wh..opq";

/// Returns the number of bytes of regular file content written.
pub fn apply_layer(reader: impl Read, dest: &Path) -> Result<u64, StoreError> {
    let mut peek = std::io::BufReader::new(reader);
    let is_gzip = {
        use std::io::BufRead;
        let head = peek
            .fill_buf()
            .map_err(|e| bad_layer(dest, e.to_string()))?;
        head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b
    };
    if is_gzip {
        apply_tar(flate2::read::GzDecoder::new(peek), dest)
    } else {
        apply_tar(peek, dest)
    }
}

fn bad_layer(dest: &Path, reason: String) -> StoreError {
    StoreError::BadLayer {
        path: dest.to_path_buf(),
        reason,
    }
}

/// A layer path made relative and checked: no `..`, no root.
fn safe_relative(raw: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in raw.components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir | Component::RootDir => {}
            Component::ParentDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

fn apply_tar(reader: impl Read, dest: &Path) -> Result<u64, StoreError> {
    let root = Dir::open_ambient_dir(dest, ambient_authority())
        .map_err(|e| bad_layer(dest, format!("opening snapshot: {e}")))?;
    let mut archive = tar::Archive::new(reader);
    let mut written = 0u64;
    let mut dir_times: Vec<(PathBuf, u64)> = Vec::new();
    let entries = archive
        .entries()
        .map_err(|e| bad_layer(dest, e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad_layer(dest, e.to_string()))?;
        let raw = entry
            .path()
            .map_err(|e| bad_layer(dest, e.to_string()))?
            .into_owned();
        let rel = safe_relative(&raw)
            .ok_or_else(|| bad_layer(dest, format!("entry {} escapes the layer", raw.display())))?;
        let Some(name) = rel.file_name().map(|n| n.to_os_string()) else {
            continue; // the root itself
        };
        let parent_rel = rel.parent().unwrap_or(Path::new("")).to_path_buf();
        let err = |what: &str, e: &dyn std::fmt::Display| {
            bad_layer(dest, format!("{what} {}: {e}", rel.display()))
        };
        let parent = if parent_rel.as_os_str().is_empty() {
            root.try_clone().map_err(|e| err("opening root for", &e))?
        } else {
            root.create_dir_all(&parent_rel)
                .map_err(|e| err("creating parent of", &e))?;
            root.open_dir(&parent_rel)
                .map_err(|e| err("opening parent of", &e))?
        };
        let name_str = name.to_string_lossy().into_owned();
        if name_str == OPAQUE_MARKER {
            rustix::fs::fsetxattr(
                &parent,
                "trusted.overlay.opaque",
                b"y",
                rustix::fs::XattrFlags::empty(),
            )
            .map_err(|e| err("marking opaque", &e))?;
            continue;
        }
        if let Some(hidden) = name_str.strip_prefix(WHITEOUT_PREFIX) {
            if hidden.is_empty() || hidden.starts_with(WHITEOUT_PREFIX) {
                return Err(err("bad whiteout", &"empty or nested name"));
            }
            remove_existing(&parent, hidden.as_ref());
            rustix::fs::mknodat(
                &parent,
                hidden,
                FileType::CharacterDevice,
                Mode::empty(),
                rustix::fs::makedev(0, 0),
            )
            .map_err(|e| err("creating whiteout for", &e))?;
            continue;
        }

        let header = entry.header().clone();
        let mode = Mode::from_raw_mode(header.mode().unwrap_or(0o644) & 0o7777);
        let kind = header.entry_type();
        if !kind.is_dir() {
            remove_existing(&parent, name.as_ref());
        }
        match kind {
            tar::EntryType::Directory => {
                match rustix::fs::mkdirat(&parent, name.as_os_str(), Mode::from_raw_mode(0o755)) {
                    Ok(()) => {}
                    Err(rustix::io::Errno::EXIST) => {
                        let st = rustix::fs::statat(
                            &parent,
                            name.as_os_str(),
                            AtFlags::SYMLINK_NOFOLLOW,
                        )
                        .map_err(|e| err("inspecting", &e))?;
                        if FileType::from_raw_mode(st.st_mode) != FileType::Directory {
                            remove_existing(&parent, name.as_ref());
                            rustix::fs::mkdirat(
                                &parent,
                                name.as_os_str(),
                                Mode::from_raw_mode(0o755),
                            )
                            .map_err(|e| err("creating directory", &e))?;
                        }
                    }
                    Err(e) => return Err(err("creating directory", &e)),
                }
                dir_times.push((rel.clone(), header.mtime().unwrap_or(0)));
            }
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                let mut opts = cap_std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                let mut file = parent
                    .open_with(&name, &opts)
                    .map_err(|e| err("creating file", &e))?;
                written += std::io::copy(&mut entry, &mut file).map_err(|e| err("writing", &e))?;
            }
            tar::EntryType::Symlink => {
                let target = header
                    .link_name()
                    .map_err(|e| err("reading link of", &e))?
                    .ok_or_else(|| err("symlink without target", &""))?;
                rustix::fs::symlinkat(target.as_os_str(), &parent, name.as_os_str())
                    .map_err(|e| err("creating symlink", &e))?;
            }
            tar::EntryType::Link => {
                let target = header
                    .link_name()
                    .map_err(|e| err("reading link of", &e))?
                    .ok_or_else(|| err("hardlink without target", &""))?;
                let target_rel = safe_relative(&target)
                    .ok_or_else(|| err("hardlink escaping the layer", &target.display()))?;
                let target_name = target_rel
                    .file_name()
                    .ok_or_else(|| err("hardlink to the root", &""))?;
                let target_parent = match target_rel.parent() {
                    Some(p) if !p.as_os_str().is_empty() => root
                        .open_dir(p)
                        .map_err(|e| err("resolving hardlink target of", &e))?,
                    _ => root.try_clone().map_err(|e| err("opening root for", &e))?,
                };
                rustix::fs::linkat(
                    &target_parent,
                    target_name,
                    &parent,
                    name.as_os_str(),
                    AtFlags::empty(),
                )
                .map_err(|e| err("creating hardlink", &e))?;
                continue; // shares the target's inode: no chown/chmod
            }
            tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
                let ftype = match kind {
                    tar::EntryType::Char => FileType::CharacterDevice,
                    tar::EntryType::Block => FileType::BlockDevice,
                    _ => FileType::Fifo,
                };
                let dev = rustix::fs::makedev(
                    header.device_major().ok().flatten().unwrap_or(0),
                    header.device_minor().ok().flatten().unwrap_or(0),
                );
                rustix::fs::mknodat(&parent, name.as_os_str(), ftype, mode, dev)
                    .map_err(|e| err("creating device", &e))?;
            }
            // PAX and GNU long-name headers are consumed by the tar crate;
            // anything else carries no file.
            _ => continue,
        }
        let uid = header.uid().unwrap_or(0) as u32;
        let gid = header.gid().unwrap_or(0) as u32;
        let (uid, gid) = (
            rustix::fs::Uid::from_raw(uid),
            rustix::fs::Gid::from_raw(gid),
        );
        rustix::fs::chownat(
            &parent,
            name.as_os_str(),
            Some(uid),
            Some(gid),
            AtFlags::SYMLINK_NOFOLLOW,
        )
        .map_err(|e| err("chown", &e))?;
        if kind != tar::EntryType::Symlink {
            rustix::fs::chmodat(&parent, name.as_os_str(), mode, AtFlags::empty())
                .map_err(|e| err("chmod", &e))?;
        }
        if !kind.is_dir() {
            set_mtime(&parent, name.as_ref(), header.mtime().unwrap_or(0));
        }
    }
    // Directory times last: creating their children changed them.
    for (rel, mtime) in dir_times.into_iter().rev() {
        if let (Some(name), Some(parent_rel)) = (rel.file_name(), rel.parent()) {
            let parent = if parent_rel.as_os_str().is_empty() {
                root.try_clone().ok()
            } else {
                root.open_dir(parent_rel).ok()
            };
            if let Some(parent) = parent {
                set_mtime(&parent, name.as_ref(), mtime);
            }
        }
    }
    Ok(written)
}

fn set_mtime(parent: &Dir, name: &Path, mtime: u64) {
    let ts = Timespec {
        tv_sec: mtime as i64,
        tv_nsec: 0,
    };
    let times = Timestamps {
        last_access: ts,
        last_modification: ts,
    };
    let _ = rustix::fs::utimensat(parent, name, &times, AtFlags::SYMLINK_NOFOLLOW);
}

/// A later entry replaces an earlier one of the same name (tar semantics).
fn remove_existing(parent: &Dir, name: &Path) {
    match rustix::fs::statat(parent, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) if FileType::from_raw_mode(st.st_mode) == FileType::Directory => {
            let _ = parent.remove_dir_all(name);
        }
        Ok(_) => {
            let _ = rustix::fs::unlinkat(parent, name, AtFlags::empty());
        }
        Err(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_with(build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        build(&mut b);
        b.into_inner().unwrap()
    }

    fn file(b: &mut tar::Builder<Vec<u8>>, path: &str, data: &[u8]) {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        // set_path refuses "..", so write the name bytes directly.
        let name = &mut h.as_old_mut().name;
        name[..path.len()].copy_from_slice(path.as_bytes());
        h.set_cksum();
        b.append(&h, data).unwrap();
    }

    fn symlink(b: &mut tar::Builder<Vec<u8>>, path: &str, target: &str) {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        b.append_link(&mut h, path, target).unwrap();
    }

    #[test]
    fn dotdot_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let layer = tar_with(|b| file(b, "../evil", b"x"));
        assert!(apply_layer(layer.as_slice(), dir.path()).is_err());
        assert!(!dir.path().parent().unwrap().join("evil").exists());
    }

    #[test]
    fn absolute_symlink_cannot_redirect_writes() {
        let outside = tempfile::tempdir().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let target = outside.path().to_str().unwrap().to_string();
        let layer = tar_with(|b| {
            symlink(b, "escape", &target);
            file(b, "escape/owned", b"x");
        });
        assert!(apply_layer(layer.as_slice(), dir.path()).is_err());
        assert!(!outside.path().join("owned").exists());
    }

    #[test]
    fn relative_symlink_escape_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let layer = tar_with(|b| {
            symlink(b, "up", "../../../../../../tmp");
            file(b, "up/owned-by-layer", b"x");
        });
        assert!(apply_layer(layer.as_slice(), dir.path()).is_err());
        assert!(!Path::new("/tmp/owned-by-layer").exists());
    }

    #[test]
    fn gzip_and_plain_give_the_same_tree() {
        let mut lb = crate::layer_writer::LayerBuilder::new(0);
        lb.file("a/b", 0o600, "hi").symlink("a/c", "b");
        let plain = lb.build().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &plain).unwrap();
        let gz = gz.finish().unwrap();
        for bytes in [plain, gz] {
            let dir = tempfile::tempdir().unwrap();
            apply_layer(bytes.as_slice(), dir.path()).unwrap();
            assert_eq!(std::fs::read(dir.path().join("a/b")).unwrap(), b"hi");
            assert_eq!(
                std::fs::read_link(dir.path().join("a/c")).unwrap(),
                Path::new("b")
            );
        }
    }

    #[test]
    fn whiteouts_become_overlay_whiteouts() {
        let dir = tempfile::tempdir().unwrap();
        let layer = tar_with(|b| {
            file(b, "etc/.wh.gone", b"");
        });
        apply_layer(layer.as_slice(), dir.path()).unwrap();
        let st = rustix::fs::stat(dir.path().join("etc/gone")).unwrap();
        assert_eq!(
            FileType::from_raw_mode(st.st_mode),
            FileType::CharacterDevice
        );
        assert_eq!(st.st_rdev, 0);
    }
}
