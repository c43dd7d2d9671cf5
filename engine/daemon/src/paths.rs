//! Where berthd keeps things.

use std::path::{Path, PathBuf};

use anyhow::Context;

#[derive(Debug, Clone)]
pub struct Paths {
    pub data_root: PathBuf,
    pub exec_root: PathBuf,
    pub socket: PathBuf,
    /// Absolute cgroup path under which each container gets its own.
    pub cgroup_parent: PathBuf,
    /// Directory holding berth-shim and berth-runtime-helper.
    pub bin_dir: PathBuf,
}

impl Paths {
    pub fn new(
        data_root: PathBuf,
        exec_root: PathBuf,
        socket: PathBuf,
        cgroup_parent: String,
    ) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("locating berthd's own binary")?;
        let bin_dir = exe
            .parent()
            .context("berthd's binary has no parent directory")?
            .to_path_buf();
        for d in [&data_root, &exec_root] {
            std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
        }
        let data_root = data_root.canonicalize()?;
        let exec_root = exec_root.canonicalize()?;
        for d in [
            data_root.join("containers"),
            exec_root.join("containers"),
            exec_root.join("runtime"),
            exec_root.join("netns"),
        ] {
            std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
        }
        Ok(Paths {
            data_root,
            exec_root,
            socket,
            cgroup_parent: Path::new("/").join(cgroup_parent.trim_start_matches('/')),
            bin_dir,
        })
    }

    /// Persistent: config.v2.json, the json log, hostname/hosts/resolv.conf.
    pub fn container_dir(&self, id: &str) -> PathBuf {
        self.data_root.join("containers").join(id)
    }

    /// Where the overlay root filesystem is mounted while the container runs.
    pub fn rootfs(&self, id: &str) -> PathBuf {
        self.container_dir(id).join("rootfs")
    }

    pub fn log_path(&self, id: &str) -> PathBuf {
        self.container_dir(id).join(format!("{id}-json.log"))
    }

    /// Runtime: the OCI bundle, the shim's socket and exit record.
    pub fn state_dir(&self, id: &str) -> PathBuf {
        self.exec_root.join("containers").join(id)
    }

    /// libcontainer's state root.
    pub fn runtime_root(&self) -> PathBuf {
        self.exec_root.join("runtime")
    }

    pub fn netns_path(&self, id: &str) -> PathBuf {
        self.exec_root.join("netns").join(id)
    }

    pub fn shim_binary(&self) -> PathBuf {
        self.bin_dir.join(berth_runtime::SHIM_BINARY)
    }

    pub fn helper_binary(&self) -> PathBuf {
        self.bin_dir.join(berth_runtime::HELPER_BINARY)
    }
}
