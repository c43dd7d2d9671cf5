//! A participant's progress (per lab and step) and command journal, kept
//! under `$BERTH_STATE_DIR` or `~/.local/share/berth`. Progress is
//! replaced atomically; the journal is appended one JSON line at a time.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum ProgressError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a progress file berth can read ({message}); it was left as it is")]
    Corrupt { path: PathBuf, message: String },
    #[error("no home directory: set HOME or BERTH_STATE_DIR")]
    NoHome,
}

/// What existed on the engine when a lab or step began: `reset` removes
/// what is newer, and checks scoped to the lab ignore what is older.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Baseline {
    pub containers: Vec<String>,
    /// `repo:tag` references.
    pub images: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct StepProgress {
    pub started_at: Option<DateTime<Utc>>,
    pub passed_at: Option<DateTime<Utc>>,
    /// Lines run while this step was current.
    pub attempts: u32,
    pub hints_shown: u32,
    pub solution_shown: bool,
    pub baseline: Baseline,
}

impl StepProgress {
    pub fn passed(&self) -> bool {
        self.passed_at.is_some()
    }
    /// Time on task: from the step's start to its pass (or to now).
    pub fn seconds(&self, now: DateTime<Utc>) -> i64 {
        match self.started_at {
            Some(start) => (self.passed_at.unwrap_or(now) - start).num_seconds().max(0),
            None => 0,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LabProgress {
    /// Index of the current step.
    pub current: usize,
    pub started_at: Option<DateTime<Utc>>,
    pub baseline: Baseline,
    pub steps: BTreeMap<String, StepProgress>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Progress {
    pub current_lab: Option<String>,
    pub labs: BTreeMap<String, LabProgress>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JournalEntry {
    pub time: DateTime<Utc>,
    pub lab: Option<String>,
    pub step: Option<String>,
    pub line: String,
    pub exit_code: i32,
    pub duration_ms: u64,
}

pub struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn open_default() -> Result<Self, ProgressError> {
        let dir = match std::env::var_os("BERTH_STATE_DIR").filter(|d| !d.is_empty()) {
            Some(d) => PathBuf::from(d),
            None => match std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
                Some(d) => PathBuf::from(d).join("berth"),
                None => PathBuf::from(std::env::var_os("HOME").ok_or(ProgressError::NoHome)?)
                    .join(".local/share/berth"),
            },
        };
        Self::open(&dir)
    }

    pub fn open(dir: &Path) -> Result<Self, ProgressError> {
        std::fs::create_dir_all(dir).map_err(|source| ProgressError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        Ok(Store {
            dir: dir.to_path_buf(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn progress_path(&self) -> PathBuf {
        self.dir.join("progress.json")
    }

    pub fn journal_path(&self) -> PathBuf {
        self.dir.join("journal.jsonl")
    }

    pub fn load(&self) -> Result<Progress, ProgressError> {
        let path = self.progress_path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| ProgressError::Corrupt {
                path,
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Progress::default()),
            Err(source) => Err(ProgressError::Io { path, source }),
        }
    }

    /// Writes a temp file, syncs it and renames it over the old one: a
    /// crash leaves the old progress or the new, never half of one.
    pub fn save(&self, progress: &Progress) -> Result<(), ProgressError> {
        let path = self.progress_path();
        let tmp = self
            .dir
            .join(format!(".progress.json.{}", std::process::id()));
        let io = |source| ProgressError::Io {
            path: path.clone(),
            source,
        };
        let bytes =
            serde_json::to_vec_pretty(progress).map_err(|e| io(std::io::Error::other(e)))?;
        {
            let mut f = std::fs::File::create(&tmp).map_err(io)?;
            f.write_all(&bytes).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, &path).map_err(io)?;
        if let Ok(d) = std::fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    pub fn append_journal(&self, entry: &JournalEntry) -> Result<(), ProgressError> {
        let path = self.journal_path();
        let io = |source| ProgressError::Io {
            path: path.clone(),
            source,
        };
        let mut line = serde_json::to_string(entry).map_err(|e| io(std::io::Error::other(e)))?;
        line.push('\n');
        // one write of a whole line with O_APPEND: lines never interleave
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io)?;
        f.write_all(line.as_bytes()).map_err(io)
    }

    /// Every readable journal line; a torn last line is skipped.
    pub fn journal(&self) -> Vec<JournalEntry> {
        std::fs::read_to_string(self.journal_path())
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}
