//! Restart policies: no, on-failure[:N], always, unless-stopped, with
//! Docker's back-off (100 ms, doubling, at most a minute, reset after a
//! run of 10 s or more).

use std::time::Duration;

use bollard_stubs::models::{RestartPolicy, RestartPolicyNameEnum};

const FIRST_DELAY_MS: u64 = 100;
const MAX_DELAY_MS: u64 = 60_000;
const RESET_AFTER: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Policy {
    No,
    OnFailure { max_retries: i64 },
    Always,
    UnlessStopped,
}

impl Policy {
    pub fn of(policy: Option<&RestartPolicy>) -> Self {
        let Some(p) = policy else { return Policy::No };
        match p.name {
            Some(RestartPolicyNameEnum::ALWAYS) => Policy::Always,
            Some(RestartPolicyNameEnum::UNLESS_STOPPED) => Policy::UnlessStopped,
            Some(RestartPolicyNameEnum::ON_FAILURE) => Policy::OnFailure {
                max_retries: p.maximum_retry_count.unwrap_or(0),
            },
            _ => Policy::No,
        }
    }

    /// Whether berthd starts the container when berthd itself starts.
    pub fn starts_with_daemon(self, manually_stopped: bool) -> bool {
        match self {
            Policy::Always => true,
            Policy::UnlessStopped => !manually_stopped,
            _ => false,
        }
    }
}

/// What the exit handler needs to decide.
pub struct ExitFacts {
    pub exit_code: i32,
    pub restart_count: i64,
    pub manually_stopped: bool,
    pub ran_for: Duration,
    pub previous_delay_ms: u64,
}

/// The delay before the next restart, or `None` to stay stopped.
pub fn decide(policy: Policy, facts: &ExitFacts) -> Option<u64> {
    if facts.manually_stopped {
        return None;
    }
    let restart = match policy {
        Policy::No => false,
        Policy::Always | Policy::UnlessStopped => true,
        Policy::OnFailure { max_retries } => {
            facts.exit_code != 0 && (max_retries <= 0 || facts.restart_count < max_retries)
        }
    };
    if !restart {
        return None;
    }
    let delay = if facts.ran_for >= RESET_AFTER || facts.previous_delay_ms == 0 {
        FIRST_DELAY_MS
    } else {
        (facts.previous_delay_ms * 2).min(MAX_DELAY_MS)
    };
    Some(delay)
}

pub fn delay(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(exit_code: i32, restart_count: i64, prev: u64) -> ExitFacts {
        ExitFacts {
            exit_code,
            restart_count,
            manually_stopped: false,
            ran_for: Duration::from_millis(50),
            previous_delay_ms: prev,
        }
    }

    #[test]
    fn on_failure_counts_retries() {
        let p = Policy::OnFailure { max_retries: 2 };
        assert_eq!(decide(p, &facts(1, 0, 0)), Some(100));
        assert_eq!(decide(p, &facts(1, 1, 100)), Some(200));
        assert_eq!(decide(p, &facts(1, 2, 200)), None);
        assert_eq!(decide(p, &facts(0, 0, 0)), None, "success is not a failure");
    }

    #[test]
    fn always_backs_off_and_resets() {
        assert_eq!(decide(Policy::Always, &facts(0, 5, 40_000)), Some(60_000));
        let mut long_run = facts(0, 5, 40_000);
        long_run.ran_for = Duration::from_secs(11);
        assert_eq!(decide(Policy::Always, &long_run), Some(100));
        let mut stopped = facts(0, 0, 0);
        stopped.manually_stopped = true;
        assert_eq!(decide(Policy::Always, &stopped), None);
        assert_eq!(decide(Policy::No, &facts(1, 0, 0)), None);
    }

    #[test]
    fn daemon_start_rules() {
        assert!(Policy::Always.starts_with_daemon(true));
        assert!(!Policy::UnlessStopped.starts_with_daemon(true));
        assert!(Policy::UnlessStopped.starts_with_daemon(false));
        assert!(!Policy::OnFailure { max_retries: 0 }.starts_with_daemon(false));
    }
}
