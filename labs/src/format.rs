//! Lab format v1: the TOML a lab author writes. Unknown keys and bad
//! values are rejected while parsing, so errors carry line and column.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lab {
    pub format_version: u32,
    pub id: String,
    pub title: String,
    /// Markdown under courseware/lessons/.
    pub lesson: String,
    /// Images the lab uses (the catalog provides them offline).
    #[serde(default)]
    pub images: Vec<String>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub title: String,
    pub text: String,
    pub hints: Vec<String>,
    /// Reference solution: shell lines, run in order by `lab test`.
    pub solution: Vec<String>,
    #[serde(default = "one")]
    pub points: u32,
    pub checks: Vec<Check>,
}

fn one() -> u32 {
    1
}

/// A duration written as `500ms`, `5s`, `2m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span(pub Duration);

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_duration(&text)
            .map(Span)
            .map_err(serde::de::Error::custom)
    }
}

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!(
            "invalid duration {text:?}: write a number and ms, s or m (\"500ms\", \"5s\", \"2m\")"
        )
    };
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .ok_or_else(bad)?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        _ => return Err(bad()),
    };
    if !(0.0..=3600.0).contains(&seconds) {
        return Err(format!("duration {text:?} is out of range (at most 60m)"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// A regular expression, compiled when the lab loads.
#[derive(Debug, Clone)]
pub struct Pattern(pub regex::Regex);

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        regex::Regex::new(&text).map(Pattern).map_err(|e| {
            serde::de::Error::custom(format!("invalid regular expression {text:?}: {e}"))
        })
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

/// A size written as `64m`, `10MB`, `512k` (binary multiples, as docker's
/// `-m` reads them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size(pub u64);

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_size(&text)
            .map(Size)
            .map_err(serde::de::Error::custom)
    }
}

pub fn parse_size(text: &str) -> Result<u64, String> {
    berth_units::ram_in_bytes(text)
        .ok()
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| format!("invalid size {text:?}: write a number and b, k, m or g (\"64m\")"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContainerState {
    Created,
    Running,
    Paused,
    Restarting,
    Exited,
    Dead,
}

impl ContainerState {
    pub fn as_str(&self) -> &'static str {
        match self {
            ContainerState::Created => "created",
            ContainerState::Running => "running",
            ContainerState::Paused => "paused",
            ContainerState::Restarting => "restarting",
            ContainerState::Exited => "exited",
            ContainerState::Dead => "dead",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartPolicy {
    No,
    Always,
    UnlessStopped,
    OnFailure,
}

impl RestartPolicy {
    pub fn as_str(&self) -> &'static str {
        match self {
            RestartPolicy::No => "no",
            RestartPolicy::Always => "always",
            RestartPolicy::UnlessStopped => "unless-stopped",
            RestartPolicy::OnFailure => "on-failure",
        }
    }
}

/// When a check is judged: once, until it passes (`within`), and whether
/// it must keep passing (`stable_for`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timing {
    pub within: Option<Duration>,
    pub stable_for: Option<Duration>,
}

/// Which containers a check looks at: the ones the lab created (not there
/// at `lab start`), or every container on the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    #[default]
    Lab,
    All,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerCheck {
    /// Selectors: which containers count.
    pub image: Option<String>,
    pub name: Option<String>,
    /// Regular expression over the command (`Path` and `Args` joined).
    pub command: Option<Pattern>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub scope: Scope,
    /// Conditions on them.
    pub state: Option<ContainerState>,
    pub exit_code: Option<i64>,
    pub restart_policy: Option<RestartPolicy>,
    pub memory: Option<Size>,
    pub cpus: Option<f64>,
    pub pids_limit: Option<i64>,
    /// How many must match (default: at least one).
    pub count: Option<u32>,
    pub fail: Option<String>,
    pub within: Option<Span>,
    pub stable_for: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageCheck {
    /// `name[:tag]`
    pub reference: String,
    #[serde(default = "yes")]
    pub exists: bool,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub layers: Option<u32>,
    pub max_size: Option<Size>,
    pub cmd: Option<Vec<String>>,
    pub entrypoint: Option<Vec<String>>,
    pub workdir: Option<String>,
    pub user: Option<String>,
    /// `KEY=VALUE` entries the image's environment must contain.
    #[serde(default)]
    pub env: Vec<String>,
    #[serde(default)]
    pub exposed_ports: Vec<String>,
    pub fail: Option<String>,
    pub within: Option<Span>,
    pub stable_for: Option<Span>,
}

fn yes() -> bool {
    true
}

/// The container an exec or log check reads: by name, or the newest one
/// from an image.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecCheck {
    pub container: Option<String>,
    pub image: Option<String>,
    pub run: Vec<String>,
    #[serde(default)]
    pub exit_code: i64,
    pub output_contains: Option<String>,
    pub output_matches: Option<Pattern>,
    pub fail: Option<String>,
    pub within: Option<Span>,
    pub stable_for: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogCheck {
    pub container: Option<String>,
    pub image: Option<String>,
    pub contains: Option<String>,
    pub matches: Option<Pattern>,
    pub fail: Option<String>,
    pub within: Option<Span>,
    pub stable_for: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpCheck {
    /// `http://127.0.0.1:PORT/path` (loopback only).
    pub url: String,
    #[serde(default = "ok_status")]
    pub status: u16,
    pub body_contains: Option<String>,
    pub fail: Option<String>,
    pub within: Option<Span>,
    pub stable_for: Option<Span>,
}

fn ok_status() -> u16 {
    200
}

/// A journal line typed during the step that matches and exited 0. Only
/// for steps that change no engine state (`lab test` enforces it).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandCheck {
    pub pattern: Pattern,
    pub fail: Option<String>,
    pub within: Option<Span>,
    pub stable_for: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Check {
    Container(ContainerCheck),
    Image(ImageCheck),
    Exec(ExecCheck),
    Log(LogCheck),
    Http(HttpCheck),
    Command(CommandCheck),
}

impl Check {
    pub fn kind(&self) -> &'static str {
        match self {
            Check::Container(_) => "container",
            Check::Image(_) => "image",
            Check::Exec(_) => "exec",
            Check::Log(_) => "log",
            Check::Http(_) => "http",
            Check::Command(_) => "command",
        }
    }

    pub fn fail_message(&self) -> Option<&str> {
        match self {
            Check::Container(c) => c.fail.as_deref(),
            Check::Image(c) => c.fail.as_deref(),
            Check::Exec(c) => c.fail.as_deref(),
            Check::Log(c) => c.fail.as_deref(),
            Check::Http(c) => c.fail.as_deref(),
            Check::Command(c) => c.fail.as_deref(),
        }
    }

    pub fn timing(&self) -> Timing {
        let (within, stable) = match self {
            Check::Container(c) => (c.within, c.stable_for),
            Check::Image(c) => (c.within, c.stable_for),
            Check::Exec(c) => (c.within, c.stable_for),
            Check::Log(c) => (c.within, c.stable_for),
            Check::Http(c) => (c.within, c.stable_for),
            Check::Command(c) => (c.within, c.stable_for),
        };
        Timing {
            within: within.map(|s| s.0),
            stable_for: stable.map(|s| s.0),
        }
    }
}
