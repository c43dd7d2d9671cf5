//! berth's labs: format v1 (TOML), loading with positioned errors, the
//! checks a loaded lab must pass (`berth lab lint`), where labs and lessons
//! are found, and each participant's progress and command journal.

pub mod format;
pub mod progress;

use std::path::{Path, PathBuf};

pub use format::{Check, Lab, Step};

#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    /// toml's message names line and column and shows the line.
    #[error("{file}: {message}")]
    Parse { file: PathBuf, message: String },
    #[error("{file}:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        file: PathBuf,
        problems: Vec<String>,
    },
    #[error("no lab with id {id:?} (labs: {known})")]
    Unknown { id: String, known: String },
}

/// Parses and validates one lab file.
pub fn load(path: &Path) -> Result<Lab, LabError> {
    let text = std::fs::read_to_string(path).map_err(|source| LabError::Read {
        file: path.to_path_buf(),
        source,
    })?;
    parse(&text, path)
}

pub fn parse(text: &str, file: &Path) -> Result<Lab, LabError> {
    let lab: Lab = toml::from_str(text).map_err(|e| LabError::Parse {
        file: file.to_path_buf(),
        message: positioned(text, &e),
    })?;
    let problems = validate(&lab);
    if problems.is_empty() {
        Ok(lab)
    } else {
        Err(LabError::Invalid {
            file: file.to_path_buf(),
            problems,
        })
    }
}

/// toml points at the whole `[[steps.checks]]` table when a check's
/// field is wrong (checks are tagged by `kind`, which serde buffers). Find
/// the field or value the message names inside that table and point there.
fn positioned(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim_end();
    let Some(span) = e.span() else {
        return e.to_string().trim_end().to_string();
    };
    let quoted = |open: char, close: char| -> Option<String> {
        let start = message.find(open)? + open.len_utf8();
        let end = start + message[start..].find(close)?;
        Some(message[start..end].to_string())
    };
    let needle = if message.starts_with("unknown field") || message.starts_with("missing field") {
        quoted('`', '`').map(|f| (f, true))
    } else if message.starts_with("unknown variant") {
        quoted('`', '`').map(|v| (v, false))
    } else {
        quoted('"', '"').map(|v| (v, false))
    };
    let table_end = text[span.end..]
        .find("\n[")
        .map(|i| span.end + i)
        .unwrap_or(text.len());
    let found = needle.and_then(|(word, is_key)| {
        let body = &text[span.start..table_end];
        body.match_indices(&word).find_map(|(i, _)| {
            let at = span.start + i;
            let line_start = text[..at].rfind('\n').map(|n| n + 1).unwrap_or(0);
            let before = &text[line_start..at];
            let ok = if is_key {
                before.trim().is_empty()
            } else {
                before.contains('=')
            };
            ok.then_some(at)
        })
    });
    let at = found.unwrap_or(span.start);
    let line = text[..at].matches('\n').count() + 1;
    let column = at - text[..at].rfind('\n').map(|n| n + 1).unwrap_or(0) + 1;
    let source = text.lines().nth(line - 1).unwrap_or("");
    format!("line {line}, column {column}: {message}\n  | {source}")
}

fn is_loopback_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split('/').next().unwrap_or("");
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.parse::<u16>().is_ok() => h,
        _ => host,
    };
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

