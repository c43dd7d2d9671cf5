//! `docker logs`, with docker's reading of `--since`/`--until`.

use std::io::Write;

use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptions;
use futures::StreamExt;

use crate::cli::{Args, CliError, CmdResult};
use crate::engine::Engine;

/// Go duration text (`42m`, `1h30m`, `10s`, `500ms`) in seconds.
pub fn parse_go_duration(text: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let split = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let (number, tail) = rest.split_at(split);
        let value: f64 = number.parse().ok()?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_len);
        total += value
            * match unit {
                "ns" => 1e-9,
                "us" | "µs" => 1e-6,
                "ms" => 1e-3,
                "s" => 1.0,
                "m" => 60.0,
                "h" => 3600.0,
                _ => return None,
            };
        rest = next;
    }
    Some(total)
}

/// docker's GetTimestamp: a duration counts back from now; a date or
/// RFC 3339 time becomes unix seconds; a number passes through.
pub fn timestamp(value: &str, now: chrono::DateTime<chrono::Utc>) -> Result<String, String> {
    if let Some(seconds) = parse_go_duration(value) {
        let t = now - chrono::Duration::nanoseconds((seconds * 1e9) as i64);
        return Ok(format!(
            "{}.{:09}",
            t.timestamp(),
            t.timestamp_subsec_nanos()
        ));
    }
    if value.chars().all(|c| c.is_ascii_digit() || c == '.') && !value.is_empty() {
        return Ok(value.to_string());
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(value) {
        return Ok(format!(
            "{}.{:09}",
            t.timestamp(),
            t.timestamp_subsec_nanos()
        ));
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(value, format) {
            return Ok(t.and_utc().timestamp().to_string());
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp())
            .unwrap_or(0)
            .to_string());
    }
    Err(format!(
        "failed to parse value as time or duration: \"{value}\""
    ))
}

pub async fn logs(engine: &Engine, args: &Args) -> CmdResult {
    let name = &args.positional[0];
    let now = chrono::Utc::now();
    let since = match args.value("since") {
        Some(s) => timestamp(&s, now).map_err(|e| CliError::new(e, 1))?,
        None => String::new(),
    };
    let until = match args.value("until") {
        Some(s) => timestamp(&s, now).map_err(|e| CliError::new(e, 1))?,
        None => String::new(),
    };
    // the API takes whole seconds for since/until; docker sends fractions,
    // which berthd and dockerd both accept through the raw query
    let options = LogsOptions {
        follow: args.flag("follow"),
        stdout: true,
        stderr: true,
        since: since
            .split('.')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        until: until
            .split('.')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        timestamps: args.flag("timestamps"),
        tail: args.value("tail").unwrap_or_else(|| "all".into()),
    };
    // docker checks the container first, so a missing one is a clear error
    engine.docker.inspect_container(name, None).await?;
    let mut stream = engine.docker.logs(name, Some(options));
    while let Some(item) = stream.next().await {
        let (is_err, bytes) = match item? {
            LogOutput::StdErr { message } => (true, message),
            LogOutput::StdOut { message }
            | LogOutput::Console { message }
            | LogOutput::StdIn { message } => (false, message),
        };
        let result = if is_err {
            std::io::stderr()
                .write_all(&bytes)
                .and_then(|_| std::io::stderr().flush())
        } else {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&bytes).and_then(|_| stdout.flush())
        };
        if result.is_err() {
            break;
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_times() {
        assert_eq!(parse_go_duration("42m"), Some(2520.0));
        assert_eq!(parse_go_duration("1h30m"), Some(5400.0));
        assert_eq!(parse_go_duration("500ms"), Some(0.5));
        assert_eq!(parse_go_duration("x"), None);
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:10Z")
            .unwrap()
            .to_utc();
        assert_eq!(timestamp("10s", now).unwrap(), "1767225600.000000000");
        assert_eq!(
            timestamp("2026-01-01T00:00:00Z", now).unwrap(),
            "1767225600.000000000"
        );
        assert_eq!(timestamp("2026-01-01", now).unwrap(), "1767225600");
        assert_eq!(timestamp("1767225600", now).unwrap(), "1767225600");
        assert!(timestamp("yesterday", now).is_err());
    }
}
