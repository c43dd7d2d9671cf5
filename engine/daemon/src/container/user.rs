//! Resolves `User` from the image's own /etc/passwd and /etc/group, read
//! inside the root filesystem with cap-std (never NSS, never chroot).

use std::path::Path;

use cap_std::ambient_authority;
use cap_std::fs::Dir;

#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedUser {
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
    pub home: String,
}

struct PasswdEntry {
    name: String,
    uid: u32,
    gid: u32,
    home: String,
}

struct GroupEntry {
    name: String,
    gid: u32,
    members: Vec<String>,
}

fn parse_passwd(text: &str) -> Vec<PasswdEntry> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 7 {
                return None;
            }
            Some(PasswdEntry {
                name: f[0].to_string(),
                uid: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
                home: f[5].to_string(),
            })
        })
        .collect()
}

fn parse_group(text: &str) -> Vec<GroupEntry> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 4 {
                return None;
            }
            Some(GroupEntry {
                name: f[0].to_string(),
                gid: f[2].parse().ok()?,
                members: f[3]
                    .split(',')
                    .filter(|m| !m.is_empty())
                    .map(String::from)
                    .collect(),
            })
        })
        .collect()
}

fn read_in_rootfs(rootfs: &Path, rel: &str) -> String {
    Dir::open_ambient_dir(rootfs, ambient_authority())
        .and_then(|d| d.read_to_string(rel))
        .unwrap_or_default()
}

/// `user` is Docker's `name|uid[:group|gid]`; empty means root.
pub fn resolve(rootfs: &Path, user: &str) -> Result<ResolvedUser, String> {
    resolve_from(
        &read_in_rootfs(rootfs, "etc/passwd"),
        &read_in_rootfs(rootfs, "etc/group"),
        user,
    )
}

fn resolve_from(passwd: &str, group: &str, user: &str) -> Result<ResolvedUser, String> {
    let users = parse_passwd(passwd);
    let groups = parse_group(group);
    let (user_part, group_part) = match user.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (user, None),
    };
    let user_part = if user_part.is_empty() { "0" } else { user_part };
    let entry = users
        .iter()
        .find(|e| e.name == user_part || user_part.parse::<u32>().ok() == Some(e.uid));
    let (uid, mut gid, home, name) = match (entry, user_part.parse::<u32>()) {
        (Some(e), _) => (e.uid, e.gid, e.home.clone(), Some(e.name.clone())),
        (None, Ok(uid)) => (uid, 0, "/".to_string(), None),
        (None, Err(_)) => {
            return Err(format!(
                "unable to find user {user_part}: no matching entries in passwd file"
            ));
        }
    };
    if let Some(g) = group_part {
        gid = match groups
            .iter()
            .find(|e| e.name == g || g.parse::<u32>().ok() == Some(e.gid))
        {
            Some(e) => e.gid,
            None => g.parse::<u32>().map_err(|_| {
                format!("unable to find group {g}: no matching entries in group file")
            })?,
        };
    }
    let additional_gids = match (&name, group_part) {
        (Some(n), None) => groups
            .iter()
            .filter(|g| g.members.iter().any(|m| m == n) && g.gid != gid)
            .map(|g| g.gid)
            .collect(),
        _ => Vec::new(),
    };
    Ok(ResolvedUser {
        uid,
        gid,
        additional_gids,
        home,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\nalice:x:1000:1000::/home/alice:/bin/sh\n";
    const GROUP: &str = "root:x:0:\nnogroup:x:65534:\nalice:x:1000:\nwheel:x:10:alice\n";

    #[test]
    fn names_numbers_and_groups() {
        let r = resolve_from(PASSWD, GROUP, "").unwrap();
        assert_eq!((r.uid, r.gid, r.home.as_str()), (0, 0, "/root"));
        let r = resolve_from(PASSWD, GROUP, "alice").unwrap();
        assert_eq!(
            (r.uid, r.gid, r.additional_gids.clone()),
            (1000, 1000, vec![10])
        );
        let r = resolve_from(PASSWD, GROUP, "nobody:wheel").unwrap();
        assert_eq!((r.uid, r.gid), (65534, 10));
        let r = resolve_from(PASSWD, GROUP, "4242:4343").unwrap();
        assert_eq!((r.uid, r.gid), (4242, 4343));
    }

    #[test]
    fn unknown_user_is_an_error() {
        let e = resolve_from(PASSWD, GROUP, "mallory").unwrap_err();
        assert!(e.contains("unable to find user mallory"), "{e}");
        assert!(resolve_from(PASSWD, GROUP, "alice:nogroupnamed").is_err());
    }
}
