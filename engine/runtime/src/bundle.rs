//! Writes an OCI bundle directory (config.json) atomically.

use std::io::Write;
use std::path::Path;

use oci_spec::runtime::Spec;

use crate::RuntimeError;

pub fn write_bundle(bundle_dir: &Path, spec: &Spec) -> Result<(), RuntimeError> {
    let err = |source| RuntimeError::Bundle {
        path: bundle_dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(bundle_dir).map_err(err)?;
    let json = serde_json::to_vec_pretty(spec).map_err(|e| err(std::io::Error::other(e)))?;
    let tmp = bundle_dir.join(".config.json.tmp");
    let mut f = std::fs::File::create(&tmp).map_err(err)?;
    f.write_all(&json).map_err(err)?;
    f.sync_all().map_err(err)?;
    std::fs::rename(&tmp, bundle_dir.join("config.json")).map_err(err)
}
