//! berth's default seccomp profile.
//!
//! Docker's default profile allows a list of syscalls and refuses the
//! rest; for a container with Docker's default capabilities the effect is
//! refusing the syscalls below (EPERM), creating namespaces through clone,
//! and clone3 (ENOSYS, so that libc falls back to clone, which can be
//! checked). Written as a deny list so it stays short and readable.

use oci_spec::runtime::{
    Arch, LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArgBuilder, LinuxSeccompBuilder,
    LinuxSeccompOperator, LinuxSyscall, LinuxSyscallBuilder,
};

use crate::RuntimeError;

/// Refused with EPERM: kernel modules and keyrings, clocks, accounting,
/// mounts and namespaces, tracing other processes, BPF, reboot, swap,
/// NUMA policy, personality tricks and obsolete calls.
pub const BLOCKED_SYSCALLS: &[&str] = &[
    "acct",
    "add_key",
    "bpf",
    "clock_adjtime",
    "clock_settime",
    "create_module",
    "delete_module",
    "finit_module",
    "fsconfig",
    "fsmount",
    "fsopen",
    "fspick",
    "get_kernel_syms",
    "get_mempolicy",
    "init_module",
    "ioperm",
    "iopl",
    "kcmp",
    "kexec_file_load",
    "kexec_load",
    "keyctl",
    "lookup_dcookie",
    "mbind",
    "mount",
    "mount_setattr",
    "move_mount",
    "move_pages",
    "name_to_handle_at",
    "nfsservctl",
    "open_by_handle_at",
    "open_tree",
    "perf_event_open",
    "pivot_root",
    "process_vm_readv",
    "process_vm_writev",
    "ptrace",
    "query_module",
    "quotactl",
    "quotactl_fd",
    "reboot",
    "request_key",
    "set_mempolicy",
    "setns",
    "settimeofday",
    "stime",
    "swapoff",
    "swapon",
    "sysfs",
    "_sysctl",
    "umount",
    "umount2",
    "unshare",
    "uselib",
    "userfaultfd",
    "ustat",
    "vm86",
    "vm86old",
];

/// Namespace flags that clone(2) may not carry.
const CLONE_NAMESPACE_FLAGS: [u64; 7] = [
    libc::CLONE_NEWNS as u64,
    libc::CLONE_NEWUTS as u64,
    libc::CLONE_NEWIPC as u64,
    libc::CLONE_NEWUSER as u64,
    libc::CLONE_NEWPID as u64,
    libc::CLONE_NEWNET as u64,
    libc::CLONE_NEWCGROUP as u64,
];

fn architectures() -> Vec<Arch> {
    if cfg!(target_arch = "aarch64") {
        vec![Arch::ScmpArchAarch64, Arch::ScmpArchArm]
    } else {
        vec![Arch::ScmpArchX86_64, Arch::ScmpArchX86, Arch::ScmpArchX32]
    }
}

fn deny(names: &[&str], errno: i32) -> Result<LinuxSyscall, RuntimeError> {
    Ok(LinuxSyscallBuilder::default()
        .names(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .action(LinuxSeccompAction::ScmpActErrno)
        .errno_ret(errno as u32)
        .build()?)
}

pub fn default_profile() -> Result<LinuxSeccomp, RuntimeError> {
    let mut rules = vec![
        deny(BLOCKED_SYSCALLS, libc::EPERM)?,
        deny(&["clone3"], libc::ENOSYS)?,
    ];
    // clone's flags are its first argument on x86_64 and arm64. Rules for one
    // syscall are ORed: each blocks one namespace flag.
    for flag in CLONE_NAMESPACE_FLAGS {
        let arg = LinuxSeccompArgBuilder::default()
            .index(0usize)
            .value(flag)
            .value_two(flag)
            .op(LinuxSeccompOperator::ScmpCmpMaskedEq)
            .build()?;
        rules.push(
            LinuxSyscallBuilder::default()
                .names(vec!["clone".to_string()])
                .action(LinuxSeccompAction::ScmpActErrno)
                .errno_ret(libc::EPERM as u32)
                .args(vec![arg])
                .build()?,
        );
    }
    Ok(LinuxSeccompBuilder::default()
        .default_action(LinuxSeccompAction::ScmpActAllow)
        .architectures(architectures())
        .syscalls(rules)
        .build()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_blocks_namespaces_and_keys() {
        let p = default_profile().unwrap();
        assert_eq!(p.default_action(), LinuxSeccompAction::ScmpActAllow);
        let rules = p.syscalls().as_ref().unwrap();
        let blocked: Vec<&String> = rules.iter().flat_map(|r| r.names()).collect();
        for name in [
            "unshare", "setns", "keyctl", "bpf", "mount", "ptrace", "clone3",
        ] {
            assert!(blocked.iter().any(|b| *b == name), "{name}");
        }
        assert_eq!(
            rules
                .iter()
                .filter(|r| r.names() == &["clone".to_string()])
                .count(),
            7
        );
    }
}
