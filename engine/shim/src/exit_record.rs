//! The file the shim leaves behind when its container has exited, read by
//! berthd even when berthd was down at that moment.

/// How a container's init process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitRecord {
    /// Docker's convention: the exit status, or 128 + signal number.
    pub exit_code: i32,
    /// The signal that killed init, if any.
    pub signal: Option<i32>,
    pub started_at_ns: i64,
    pub finished_at_ns: i64,
}

impl ExitRecord {
    /// Builds the record from a raw `waitpid` status.
    pub fn from_wait_status(status: i32, started_at_ns: i64, finished_at_ns: i64) -> Self {
        let (exit_code, signal) = if libc::WIFSIGNALED(status) {
            let sig = libc::WTERMSIG(status);
            (128 + sig, Some(sig))
        } else {
            (libc::WEXITSTATUS(status), None)
        };
        ExitRecord {
            exit_code,
            signal,
            started_at_ns,
            finished_at_ns,
        }
    }

    /// `key=value` lines: trivially written without serde in the shim.
    pub fn encode(&self) -> String {
        format!(
            "exit_code={}\nsignal={}\nstarted_at_ns={}\nfinished_at_ns={}\n",
            self.exit_code,
            self.signal.unwrap_or(0),
            self.started_at_ns,
            self.finished_at_ns
        )
    }

    /// Parses [`ExitRecord::encode`]'s output; `None` when a field is
    /// missing or malformed (a torn file cannot happen: it is renamed into
    /// place, but a hand-edited one can).
    pub fn decode(text: &str) -> Option<Self> {
        let mut exit_code = None;
        let mut signal = None;
        let mut started = None;
        let mut finished = None;
        for line in text.lines() {
            let (key, value) = line.split_once('=')?;
            match key {
                "exit_code" => exit_code = value.parse().ok(),
                "signal" => signal = value.parse::<i32>().ok(),
                "started_at_ns" => started = value.parse().ok(),
                "finished_at_ns" => finished = value.parse().ok(),
                _ => {}
            }
        }
        Some(ExitRecord {
            exit_code: exit_code?,
            signal: signal.filter(|s| *s != 0),
            started_at_ns: started?,
            finished_at_ns: finished?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let r = ExitRecord {
            exit_code: 137,
            signal: Some(9),
            started_at_ns: 1,
            finished_at_ns: 2,
        };
        assert_eq!(ExitRecord::decode(&r.encode()), Some(r));
    }

    #[test]
    fn truncated_record_is_rejected() {
        assert_eq!(ExitRecord::decode("exit_code=1\n"), None);
        assert_eq!(ExitRecord::decode("garbage"), None);
    }

    #[test]
    fn wait_status_conventions() {
        // exited with 3: status = 3 << 8
        let r = ExitRecord::from_wait_status(3 << 8, 0, 0);
        assert_eq!((r.exit_code, r.signal), (3, None));
        // killed by SIGKILL: status = 9
        let r = ExitRecord::from_wait_status(9, 0, 0);
        assert_eq!((r.exit_code, r.signal), (137, Some(9)));
    }
}
