//! Tab completion: berth's commands and lab ids, docker subcommands and
//! flags (from the CLI's own command table), container and image names
//! (asked of the engine, briefly).

use std::time::Duration;

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;

use crate::cli::spec;
use crate::engine::Engine;

pub struct Helper {
    pub engine: Engine,
    pub lab_ids: Vec<String>,
}

/// Commands whose arguments are images; the others take containers.
const IMAGE_COMMANDS: &[&str] = &[
    "run", "create", "images", "rmi", "history", "pull", "tag", "image",
];

const SHELL_WORDS: &[&str] = &["ls", "cat", "curl", "echo", "sh"];

impl Helper {
    /// Container or image names, asked of the engine on a runtime of
    /// their own: the shell's runtime is only driven inside its block_on,
    /// and completion runs outside it.
    fn names(&self, images: bool) -> Vec<String> {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return Vec::new();
        };
        let path = if images {
            "/images/json"
        } else {
            "/containers/json?all=1"
        };
        let engine = self.engine.clone();
        let answer = rt.block_on(async move {
            tokio::time::timeout(
                Duration::from_millis(300),
                engine.raw(hyper::Method::GET, path, None),
            )
            .await
        });
        let Ok(Ok((status, body))) = answer else {
            return Vec::new();
        };
        if !status.is_success() {
            return Vec::new();
        }
        let list: Vec<serde_json::Value> = serde_json::from_slice(&body).unwrap_or_default();
        let key = if images { "RepoTags" } else { "Names" };
        list.iter()
            .filter_map(|item| item.get(key).and_then(|v| v.as_array()))
            .flatten()
            .filter_map(|n| n.as_str())
            .filter(|n| *n != "<none>:<none>")
            .map(|n| n.trim_start_matches('/').to_string())
            .collect()
    }

    pub fn candidates(&self, words: &[&str], current: &str) -> Vec<String> {
        let mut pool: Vec<String> = match words {
            [] => super::commands::NAMES
                .iter()
                .chain(std::iter::once(&"docker"))
                .chain(SHELL_WORDS.iter())
                .map(|s| s.to_string())
                .collect(),
            ["lab"] => vec!["start".into()],
            ["lab", "start"] => self.lab_ids.clone(),
            ["reset"] => vec!["lab".into(), "step".into()],
            ["docker"] => spec::TOP_LEVEL
                .iter()
                .map(|(n, _)| n.to_string())
                .chain(spec::GROUPS.iter().map(|(g, _)| g.to_string()))
                .collect(),
            ["docker", group] if spec::GROUPS.iter().any(|(g, _)| g == group) => {
                spec::group_commands(group)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(n, _)| n.to_string())
                    .collect()
            }
            ["docker", rest @ ..] => {
                let (key, image_args) = match rest {
                    [group, sub, ..] if spec::GROUPS.iter().any(|(g, _)| g == group) => (
                        spec::management(group, sub),
                        *group == "image" || IMAGE_COMMANDS.contains(sub),
                    ),
                    [name, ..] => (
                        spec::spec(name).map(|s| s.key),
                        IMAGE_COMMANDS.contains(name),
                    ),
                    [] => (None, false),
                };
                if current.starts_with('-') {
                    key.and_then(spec::spec)
                        .map(|s| {
                            s.flags
                                .iter()
                                .flat_map(|f| {
                                    let long = f.get_long().map(|l| format!("--{l}"));
                                    let short = f.get_short().map(|c| format!("-{c}"));
                                    long.into_iter().chain(short)
                                })
                                .collect()
                        })
                        .unwrap_or_default()
                } else {
                    self.names(image_args)
                }
            }
            _ => Vec::new(),
        };
        pool.retain(|c| c.starts_with(current));
        pool.sort();
        pool.dedup();
        pool
    }
}

impl Completer for Helper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = before
            .rfind(char::is_whitespace)
            .map(|i| i + 1)
            .unwrap_or(0);
        let current = &before[start..];
        let words: Vec<&str> = before[..start].split_whitespace().collect();
        let pairs = self
            .candidates(&words, current)
            .into_iter()
            .map(|c| Pair {
                display: c.clone(),
                replacement: format!("{c} "),
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for Helper {
    type Hint = String;
}

impl Highlighter for Helper {}

impl Validator for Helper {}

impl rustyline::Helper for Helper {}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper() -> Helper {
        // a file, not a socket: bollard accepts the path, requests fail
        let path = std::env::temp_dir().join(format!("berth-complete-{}.sock", std::process::id()));
        std::fs::write(&path, b"").unwrap();
        let docker = bollard::Docker::connect_with_unix(
            &path.to_string_lossy(),
            1,
            bollard::API_DEFAULT_VERSION,
        )
        .unwrap();
        Helper {
            engine: Engine {
                docker,
                endpoint: crate::engine::Endpoint::Unix(path),
            },
            lab_ids: vec!["run".into(), "build".into()],
        }
    }

    #[test]
    fn completes_commands_subcommands_flags_and_lab_ids() {
        let h = helper();
        assert_eq!(h.candidates(&[], "la"), vec!["lab", "labs"]);
        assert_eq!(h.candidates(&[], "doc"), vec!["docker"]);
        assert_eq!(h.candidates(&["lab"], ""), vec!["start"]);
        assert_eq!(h.candidates(&["lab", "start"], "r"), vec!["run"]);
        assert_eq!(h.candidates(&["docker"], "ins"), vec!["inspect"]);
        assert_eq!(h.candidates(&["docker"], "con"), vec!["container"]);
        assert_eq!(
            h.candidates(&["docker", "container"], "l"),
            vec!["logs", "ls"]
        );
        assert_eq!(h.candidates(&["docker", "run"], "--rm"), vec!["--rm"]);
        assert_eq!(
            h.candidates(&["docker", "ps"], "-"),
            vec![
                "--all",
                "--filter",
                "--format",
                "--last",
                "--latest",
                "--no-trunc",
                "--quiet",
                "--size",
                "-a",
                "-f",
                "-l",
                "-n",
                "-q",
                "-s"
            ]
        );
        assert_eq!(
            h.candidates(&["docker", "image", "ls"], "--q"),
            vec!["--quiet"]
        );
        // names come from the engine; none answers here, so none, quickly
        let started = std::time::Instant::now();
        assert!(h.candidates(&["docker", "logs"], "w").is_empty());
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        if let crate::engine::Endpoint::Unix(p) = &h.engine.endpoint {
            let _ = std::fs::remove_file(p);
        }
    }
}
