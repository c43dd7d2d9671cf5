//! Docker's human units, as its go-units package writes and reads them:
//! "5 seconds", "4.26MB", "1.5MiB", `-m 64m`. One copy for berthd (the
//! "Up 5 seconds" status), berth's CLI (tables, flags) and the lab format
//! (sizes in checks).

/// go-units HumanDuration, for a span in whole seconds.
pub fn human_duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let minutes = seconds / 60;
    // go-units rounds hours to the nearest
    let hours = (seconds as f64 / 3600.0 + 0.5) as i64;
    if seconds < 1 {
        "Less than a second".into()
    } else if seconds == 1 {
        "1 second".into()
    } else if seconds < 60 {
        format!("{seconds} seconds")
    } else if minutes == 1 {
        "About a minute".into()
    } else if minutes < 60 {
        format!("{minutes} minutes")
    } else if hours == 1 {
        "About an hour".into()
    } else if hours < 48 {
        format!("{hours} hours")
    } else if hours < 24 * 7 * 2 {
        format!("{} days", hours / 24)
    } else if hours < 24 * 30 * 2 {
        format!("{} weeks", hours / 24 / 7)
    } else if hours < 24 * 365 * 2 {
        format!("{} months", hours / 24 / 30)
    } else {
        format!("{} years", (seconds as f64 / 3600.0 / 24.0 / 365.0) as i64)
    }
}

/// Go's `%.<precision>g`.
pub fn go_g(x: f64, precision: usize) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let p = precision.max(1);
    let sci = format!("{:.*e}", p - 1, x);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= p as i32 {
        let m = trim_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        trim_zeros(&format!("{x:.decimals$}")).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

fn scaled(size: f64, base: f64, units: &[&'static str]) -> (f64, &'static str) {
    let mut size = size;
    let mut i = 0;
    while size >= base && i < units.len() - 1 {
        size /= base;
        i += 1;
    }
    (size, units[i])
}

/// go-units HumanSizeWithPrecision(size, 3): decimal units, as `docker
/// images` and `ps -s` print them.
pub fn human_size(bytes: f64) -> String {
    let (size, unit) = scaled(bytes, 1000.0, &["B", "kB", "MB", "GB", "TB", "PB"]);
    format!("{}{unit}", go_g(size, 3))
}

/// go-units BytesSize: binary units with 4 significant digits (`docker stats`).
pub fn bytes_size(bytes: f64) -> String {
    let (size, unit) = scaled(bytes, 1024.0, &["B", "KiB", "MiB", "GiB", "TiB", "PiB"]);
    format!("{}{unit}", go_g(size, 4))
}

/// Parses docker's memory sizes: `64m`, `1g`, `512k`, `100b`, `1.5GB`
/// (go-units RAMInBytes: binary multiples).
pub fn ram_in_bytes(text: &str) -> Result<i64, String> {
    let invalid = || format!("invalid size: '{text}'");
    let lower = text.trim().to_ascii_lowercase();
    let split = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len());
    let (number, suffix) = lower.split_at(split);
    let value: f64 = number.parse().map_err(|_| invalid())?;
    let multiplier: f64 = match suffix.trim_end_matches('b').trim_end_matches('i') {
        "" if suffix.is_empty() || suffix == "b" => 1.0,
        "k" => 1024.0,
        "m" => 1024.0 * 1024.0,
        "g" => 1024.0 * 1024.0 * 1024.0,
        "t" => 1024f64.powi(4),
        "p" => 1024f64.powi(5),
        _ => return Err(invalid()),
    };
    Ok((value * multiplier) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_docker() {
        assert_eq!(human_duration(0), "Less than a second");
        assert_eq!(human_duration(1), "1 second");
        assert_eq!(human_duration(5), "5 seconds");
        assert_eq!(human_duration(59), "59 seconds");
        assert_eq!(human_duration(60), "About a minute");
        assert_eq!(human_duration(119), "About a minute");
        assert_eq!(human_duration(120), "2 minutes");
        assert_eq!(human_duration(3599), "59 minutes");
        assert_eq!(human_duration(3600), "About an hour");
        // go-units rounds hours: 90 minutes read "2 hours"
        assert_eq!(human_duration(90 * 60), "2 hours");
        assert_eq!(human_duration(2 * 3600), "2 hours");
        assert_eq!(human_duration(47 * 3600), "47 hours");
        assert_eq!(human_duration(3 * 86400), "3 days");
        assert_eq!(human_duration(20 * 86400), "2 weeks");
        assert_eq!(human_duration(90 * 86400), "3 months");
        assert_eq!(human_duration(3 * 365 * 86400), "3 years");
    }

    #[test]
    fn go_g_formatting() {
        assert_eq!(go_g(4.0, 3), "4");
        assert_eq!(go_g(4.26, 3), "4.26");
        assert_eq!(go_g(4.2649, 3), "4.26");
        assert_eq!(go_g(42.0, 3), "42");
        assert_eq!(go_g(999.9, 3), "1e+03");
        assert_eq!(go_g(1.5, 4), "1.5");
        assert_eq!(go_g(123.456, 4), "123.5");
    }

    #[test]
    fn sizes() {
        assert_eq!(human_size(0.0), "0B");
        assert_eq!(human_size(999.0), "999B");
        assert_eq!(human_size(4_264_000.0), "4.26MB");
        assert_eq!(human_size(1_000.0), "1kB");
        assert_eq!(human_size(13_256.0), "13.3kB");
        assert_eq!(bytes_size(1536.0 * 1024.0), "1.5MiB");
        assert_eq!(bytes_size(512.0), "512B");
        assert_eq!(bytes_size(24.0 * 1024.0 * 1024.0 * 1024.0), "24GiB");
    }

    #[test]
    fn memory_flags() {
        assert_eq!(ram_in_bytes("64m"), Ok(64 << 20));
        assert_eq!(ram_in_bytes("1g"), Ok(1 << 30));
        assert_eq!(ram_in_bytes("512k"), Ok(512 << 10));
        assert_eq!(ram_in_bytes("100"), Ok(100));
        assert_eq!(ram_in_bytes("6MB"), Ok(6 << 20));
        assert_eq!(ram_in_bytes("abc"), Err("invalid size: 'abc'".into()));
        assert_eq!(ram_in_bytes("12x"), Err("invalid size: '12x'".into()));
    }
}
