//! Reading the json-file log the shim writes.

use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::registry::ContainerEntry;
use crate::timefmt;

#[derive(Debug, Clone)]
pub struct LogOptions {
    pub follow: bool,
    pub stdout: bool,
    pub stderr: bool,
    pub timestamps: bool,
    /// `None` is all lines.
    pub tail: Option<usize>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// TTY containers' logs are raw; others are stdcopy frames.
    pub tty: bool,
}

#[derive(serde::Deserialize)]
struct JsonLine {
    log: String,
    stream: String,
    time: DateTime<Utc>,
}

/// Docker's `since`/`until`: unix seconds with an optional fraction.
pub fn parse_unix_time(s: &str) -> Option<DateTime<Utc>> {
    if s.is_empty() || s == "0" {
        return None;
    }
    let (secs, frac) = s.split_once('.').unwrap_or((s, "0"));
    let secs: i64 = secs.parse().ok()?;
    let frac = format!("{frac:0<9}");
    let nanos: u32 = frac.get(..9)?.parse().ok()?;
    DateTime::from_timestamp(secs, nanos)
}

impl LogOptions {
    fn frame(&self, line: &JsonLine) -> Option<Bytes> {
        let stream = match line.stream.as_str() {
            "stdout" if self.stdout => 1u8,
            "stderr" if self.stderr => 2u8,
            _ => return None,
        };
        if self.since.is_some_and(|s| line.time < s) || self.until.is_some_and(|u| line.time > u) {
            return None;
        }
        let mut payload = Vec::with_capacity(line.log.len() + 40);
        if self.timestamps {
            payload.extend_from_slice(timefmt::rfc3339_nanos(line.time).as_bytes());
            payload.push(b' ');
        }
        payload.extend_from_slice(line.log.as_bytes());
        if self.tty {
            return Some(Bytes::from(payload));
        }
        let mut out = Vec::with_capacity(payload.len() + 8);
        out.push(stream);
        out.extend_from_slice(&[0, 0, 0]);
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.extend_from_slice(&payload);
        Some(Bytes::from(out))
    }
}

/// Sends the log's frames into `tx`; with `follow`, keeps sending new lines
/// until the container stops and the file is drained, or the receiver goes.
pub async fn stream_log(
    path: PathBuf,
    entry: Arc<ContainerEntry>,
    opts: LogOptions,
    tx: tokio::sync::mpsc::Sender<Bytes>,
) {
    let Ok(file) = std::fs::File::open(&path) else {
        return;
    };
    let mut reader = BufReader::new(file);
    let mut frames: Vec<Bytes> = Vec::new();
    let mut partial = String::new();
    read_available(&mut reader, &mut partial, &opts, &mut frames);
    if let Some(n) = opts.tail {
        let skip = frames.len().saturating_sub(n);
        frames.drain(..skip);
    }
    for f in frames.drain(..) {
        if tx.send(f).await.is_err() {
            return;
        }
    }
    if !opts.follow {
        return;
    }
    let mut lifecycle = entry.lifecycle.subscribe();
    loop {
        let running = lifecycle.borrow_and_update().running;
        read_available(&mut reader, &mut partial, &opts, &mut frames);
        for f in frames.drain(..) {
            if tx.send(f).await.is_err() {
                return;
            }
        }
        if !running {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            _ = lifecycle.changed() => {}
            _ = tx.closed() => return,
        }
    }
}

fn read_available(
    reader: &mut BufReader<std::fs::File>,
    partial: &mut String,
    opts: &LogOptions,
    frames: &mut Vec<Bytes>,
) {
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if !line.ends_with('\n') {
            // A line the shim is still writing: keep it for the next read.
            partial.push_str(&line);
            let pos = reader.stream_position().unwrap_or(0);
            let _ = reader.seek(SeekFrom::Start(pos));
            break;
        }
        let full = if partial.is_empty() {
            line
        } else {
            let mut p = std::mem::take(partial);
            p.push_str(&line);
            p
        };
        if let Ok(parsed) = serde_json::from_str::<JsonLine>(&full)
            && let Some(frame) = opts.frame(&parsed)
        {
            frames.push(frame);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_times() {
        assert_eq!(parse_unix_time("0"), None);
        let t = parse_unix_time("1700000000.5").unwrap();
        assert_eq!(t.timestamp(), 1_700_000_000);
        assert_eq!(t.timestamp_subsec_nanos(), 500_000_000);
        assert!(parse_unix_time("abc").is_none());
    }
}
