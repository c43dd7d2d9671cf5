//! Blobs by digest under `content/blobs/sha256/<hex>`, verified on write.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::StoreError;
use crate::atomic::tempfile_in;
use crate::digest::Digest;

#[derive(Debug, Clone)]
pub struct ContentStore {
    dir: PathBuf,
}

impl ContentStore {
    pub fn open(root: &Path) -> Result<Self, StoreError> {
        let dir = root.join("content/blobs/sha256");
        std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io {
            path: dir.clone(),
            source,
        })?;
        Ok(ContentStore { dir })
    }

    pub fn path(&self, digest: &Digest) -> PathBuf {
        self.dir.join(digest.hex())
    }

    pub fn contains(&self, digest: &Digest) -> bool {
        self.path(digest).exists()
    }

    /// Stores `data`; when `expected` is given the data must hash to it.
    pub fn write(&self, data: &[u8], expected: Option<&Digest>) -> Result<Digest, StoreError> {
        let digest = Digest::of(data);
        if let Some(e) = expected
            && *e != digest
        {
            return Err(StoreError::DigestMismatch {
                expected: e.clone(),
                actual: digest,
            });
        }
        let path = self.path(&digest);
        if path.exists() {
            return Ok(digest);
        }
        let io = |source| StoreError::Io {
            path: path.clone(),
            source,
        };
        let (tmp, mut f) = tempfile_in(&self.dir).map_err(io)?;
        let result = f
            .write_all(data)
            .and_then(|_| f.sync_all())
            .and_then(|_| std::fs::rename(&tmp, &path));
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(io(e));
        }
        Ok(digest)
    }

    pub fn read(&self, digest: &Digest) -> Result<Vec<u8>, StoreError> {
        let path = self.path(digest);
        let data = std::fs::read(&path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                StoreError::BlobNotFound(digest.clone())
            } else {
                StoreError::Io { path, source }
            }
        })?;
        let actual = Digest::from_hasher(Sha256::new_with_prefix(&data));
        if actual != *digest {
            return Err(StoreError::DigestMismatch {
                expected: digest.clone(),
                actual,
            });
        }
        Ok(data)
    }

    pub fn remove(&self, digest: &Digest) -> Result<(), StoreError> {
        let path = self.path(digest);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(StoreError::Io { path, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_read_verify() {
        let dir = tempfile::tempdir().unwrap();
        let store = ContentStore::open(dir.path()).unwrap();
        let d = store.write(b"hello", None).unwrap();
        assert_eq!(store.read(&d).unwrap(), b"hello");
        let wrong = Digest::of(b"other");
        assert!(matches!(
            store.write(b"hello", Some(&wrong)),
            Err(StoreError::DigestMismatch { .. })
        ));
        // a corrupted blob is detected on read
        std::fs::write(store.path(&d), b"tampered").unwrap();
        assert!(store.read(&d).is_err());
    }
}