/// What serde cannot say: rules across fields and steps.
pub fn validate(lab: &Lab) -> Vec<String> {
    let mut problems = Vec::new();
    if lab.format_version != format::FORMAT_VERSION {
        problems.push(format!(
            "format_version is {}, this berth reads version {}",
            lab.format_version,
            format::FORMAT_VERSION
        ));
    }
    let id_ok = |id: &str| {
        !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    if !id_ok(&lab.id) {
        problems.push(format!(
            "lab id {:?}: use lowercase letters, digits and '-'",
            lab.id
        ));
    }
    if lab.steps.is_empty() {
        problems.push("the lab has no steps".into());
    }
    let mut seen = std::collections::HashSet::new();
    for (i, step) in lab.steps.iter().enumerate() {
        let at = format!("step {} ({:?})", i + 1, step.id);
        if !id_ok(&step.id) {
            problems.push(format!("{at}: id: use lowercase letters, digits and '-'"));
        }
        if !seen.insert(step.id.as_str()) {
            problems.push(format!("{at}: the id is used by an earlier step"));
        }
        if step.text.trim().is_empty() {
            problems.push(format!("{at}: text is empty"));
        }
        if step.hints.is_empty() || step.hints.iter().any(|h| h.trim().is_empty()) {
            problems.push(format!(
                "{at}: hints must be a non-empty list of non-empty hints"
            ));
        }
        if step.solution.is_empty() {
            problems.push(format!("{at}: solution has no lines"));
        }
        if step.checks.is_empty() {
            problems.push(format!(
                "{at}: no checks: every step is judged by at least one"
            ));
        }
        for (j, check) in step.checks.iter().enumerate() {
            let at = format!("{at}, check {} ({})", j + 1, check.kind());
            match check {
                Check::Http(h) if !is_loopback_url(&h.url) => problems.push(format!(
                    "{at}: url {:?} must be http:// on 127.0.0.1, localhost or [::1]",
                    h.url
                )),
                Check::Exec(e) if e.run.is_empty() => problems.push(format!("{at}: run is empty")),
                Check::Exec(e) if e.container.is_none() && e.image.is_none() => {
                    problems.push(format!("{at}: say which container: container or image"))
                }
                Check::Log(l) if l.container.is_none() && l.image.is_none() => {
                    problems.push(format!("{at}: say which container: container or image"))
                }
                Check::Log(l) if l.contains.is_none() && l.matches.is_none() => {
                    problems.push(format!("{at}: say what the log must show: contains or matches"))
                }
                Check::Command(_) if step.checks.iter().any(|c| !matches!(c, Check::Command(_))) => problems.push(
                    format!("{at}: command checks are for steps that change no state; this step also checks engine state"),
                ),
                _ => {}
            }
        }
    }
    problems
}

/// Where labs are looked for: BERTH_LABS_DIR, the source tree this berth
/// was built from (so a build never reads an older installed copy), then
/// the install's share directory.
pub fn catalog_dirs() -> Vec<PathBuf> {
    search_dirs("BERTH_LABS_DIR", "catalog", "labs")
}

/// Where lesson markdown is looked for, in the same order.
pub fn lesson_dirs() -> Vec<PathBuf> {
    search_dirs("BERTH_LESSONS_DIR", "../courseware/lessons", "lessons")
}

fn search_dirs(variable: &str, in_source: &str, installed: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os(variable)
        .map(PathBuf::from)
        .into_iter()
        .collect();
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join(in_source));
    dirs.push(Path::new("/usr/local/share/berth").join(installed));
    dirs
}

/// Every lab of the first catalog directory that exists, by file name.
pub fn catalog() -> Result<Vec<(PathBuf, Lab)>, LabError> {
    let Some(dir) = catalog_dirs().into_iter().find(|d| d.is_dir()) else {
        return Ok(Vec::new());
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|source| LabError::Read {
            file: dir.clone(),
            source,
        })?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| load(&f).map(|lab| (f, lab)))
        .collect()
}

pub fn find(id: &str) -> Result<Lab, LabError> {
    let labs = catalog()?;
    let known = labs
        .iter()
        .map(|(_, l)| l.id.clone())
        .collect::<Vec<_>>()
        .join(", ");
    labs.into_iter()
        .map(|(_, l)| l)
        .find(|l| l.id == id)
        .ok_or(LabError::Unknown {
            id: id.to_string(),
            known,
        })
}

pub fn lesson_text(lab: &Lab) -> Option<String> {
    lesson_dirs()
        .into_iter()
        .map(|d| d.join(&lab.lesson))
        .find_map(|p| std::fs::read_to_string(p).ok())
}

#[cfg(test)]
mod tests;
