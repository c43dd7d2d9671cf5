//! Times as Docker shows them.

use chrono::{DateTime, SecondsFormat, Utc};

pub fn rfc3339_nanos(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

pub fn from_unix_nanos(ns: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(ns)
}

/// Docker's zero time, shown for a container that never started.
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// go-units' HumanDuration ("About a minute", "3 hours") of a span.
pub fn human_duration(d: chrono::Duration) -> String {
    berth_units::human_duration(d.num_seconds())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations() {
        let s = chrono::Duration::seconds;
        assert_eq!(human_duration(s(0)), "Less than a second");
        assert_eq!(human_duration(s(5)), "5 seconds");
        assert_eq!(human_duration(s(61)), "About a minute");
        assert_eq!(human_duration(s(600)), "10 minutes");
        assert_eq!(human_duration(s(3 * 3600)), "3 hours");
        assert_eq!(human_duration(s(3 * 86400)), "3 days");
    }
}
