//! berth-runtime: turns a resolved container configuration into an OCI
//! bundle, and runs it through libcontainer in the `berth-runtime-helper`
//! binary that the shim spawns (the container init must be the shim's
//! child: only the parent can reap it).

pub mod bundle;
pub mod seccomp;
pub mod spec;

use std::path::PathBuf;

pub use bundle::write_bundle;
pub use spec::{
    ContainerSpecInput, NetworkNamespace, ProcessInput, ResourceLimits, build_process, build_spec,
};

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("building the OCI spec: {0}")]
    Spec(#[from] oci_spec::OciSpecError),
    #[error("writing the bundle at {path}: {source}")]
    Bundle {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("runtime helper for container {id}: {message}")]
    Helper { id: String, message: String },
}

/// Name of the helper binary, installed next to berthd.
pub const HELPER_BINARY: &str = "berth-runtime-helper";
/// Name of the shim binary, installed next to berthd.
pub const SHIM_BINARY: &str = "berth-shim";
