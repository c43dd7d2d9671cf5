//! The store facade: writes an image (layers, config, manifest), keeps its
//! layers unpacked, and answers lookups.

use std::path::Path;

use crate::StoreError;
use crate::content::ContentStore;
use crate::digest::Digest;
use crate::image_config::ImageConfigFile;
use crate::images::{ImageIndex, ImageRecord, LayerRef};
use crate::reference::Reference;
use crate::snapshots::{OverlaySnapshotter, Snapshotter, chain_ids};

pub const MEDIA_TYPE_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
pub const MEDIA_TYPE_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const MEDIA_TYPE_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// An uncompressed layer tarball to add to the store.
pub struct NewLayer {
    pub tar: Vec<u8>,
}

pub struct ImageStore {
    pub content: ContentStore,
    pub index: ImageIndex,
    pub snapshots: Box<dyn Snapshotter>,
}

impl ImageStore {
    pub fn open(data_root: &Path) -> Result<Self, StoreError> {
        Ok(ImageStore {
            content: ContentStore::open(data_root)?,
            index: ImageIndex::open(data_root)?,
            snapshots: Box::new(OverlaySnapshotter::open(data_root)?),
        })
    }

    /// Writes the layers, the config (its `rootfs.diff_ids` filled in) and
    /// an OCI manifest, unpacks the layers, and records the image. Returns
    /// the image ID. The one path by which images come into being.
    pub fn commit_image(
        &self,
        mut config: ImageConfigFile,
        layers: Vec<NewLayer>,
    ) -> Result<Digest, StoreError> {
        let mut refs = Vec::with_capacity(layers.len());
        let mut size = 0u64;
        for layer in &layers {
            let digest = self.content.write(&layer.tar, None)?;
            size += layer.tar.len() as u64;
            refs.push(LayerRef {
                diff_id: digest.clone(),
                digest,
                media_type: MEDIA_TYPE_LAYER_TAR.to_string(),
                size: layer.tar.len() as u64,
            });
        }
        config.rootfs.kind = "layers".to_string();
        config.rootfs.diff_ids = refs.iter().map(|l| l.diff_id.clone()).collect();
        let chain = chain_ids(&config.rootfs.diff_ids);
        for (layer, chain_id) in layers.iter().zip(&chain) {
            self.snapshots
                .ensure_layer(chain_id, &mut layer.tar.as_slice())?;
        }
        let config_bytes = serde_json::to_vec(&config).expect("image config serialises");
        let id = self.content.write(&config_bytes, None)?;
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": MEDIA_TYPE_MANIFEST,
            "config": {
                "mediaType": MEDIA_TYPE_CONFIG,
                "digest": id.to_string(),
                "size": config_bytes.len(),
            },
            "layers": refs.iter().map(|l| serde_json::json!({
                "mediaType": l.media_type,
                "digest": l.digest.to_string(),
                "size": l.size,
            })).collect::<Vec<_>>(),
        });
        let manifest_bytes = serde_json::to_vec(&manifest).expect("manifest serialises");
        let manifest_digest = self.content.write(&manifest_bytes, None)?;
        self.index.put_record(&ImageRecord {
            id: id.clone(),
            manifest_digest,
            layers: refs,
            size,
        })?;
        Ok(id)
    }

    pub fn config(&self, id: &Digest) -> Result<ImageConfigFile, StoreError> {
        let bytes = self.content.read(id)?;
        serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
            path: self.content.path(id),
            reason: e.to_string(),
        })
    }

    /// The unpacked layer chain of an image, bottom first, for mounting.
    pub fn chain(&self, id: &Digest) -> Result<Vec<Digest>, StoreError> {
        Ok(chain_ids(&self.config(id)?.rootfs.diff_ids))
    }

    pub fn tag(&self, reference: &Reference, id: &Digest) -> Result<Option<Digest>, StoreError> {
        self.index.tag(reference, id)
    }

    /// Deletes an image's record, blobs and layers that no other image uses.
    pub fn delete_image(&self, id: &Digest) -> Result<(), StoreError> {
        let record = self.index.record(id)?;
        let chain = self.chain(id)?;
        let others: Vec<ImageRecord> = self
            .index
            .records()?
            .into_iter()
            .filter(|r| r.id != *id)
            .collect();
        let mut other_chains = std::collections::HashSet::new();
        let mut other_blobs = std::collections::HashSet::new();
        for r in &others {
            if let Ok(c) = self.chain(&r.id) {
                other_chains.extend(c);
            }
            other_blobs.extend(r.layers.iter().map(|l| l.digest.clone()));
        }
        self.index.remove_record(id)?;
        for c in chain.iter().filter(|c| !other_chains.contains(*c)) {
            self.snapshots.remove_layer(c)?;
        }
        for l in record
            .layers
            .iter()
            .filter(|l| !other_blobs.contains(&l.digest))
        {
            self.content.remove(&l.digest)?;
        }
        self.content.remove(&record.manifest_digest)?;
        self.content.remove(id)?;
        Ok(())
    }
}
