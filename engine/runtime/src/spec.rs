//! The OCI runtime spec of a container, from what berthd resolved out of the
//! image config and the run options.

use std::path::PathBuf;

use oci_spec::runtime::{
    Capability, LinuxBuilder, LinuxCapabilitiesBuilder, LinuxCpuBuilder, LinuxMemoryBuilder,
    LinuxNamespace, LinuxNamespaceBuilder, LinuxNamespaceType, LinuxPidsBuilder,
    LinuxResourcesBuilder, Mount, MountBuilder, PosixRlimitBuilder, PosixRlimitType, Process,
    ProcessBuilder, RootBuilder, Spec, UserBuilder, get_default_maskedpaths, get_default_mounts,
    get_default_readonly_paths,
};

use crate::RuntimeError;

/// Where the container's network namespace comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkNamespace {
    /// Join the pinned namespace file berthd prepared.
    Path(PathBuf),
    /// Share the host's namespace (`--network host`).
    Host,
}

/// cgroup limits, in OCI terms (Docker's flags are mapped by berthd).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceLimits {
    /// Bytes of memory.
    pub memory: Option<i64>,
    /// Bytes of memory plus swap; -1 is unlimited.
    pub memory_swap: Option<i64>,
    pub cpu_shares: Option<u64>,
    pub cpu_quota: Option<i64>,
    pub cpu_period: Option<u64>,
    pub pids_limit: Option<i64>,
}

/// Everything the spec needs, already resolved (user names to ids, PATH
/// defaults, entrypoint + cmd to argv).
#[derive(Debug, Clone)]
pub struct ContainerSpecInput {
    /// The container's own process.
    pub process: ProcessInput,
    pub hostname: String,
    pub rootfs: PathBuf,
    pub network: NetworkNamespace,
    /// Absolute cgroup path, unique per container.
    pub cgroups_path: PathBuf,
    /// Files bind-mounted read-write over /etc/hostname, /etc/hosts,
    /// /etc/resolv.conf: (host path, container path).
    pub etc_files: Vec<(PathBuf, String)>,
    pub resources: ResourceLimits,
    /// berth's default seccomp profile, unless `seccomp=unconfined`.
    pub seccomp: bool,
}

/// Docker's default capability set (moby's `oci/caps/defaults.go`).
pub const DOCKER_DEFAULT_CAPABILITIES: [Capability; 14] = [
    Capability::Chown,
    Capability::DacOverride,
    Capability::Fsetid,
    Capability::Fowner,
    Capability::Mknod,
    Capability::NetRaw,
    Capability::Setgid,
    Capability::Setuid,
    Capability::Setfcap,
    Capability::Setpcap,
    Capability::NetBindService,
    Capability::SysChroot,
    Capability::Kill,
    Capability::AuditWrite,
];

/// A process to run: the container's own, or an exec in it.
#[derive(Debug, Clone)]
pub struct ProcessInput {
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
    pub terminal: bool,
    pub no_new_privileges: bool,
}

/// The OCI process with Docker's default capabilities and berthd's own
/// open-file limit.
pub fn build_process(p: &ProcessInput) -> Result<Process, RuntimeError> {
    let caps: oci_spec::runtime::Capabilities =
        DOCKER_DEFAULT_CAPABILITIES.iter().copied().collect();
    let capabilities = LinuxCapabilitiesBuilder::default()
        .bounding(caps.clone())
        .effective(caps.clone())
        .permitted(caps)
        .build()?;
    let (soft, hard) = current_nofile_limit();
    let mut process = ProcessBuilder::default()
        .terminal(p.terminal)
        .args(p.args.clone())
        .env(p.env.clone())
        .cwd(p.cwd.clone())
        .user(
            UserBuilder::default()
                .uid(p.uid)
                .gid(p.gid)
                .additional_gids(p.additional_gids.clone())
                .build()?,
        )
        .capabilities(capabilities)
        .rlimits(vec![
            PosixRlimitBuilder::default()
                .typ(PosixRlimitType::RlimitNofile)
                .soft(soft)
                .hard(hard)
                .build()?,
        ])
        .build()?;
    // Docker leaves no_new_privileges off unless asked (--security-opt
    // no-new-privileges), and oci-spec's default is on. It must be absent,
    // not false: libcontainer loads seccomp after dropping capabilities
    // whenever the field is present, and that load needs CAP_SYS_ADMIN or
    // no_new_privileges.
    process.set_no_new_privileges(p.no_new_privileges.then_some(true));
    Ok(process)
}

