//! A private Debian dockerd (docker.io 20.10) for tests that check berth's
//! clients against a real engine: its own root, socket, cgroup parent and
//! network namespace, no bridge and no iptables. It cannot pull, so images
//! come from `docker import` of a busybox root filesystem.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct TestDockerd {
    root: tempfile::TempDir,
    pub socket: PathBuf,
    pub cgroup_parent: String,
    child: Option<Child>,
}

impl TestDockerd {
    pub fn start() -> Self {
        assert!(
            Path::new("/usr/sbin/dockerd").exists(),
            "dockerd is missing: ./scripts/deps.sh --with-test-tools installs Debian's docker.io"
        );
        let root = tempfile::Builder::new()
            .prefix("berth-dockerd-")
            .tempdir_in("/tmp")
            .unwrap();
        let name = root
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let mut d = TestDockerd {
            socket: root.path().join("docker.sock"),
            cgroup_parent: name,
            child: None,
            root,
        };
        let log = std::fs::File::create(d.root.path().join("dockerd.log")).unwrap();
        let child = Command::new("unshare")
            .arg("--net")
            .arg("/usr/sbin/dockerd")
            .arg("--data-root")
            .arg(d.root.path().join("data"))
            .arg("--exec-root")
            .arg(d.root.path().join("exec"))
            .arg("-H")
            .arg(format!("unix://{}", d.socket.display()))
            .arg("--pidfile")
            .arg(d.root.path().join("dockerd.pid"))
            .args(["--bridge", "none", "--iptables=false", "--ip6tables=false"])
            .arg("--cgroup-parent")
            .arg(&d.cgroup_parent)
            .args(["--containerd-namespace", &d.cgroup_parent])
            .args([
                "--containerd-plugins-namespace",
                &format!("{}-plugins", d.cgroup_parent),
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("starting dockerd");
        // unshare execs dockerd: the child is dockerd
        d.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if d.docker(&["version", "--format", "{{.Server.Version}}"])
                .status
                .success()
            {
                d.import_busybox();
                return d;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("dockerd did not come up:\n{}", d.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.path().join("dockerd.log")).unwrap_or_default()
    }

    pub fn host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    pub fn docker(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .args(args)
            .env("DOCKER_HOST", self.host())
            .env("DOCKER_CONFIG", self.root.path().join("docker-config"))
            .stdin(Stdio::null())
            .output()
            .expect("running docker")
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.docker(args);
        assert!(
            o.status.success(),
            "docker {args:?} against dockerd: {}\n{}",
            String::from_utf8_lossy(&o.stderr),
            crate::tail(&self.log(), 30)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// busybox:latest from the host's static busybox, as `docker import`.
    fn import_busybox(&self) {
        let rootfs = self.root.path().join("busybox-rootfs");
        std::fs::create_dir_all(rootfs.join("bin")).unwrap();
        std::fs::copy("/bin/busybox", rootfs.join("bin/busybox")).unwrap();
        for applet in [
            "sh", "top", "sleep", "echo", "true", "cat", "hostname", "id",
        ] {
            std::os::unix::fs::symlink("busybox", rootfs.join("bin").join(applet)).unwrap();
        }
        let line = format!(
            "tar -C {} -c . | docker import -c 'CMD [\"sh\"]' -c 'ENV PATH=/bin' - busybox:latest",
            rootfs.display()
        );
        let o = Command::new("sh")
            .arg("-c")
            .arg(&line)
            .env("DOCKER_HOST", self.host())
            .env("DOCKER_CONFIG", self.root.path().join("docker-config"))
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "import: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

impl Drop for TestDockerd {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "--- dockerd log (tail) ---\n{}",
                crate::tail(&self.log(), 40)
            );
        }
        // containers first (dockerd stops them and their shims), then dockerd
        let ids = self.docker(&["ps", "-a", "-q"]);
        for id in String::from_utf8_lossy(&ids.stdout).lines() {
            let _ = self.docker(&["rm", "-f", id]);
        }
        if let Some(mut child) = self.child.take() {
            // SAFETY: the dockerd this harness started.
            unsafe {
                libc::kill(child.id() as i32, libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(20);
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
            if matches!(child.try_wait(), Ok(None)) {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let mut mounts: Vec<&str> = info
            .lines()
            .filter_map(|l| l.split_whitespace().nth(4))
            .filter(|m| Path::new(m).starts_with(self.root.path()))
            .collect();
        mounts.sort_by_key(|m| std::cmp::Reverse(m.len()));
        for m in mounts {
            if let Ok(c) = std::ffi::CString::new(m) {
                unsafe {
                    libc::umount2(c.as_ptr(), libc::MNT_DETACH);
                }
            }
        }
        if let Ok(entries) = std::fs::read_dir("/sys/fs/cgroup") {
            for e in entries.flatten() {
                let _ = std::fs::remove_dir(e.path().join(&self.cgroup_parent));
            }
        }
    }
}
