//! Detach keys on an attach's stdin (`detachKeys`, default ctrl-p,ctrl-q):
//! Docker watches for them with or without a TTY.

/// Parses Docker's detach-key syntax: comma-separated `ctrl-<c>` or single
/// characters.
pub fn parse_detach_keys(spec: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for part in spec.split(',') {
        let part = part.trim();
        if let Some(c) = part.strip_prefix("ctrl-") {
            let c = c.as_bytes();
            let byte = match c {
                [b'@'] => 0,
                [x @ b'a'..=b'z'] => x - b'a' + 1,
                [b'['] => 27,
                [b'\\'] => 28,
                [b']'] => 29,
                [b'^'] => 30,
                [b'_'] => 31,
                _ => return Err(format!("Invalid escape keys ({spec}) provided")),
            };
            out.push(byte);
        } else if part.len() == 1 {
            out.push(part.as_bytes()[0]);
        } else {
            return Err(format!("Invalid escape keys ({spec}) provided"));
        }
    }
    Ok(out)
}

pub const DEFAULT_DETACH_KEYS: [u8; 2] = [16, 17];

/// Passes stdin through, holding back a possible start of the sequence.
pub struct DetachScanner {
    keys: Vec<u8>,
    matched: usize,
}

pub enum Scan {
    /// Forward these bytes.
    Forward(Vec<u8>),
    /// The sequence was typed: forward these bytes, then detach.
    Detach(Vec<u8>),
}

impl DetachScanner {
    pub fn new(keys: Vec<u8>) -> Self {
        DetachScanner { keys, matched: 0 }
    }

    pub fn feed(&mut self, input: &[u8]) -> Scan {
        let mut out = Vec::with_capacity(input.len());
        if self.keys.is_empty() {
            out.extend_from_slice(input);
            return Scan::Forward(out);
        }
        for &b in input {
            if b == self.keys[self.matched] {
                self.matched += 1;
                if self.matched == self.keys.len() {
                    self.matched = 0;
                    return Scan::Detach(out);
                }
                continue;
            }
            // Not the sequence after all: release what was held back.
            out.extend_from_slice(&self.keys[..self.matched]);
            self.matched = 0;
            if b == self.keys[0] {
                self.matched = 1;
            } else {
                out.push(b);
            }
        }
        Scan::Forward(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_docker_syntax() {
        assert_eq!(
            parse_detach_keys("ctrl-p,ctrl-q").unwrap(),
            DEFAULT_DETACH_KEYS
        );
        assert_eq!(parse_detach_keys("ctrl-a,x").unwrap(), vec![1, b'x']);
        assert!(parse_detach_keys("ctrl-").is_err());
        assert!(parse_detach_keys("shift-p").is_err());
    }

    fn forwarded(s: Scan) -> (Vec<u8>, bool) {
        match s {
            Scan::Forward(v) => (v, false),
            Scan::Detach(v) => (v, true),
        }
    }

    #[test]
    fn detects_the_sequence_across_reads() {
        let mut s = DetachScanner::new(DEFAULT_DETACH_KEYS.to_vec());
        assert_eq!(forwarded(s.feed(b"ab\x10")), (b"ab".to_vec(), false));
        assert_eq!(forwarded(s.feed(b"\x11rest")), (vec![], true));
    }

    #[test]
    fn releases_a_false_start() {
        let mut s = DetachScanner::new(DEFAULT_DETACH_KEYS.to_vec());
        assert_eq!(forwarded(s.feed(b"\x10x")), (b"\x10x".to_vec(), false));
        assert_eq!(forwarded(s.feed(b"\x10\x10\x11")), (b"\x10".to_vec(), true));
    }
}