pub fn build_spec(input: &ContainerSpecInput) -> Result<Spec, RuntimeError> {
    let process = build_process(&input.process)?;

    let mut namespaces: Vec<LinuxNamespace> = [
        LinuxNamespaceType::Pid,
        LinuxNamespaceType::Mount,
        LinuxNamespaceType::Uts,
        LinuxNamespaceType::Ipc,
    ]
    .into_iter()
    .map(|typ| LinuxNamespaceBuilder::default().typ(typ).build())
    .collect::<Result<_, _>>()?;
    if let NetworkNamespace::Path(path) = &input.network {
        namespaces.push(
            LinuxNamespaceBuilder::default()
                .typ(LinuxNamespaceType::Network)
                .path(path.clone())
                .build()?,
        );
    }

    let mut mounts: Vec<Mount> = get_default_mounts();
    for (source, destination) in &input.etc_files {
        mounts.push(
            MountBuilder::default()
                .destination(destination)
                .typ("bind")
                .source(source)
                .options(vec!["rbind".to_string(), "rprivate".to_string()])
                .build()?,
        );
    }

    let r = &input.resources;
    let mut resources = LinuxResourcesBuilder::default();
    if r.memory.is_some() || r.memory_swap.is_some() {
        let mut memory = LinuxMemoryBuilder::default();
        if let Some(m) = r.memory {
            memory = memory.limit(m);
        }
        if let Some(s) = r.memory_swap {
            memory = memory.swap(s);
        }
        resources = resources.memory(memory.build()?);
    }
    if r.cpu_shares.is_some() || r.cpu_quota.is_some() || r.cpu_period.is_some() {
        let mut cpu = LinuxCpuBuilder::default();
        if let Some(v) = r.cpu_shares {
            cpu = cpu.shares(v);
        }
        if let Some(v) = r.cpu_quota {
            cpu = cpu.quota(v);
        }
        if let Some(v) = r.cpu_period {
            cpu = cpu.period(v);
        }
        resources = resources.cpu(cpu.build()?);
    }
    if let Some(limit) = r.pids_limit {
        resources = resources.pids(LinuxPidsBuilder::default().limit(limit).build()?);
    }

    let mut linux = LinuxBuilder::default();
    if input.seccomp {
        linux = linux.seccomp(crate::seccomp::default_profile()?);
    }
    let linux = linux
        .resources(resources.build()?)
        .namespaces(namespaces)
        .cgroups_path(input.cgroups_path.clone())
        .masked_paths(get_default_maskedpaths())
        .readonly_paths(get_default_readonly_paths())
        .build()?;

    let mut spec = Spec::default();
    spec.set_process(Some(process));
    spec.set_root(Some(
        RootBuilder::default()
            .path(input.rootfs.clone())
            .readonly(false)
            .build()?,
    ));
    spec.set_hostname(Some(input.hostname.clone()));
    spec.set_mounts(Some(mounts));
    spec.set_linux(Some(linux));
    Ok(spec)
}

/// The container may not ask for more than berthd's own hard limit (root
/// here lacks CAP_SYS_RESOURCE).
fn current_nofile_limit() -> (u64, u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 1024,
        rlim_max: 1024,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return (1024, 1024);
    }
    (lim.rlim_max, lim.rlim_max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ContainerSpecInput {
        ContainerSpecInput {
            process: ProcessInput {
                args: vec!["sh".into()],
                env: vec!["PATH=/bin".into()],
                cwd: "/".into(),
                uid: 0,
                gid: 0,
                additional_gids: vec![],
                terminal: false,
                no_new_privileges: false,
            },
            hostname: "abc".into(),
            rootfs: "/r".into(),
            network: NetworkNamespace::Path("/run/ns".into()),
            cgroups_path: "/berth/abc".into(),
            etc_files: vec![("/x/hosts".into(), "/etc/hosts".into())],
            resources: ResourceLimits::default(),
            seccomp: true,
        }
    }

    #[test]
    fn docker_capabilities_and_joined_netns() {
        let spec = build_spec(&input()).unwrap();
        let caps = spec
            .process()
            .as_ref()
            .unwrap()
            .capabilities()
            .as_ref()
            .unwrap();
        assert_eq!(caps.bounding().as_ref().unwrap().len(), 14);
        let ns = spec
            .linux()
            .as_ref()
            .unwrap()
            .namespaces()
            .as_ref()
            .unwrap();
        let net = ns
            .iter()
            .find(|n| n.typ() == LinuxNamespaceType::Network)
            .unwrap();
        assert_eq!(net.path().as_deref(), Some(std::path::Path::new("/run/ns")));
    }

    #[test]
    fn limits_become_cgroup_resources() {
        let mut i = input();
        i.resources = ResourceLimits {
            memory: Some(64 << 20),
            cpu_quota: Some(50_000),
            cpu_period: Some(100_000),
            pids_limit: Some(20),
            ..Default::default()
        };
        let spec = build_spec(&i).unwrap();
        let res = spec.linux().as_ref().unwrap().resources().as_ref().unwrap();
        assert_eq!(res.memory().as_ref().unwrap().limit(), Some(64 << 20));
        assert_eq!(res.cpu().as_ref().unwrap().quota(), Some(50_000));
        assert_eq!(res.pids().as_ref().unwrap().limit(), 20);
    }

    #[test]
    fn host_network_has_no_netns_entry() {
        let mut i = input();
        i.network = NetworkNamespace::Host;
        let spec = build_spec(&i).unwrap();
        let ns = spec
            .linux()
            .as_ref()
            .unwrap()
            .namespaces()
            .as_ref()
            .unwrap();
        assert!(ns.iter().all(|n| n.typ() != LinuxNamespaceType::Network));
    }
}
