//! berth-store: content store, references, image records, layers and
//! overlay snapshots.

pub mod atomic;
pub mod content;
pub mod digest;
pub mod image_config;
pub mod images;
pub mod layer_apply;
pub mod layer_writer;
pub mod reference;
pub mod snapshots;
mod store;

use std::path::PathBuf;

pub use digest::Digest;
pub use image_config::{ContainerDefaults, History, ImageConfigFile, RootFs};
pub use images::{ImageRecord, LayerRef};
pub use layer_writer::LayerBuilder;
pub use reference::Reference;
pub use snapshots::{OverlaySnapshotter, Snapshotter, chain_ids};
pub use store::{ImageStore, NewLayer};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("invalid digest {0:?}")]
    InvalidDigest(String),
    #[error("invalid reference format {reference:?}: {reason}")]
    InvalidReference { reference: String, reason: String },
    #[error("blob {0} not found")]
    BlobNotFound(Digest),
    #[error("content digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch { expected: Digest, actual: Digest },
    #[error("No such image: {0}")]
    ImageNotFound(String),
    #[error("image reference {0:?} matches more than one image")]
    AmbiguousImage(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is corrupt: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("bad layer unpacking into {path}: {reason}")]
    BadLayer { path: PathBuf, reason: String },
    #[error("mounting {target}: {reason}")]
    Mount { target: PathBuf, reason: String },
    #[error("already exists")]
    AlreadyExists,
}
