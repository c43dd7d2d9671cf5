//! Docker's json-file log line, written by hand because the shim carries
//! no serde (every container pays for the shim's size).

/// One json-file line: `{"log":"...","stream":"stdout","time":"..."}\n`.
pub fn encode_line(payload: &[u8], stream: &str, unix_ns: i64) -> String {
    let text = String::from_utf8_lossy(payload);
    let mut out = String::with_capacity(text.len() + 64);
    out.push_str("{\"log\":\"");
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push_str("\",\"stream\":\"");
    out.push_str(stream);
    out.push_str("\",\"time\":\"");
    out.push_str(&rfc3339_nanos(unix_ns));
    out.push_str("\"}\n");
    out
}

/// RFC 3339 with nanoseconds in UTC, as Docker writes log times.
pub fn rfc3339_nanos(unix_ns: i64) -> String {
    let secs = unix_ns.div_euclid(1_000_000_000);
    let nanos = unix_ns.rem_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// civil_from_days algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times() {
        assert_eq!(rfc3339_nanos(0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(
            rfc3339_nanos(1_709_251_199_000_000_123),
            "2024-02-29T23:59:59.000000123Z"
        );
    }

    #[test]
    fn escapes_payload() {
        let line = encode_line(b"a\"b\\c\n\x01", "stderr", 0);
        assert_eq!(
            line,
            "{\"log\":\"a\\\"b\\\\c\\n\\u0001\",\"stream\":\"stderr\",\"time\":\"1970-01-01T00:00:00.000000000Z\"}\n"
        );
    }
}
