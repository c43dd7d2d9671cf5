//! `--security-opt`: which ones berth honours.

use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityOptions {
    pub seccomp: bool,
    pub no_new_privileges: bool,
}

/// Docker's forms: `seccomp=unconfined` (or `seccomp:unconfined`),
/// `no-new-privileges[=true|false]`; `apparmor=` and `label=` do nothing on
/// a host without AppArmor or SELinux.
pub fn parse(opts: &[String]) -> ApiResult<SecurityOptions> {
    let mut out = SecurityOptions {
        seccomp: true,
        no_new_privileges: false,
    };
    for opt in opts {
        let (key, value) = match opt.split_once(['=', ':']) {
            Some((k, v)) => (k, Some(v)),
            None => (opt.as_str(), None),
        };
        match (key, value) {
            ("seccomp", Some("unconfined")) => out.seccomp = false,
            ("seccomp", Some(_)) => {
                return Err(ApiError::BadRequest(
                    "custom seccomp profiles are not supported by berth yet; use seccomp=unconfined or the default".into(),
                ));
            }
            ("no-new-privileges", None | Some("true")) => out.no_new_privileges = true,
            ("no-new-privileges", Some("false")) => out.no_new_privileges = false,
            ("apparmor" | "label", Some(_)) => {}
            _ => {
                return Err(ApiError::BadRequest(format!(
                    "Invalid --security-opt: {opt:?}"
                )));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(v: &[&str]) -> ApiResult<SecurityOptions> {
        parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn docker_forms() {
        assert_eq!(
            p(&[]).unwrap(),
            SecurityOptions {
                seccomp: true,
                no_new_privileges: false
            }
        );
        assert!(!p(&["seccomp=unconfined"]).unwrap().seccomp);
        assert!(!p(&["seccomp:unconfined"]).unwrap().seccomp);
        assert!(p(&["no-new-privileges"]).unwrap().no_new_privileges);
        assert!(p(&["no-new-privileges:true"]).unwrap().no_new_privileges);
        assert!(p(&["seccomp={}"]).is_err());
        assert!(p(&["bogus"]).is_err());
    }
}
