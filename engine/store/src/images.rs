//! Image records and tags: `images/<id hex>.json` and
//! `images/repositories.json` (reference -> image id).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::StoreError;
use crate::atomic::write_atomic;
use crate::digest::Digest;
use crate::reference::Reference;

/// One layer as the manifest names it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LayerRef {
    /// Digest of the blob as stored (compressed or not).
    pub digest: Digest,
    /// Digest of the uncompressed tar (the config's diff_id).
    pub diff_id: Digest,
    pub media_type: String,
    pub size: u64,
}

/// What berth keeps about an image besides its config blob.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ImageRecord {
    /// The image ID: the digest of the config blob.
    pub id: Digest,
    pub manifest_digest: Digest,
    pub layers: Vec<LayerRef>,
    /// Total size of the unpacked layers, in bytes.
    pub size: u64,
}

pub struct ImageIndex {
    dir: PathBuf,
    repositories: Mutex<BTreeMap<String, Digest>>,
}

impl ImageIndex {
    pub fn open(root: &Path) -> Result<Self, StoreError> {
        let dir = root.join("images");
        std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io {
            path: dir.clone(),
            source,
        })?;
        let repo_path = dir.join("repositories.json");
        let repositories = match std::fs::read(&repo_path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
                path: repo_path.clone(),
                reason: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(source) => {
                return Err(StoreError::Io {
                    path: repo_path,
                    source,
                });
            }
        };
        Ok(ImageIndex {
            dir,
            repositories: Mutex::new(repositories),
        })
    }

    fn record_path(&self, id: &Digest) -> PathBuf {
        self.dir.join(format!("{}.json", id.hex()))
    }

    pub fn put_record(&self, record: &ImageRecord) -> Result<(), StoreError> {
        let json = serde_json::to_vec_pretty(record).expect("image record serialises");
        write_atomic(&self.record_path(&record.id), &json)
    }

    pub fn record(&self, id: &Digest) -> Result<ImageRecord, StoreError> {
        let path = self.record_path(id);
        let bytes = std::fs::read(&path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                StoreError::ImageNotFound(id.to_string())
            } else {
                StoreError::Io {
                    path: path.clone(),
                    source,
                }
            }
        })?;
        serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
            path,
            reason: e.to_string(),
        })
    }

    pub fn records(&self) -> Result<Vec<ImageRecord>, StoreError> {
        let mut out = Vec::new();
        let entries = std::fs::read_dir(&self.dir).map_err(|source| StoreError::Io {
            path: self.dir.clone(),
            source,
        })?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(hex) = name.strip_suffix(".json") else {
                continue;
            };
            if let Ok(id) = format!("sha256:{hex}").parse::<Digest>() {
                out.push(self.record(&id)?);
            }
        }
        Ok(out)
    }

    pub fn remove_record(&self, id: &Digest) -> Result<(), StoreError> {
        let path = self.record_path(id);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(StoreError::Io { path, source }),
        }
    }

    fn save(&self, repos: &BTreeMap<String, Digest>) -> Result<(), StoreError> {
        let json = serde_json::to_vec_pretty(repos).expect("map serialises");
        write_atomic(&self.dir.join("repositories.json"), &json)
    }

    /// Points `reference` at `id`; returns the image it pointed at before.
    pub fn tag(&self, reference: &Reference, id: &Digest) -> Result<Option<Digest>, StoreError> {
        let mut repos = self.repositories.lock().expect("image index lock");
        let mut next = repos.clone();
        let old = next.insert(reference.to_string(), id.clone());
        self.save(&next)?;
        *repos = next;
        Ok(old)
    }

    pub fn untag(&self, reference: &Reference) -> Result<Option<Digest>, StoreError> {
        let mut repos = self.repositories.lock().expect("image index lock");
        let mut next = repos.clone();
        let old = next.remove(&reference.to_string());
        if old.is_some() {
            self.save(&next)?;
            *repos = next;
        }
        Ok(old)
    }

    pub fn lookup_reference(&self, reference: &Reference) -> Option<Digest> {
        let repos = self.repositories.lock().expect("image index lock");
        repos.get(&reference.to_string()).cloned()
    }

    /// Every reference that names `id`, parsed.
    pub fn references_of(&self, id: &Digest) -> Vec<Reference> {
        let repos = self.repositories.lock().expect("image index lock");
        repos
            .iter()
            .filter(|(_, v)| *v == id)
            .filter_map(|(k, _)| Reference::parse(k).ok())
            .collect()
    }

    /// Resolves what a user typed: a reference, a full ID, or a unique ID
    /// prefix (as Docker accepts).
    pub fn resolve(&self, input: &str) -> Result<Digest, StoreError> {
        let hex_part = input.strip_prefix("sha256:").unwrap_or(input);
        let looks_like_id = !hex_part.is_empty()
            && hex_part.len() <= 64
            && hex_part
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if let Ok(reference) = Reference::parse(input)
            && let Some(id) = self.lookup_reference(&reference)
        {
            return Ok(id);
        }
        if looks_like_id {
            let matches: Vec<Digest> = self
                .records()?
                .into_iter()
                .map(|r| r.id)
                .filter(|id| id.hex().starts_with(hex_part))
                .collect();
            match matches.len() {
                1 => return Ok(matches[0].clone()),
                0 => {}
                _ => return Err(StoreError::AmbiguousImage(input.to_string())),
            }
        }
        Err(StoreError::ImageNotFound(input.to_string()))
    }
}
