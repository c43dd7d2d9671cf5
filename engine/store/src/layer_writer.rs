//! Deterministic layer tarballs: sorted entries, fixed mtime, root owner.
//! The one layer writer that the catalog (and later commit and build) use.

use std::collections::BTreeMap;

#[derive(Debug, Clone)]
enum EntryKind {
    Dir,
    File(Vec<u8>),
    Symlink(String),
    Hardlink(String),
}

#[derive(Debug, Clone)]
struct Entry {
    mode: u32,
    kind: EntryKind,
}

/// Collects files in memory and writes them as one tar layer.
#[derive(Debug, Default)]
pub struct LayerBuilder {
    entries: BTreeMap<String, Entry>,
    mtime: u64,
}

impl LayerBuilder {
    /// `mtime` is stamped on every entry (seconds since the epoch).
    pub fn new(mtime: u64) -> Self {
        LayerBuilder {
            entries: BTreeMap::new(),
            mtime,
        }
    }

    fn clean(path: &str) -> String {
        path.trim_start_matches('/')
            .trim_end_matches('/')
            .to_string()
    }

    fn add_parents(&mut self, path: &str) {
        let mut prefix = String::new();
        let parts: Vec<&str> = path.split('/').collect();
        for part in &parts[..parts.len().saturating_sub(1)] {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            self.entries.entry(prefix.clone()).or_insert(Entry {
                mode: 0o755,
                kind: EntryKind::Dir,
            });
        }
    }

    fn insert(&mut self, path: &str, mode: u32, kind: EntryKind) -> &mut Self {
        let path = Self::clean(path);
        self.add_parents(&path);
        self.entries.insert(path, Entry { mode, kind });
        self
    }

    pub fn dir(&mut self, path: &str, mode: u32) -> &mut Self {
        self.insert(path, mode, EntryKind::Dir)
    }

    pub fn file(&mut self, path: &str, mode: u32, contents: impl Into<Vec<u8>>) -> &mut Self {
        self.insert(path, mode, EntryKind::File(contents.into()))
    }

    pub fn symlink(&mut self, path: &str, target: &str) -> &mut Self {
        self.insert(path, 0o777, EntryKind::Symlink(target.to_string()))
    }

    /// `target` is another path in this layer.
    pub fn hardlink(&mut self, path: &str, target: &str) -> &mut Self {
        self.insert(path, 0o755, EntryKind::Hardlink(Self::clean(target)))
    }

    /// The tar bytes. Entries come in path order (hardlinks after the
    /// rest) so the bytes, and so the digest, depend only on the content.
    pub fn build(&self) -> std::io::Result<Vec<u8>> {
        let mut tar = tar::Builder::new(Vec::new());
        // Hardlinks go last: their targets must be unpacked before them.
        let (links, others): (Vec<_>, Vec<_>) = self
            .entries
            .iter()
            .partition(|(_, e)| matches!(e.kind, EntryKind::Hardlink(_)));
        for (path, entry) in others.into_iter().chain(links) {
            let mut header = tar::Header::new_gnu();
            header.set_mode(entry.mode);
            header.set_uid(0);
            header.set_gid(0);
            header.set_mtime(self.mtime);
            match &entry.kind {
                EntryKind::Dir => {
                    header.set_entry_type(tar::EntryType::Directory);
                    header.set_size(0);
                    tar.append_data(&mut header, format!("{path}/"), std::io::empty())?;
                }
                EntryKind::File(data) => {
                    header.set_entry_type(tar::EntryType::Regular);
                    header.set_size(data.len() as u64);
                    tar.append_data(&mut header, path, data.as_slice())?;
                }
                EntryKind::Symlink(target) => {
                    header.set_entry_type(tar::EntryType::Symlink);
                    header.set_size(0);
                    tar.append_link(&mut header, path, target)?;
                }
                EntryKind::Hardlink(target) => {
                    header.set_entry_type(tar::EntryType::Link);
                    header.set_size(0);
                    tar.append_link(&mut header, path, target)?;
                }
            }
        }
        tar.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_independent_of_insertion_order() {
        let mut a = LayerBuilder::new(0);
        a.file("etc/passwd", 0o644, "root:x:0:0::/root:/bin/sh\n")
            .symlink("bin/sh", "busybox");
        let mut b = LayerBuilder::new(0);
        b.symlink("bin/sh", "busybox")
            .file("/etc/passwd", 0o644, "root:x:0:0::/root:/bin/sh\n");
        assert_eq!(a.build().unwrap(), b.build().unwrap());
    }

    #[test]
    fn hardlinks_unpack_after_their_target() {
        let mut a = LayerBuilder::new(0);
        a.file("bin/busybox", 0o755, "x")
            .hardlink("bin/[", "bin/busybox");
        let dir = tempfile::tempdir().unwrap();
        crate::layer_apply::apply_layer(a.build().unwrap().as_slice(), dir.path()).unwrap();
        assert_eq!(std::fs::read(dir.path().join("bin/[")).unwrap(), b"x");
    }

    #[test]
    fn parents_are_added() {
        let mut a = LayerBuilder::new(0);
        a.file("usr/local/bin/cowsay", 0o755, "x");
        let tar = a.build().unwrap();
        let mut archive = tar::Archive::new(tar.as_slice());
        let names: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "usr/",
                "usr/local/",
                "usr/local/bin/",
                "usr/local/bin/cowsay"
            ]
        );
    }
}
