//! The line handler the teaching shell and `berth lab test` share: shell
//! commands, every other line through `sh -c` with berth's engine and
//! `docker`, the journal, and the judgement of the current step.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use berth_grader::{Context, Outcome};
use berth_labs::Lab;
use berth_labs::progress::{JournalEntry, LabProgress, Progress, Store};
use chrono::Utc;

use super::style::Style;
use crate::engine::Engine;

pub enum Flow {
    Continue,
    Exit,
}

/// Where the shell's messages and the lines' output go.
pub enum Output {
    Terminal,
    /// `lab test`: kept for the report.
    Captured(Vec<String>),
}

pub struct Session {
    pub rt: tokio::runtime::Runtime,
    pub engine: Engine,
    pub store: Store,
    pub progress: Progress,
    pub labs: Vec<Lab>,
    pub style: Style,
    pub output: Output,
    pub journal: Vec<JournalEntry>,
    /// Directory with the `docker` link to berth, first on the lines' PATH.
    pub bin_dir: PathBuf,
    /// Asked before `solution` and `reset`; `lab test` answers yes.
    pub confirm: Box<dyn FnMut(&str) -> bool>,
    /// `--timings`: how long handling and judging took, on stderr.
    pub timings: bool,
}

impl Session {
    pub fn say(&mut self, text: &str) {
        match &mut self.output {
            Output::Terminal => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{text}");
                let _ = out.flush();
            }
            Output::Captured(lines) => lines.push(text.to_string()),
        }
    }

    pub fn save(&mut self) {
        if let Err(e) = self.store.save(&self.progress) {
            let message = format!("berth: progress not saved: {e}");
            self.say(&message);
        }
    }

    pub fn lab(&self, id: &str) -> Option<&Lab> {
        self.labs.iter().find(|l| l.id == id)
    }

    /// The current lab, its progress and the current step index.
    pub fn current(&self) -> Option<(Lab, LabProgress)> {
        let id = self.progress.current_lab.as_ref()?;
        let lab = self.lab(id)?.clone();
        let p = self.progress.labs.get(id).cloned().unwrap_or_default();
        Some((lab, p))
    }

    pub fn prompt(&self) -> String {
        match self.current() {
            Some((lab, p)) if p.current < lab.steps.len() => {
                format!("berth {} {}/{}> ", lab.id, p.current + 1, lab.steps.len())
            }
            Some((lab, _)) => format!("berth {} done> ", lab.id),
            None => "berth> ".to_string(),
        }
    }

    /// Handles one typed line.
    pub fn handle_line(&mut self, line: &str) -> Flow {
        let started = Instant::now();
        let trimmed = line.trim();
        if trimmed.is_empty() {
            return Flow::Continue;
        }
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        if let Some(flow) = super::commands::run(self, &words) {
            if self.timings {
                eprintln!(
                    "berth-timing shell-command {:.1} ms",
                    started.elapsed().as_secs_f64() * 1000.0
                );
            }
            return flow;
        }
        let code = self.run_line(trimmed);
        let ran = started.elapsed();
        self.record(trimmed, code, ran.as_millis() as u64);
        let judged = Instant::now();
        self.judge_after_line(code == 0);
        if self.timings {
            eprintln!(
                "berth-timing line {:.1} ms judgement {:.1} ms",
                ran.as_secs_f64() * 1000.0,
                judged.elapsed().as_secs_f64() * 1000.0
            );
        }
        Flow::Continue
    }

    fn run_line(&mut self, line: &str) -> i32 {
        let path = match std::env::var_os("PATH") {
            Some(p) => {
                let mut dirs = vec![self.bin_dir.clone()];
                dirs.extend(std::env::split_paths(&p));
                std::env::join_paths(dirs).unwrap_or(p)
            }
            None => self.bin_dir.clone().into_os_string(),
        };
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(line)
            .env("DOCKER_HOST", self.engine.endpoint.url())
            .env_remove("BERTH_HOST")
            .env("PATH", path);
        let result = match &mut self.output {
            Output::Terminal => {
                // Ctrl-C is for the line: the shell only notes it
                let _guard = super::signals::IgnoreInterrupts::install();
                command.status()
            }
            Output::Captured(lines) => {
                let out = command.stdin(Stdio::null()).output();
                if let Ok(o) = &out {
                    lines.push(format!("$ {line}"));
                    lines.extend(
                        String::from_utf8_lossy(&o.stdout)
                            .lines()
                            .map(str::to_string),
                    );
                    lines.extend(
                        String::from_utf8_lossy(&o.stderr)
                            .lines()
                            .map(str::to_string),
                    );
                }
                out.map(|o| o.status)
            }
        };
        match result {
            Ok(status) => {
                use std::os::unix::process::ExitStatusExt;
                status
                    .code()
                    .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
            }
            Err(e) => {
                let message = format!("berth: cannot run sh: {e}");
                self.say(&message);
                127
            }
        }
    }

    fn record(&mut self, line: &str, exit_code: i32, duration_ms: u64) {
        let (lab, step) = match self.current() {
            Some((lab, p)) => (
                Some(lab.id.clone()),
                lab.steps.get(p.current).map(|s| s.id.clone()),
            ),
            None => (None, None),
        };
        let entry = JournalEntry {
            time: Utc::now(),
            lab: lab.clone(),
            step: step.clone(),
            line: line.to_string(),
            exit_code,
            duration_ms,
        };
        if let Err(e) = self.store.append_journal(&entry) {
            let message = format!("berth: journal not written: {e}");
            self.say(&message);
        }
        self.journal.push(entry);
        if let (Some(lab), Some(step)) = (lab, step) {
            let p = self.progress.labs.entry(lab).or_default();
            p.steps.entry(step).or_default().attempts += 1;
            self.save();
        }
    }

    /// Judges the current step now; `full` waits on `within`/`stable_for`.
    pub fn judge_current(&mut self, full: bool) -> Option<Result<Vec<Outcome>, String>> {
        let (lab, p) = self.current()?;
        let step = lab.steps.get(p.current)?.clone();
        let since = p.steps.get(&step.id).and_then(|s| s.started_at);
        let ctx = Context {
            docker: &self.engine.docker,
            baseline: &p.baseline,
            since,
            journal: &self.journal,
        };
        let result = if full {
            self.rt.block_on(berth_grader::judge_step(&ctx, &step))
        } else {
            self.rt.block_on(berth_grader::judge_step_now(&ctx, &step))
        };
        Some(result.map_err(|e| e.to_string()))
    }

    /// After a line: when the current step's checks pass (confirmed with
    /// their full timing), record it and move on.
    /// A line that succeeded may have started something that settles
    /// later (a detached container that is about to exit): then checks
    /// with `within` get their time. Failed lines are judged once.
    fn judge_after_line(&mut self, line_succeeded: bool) {
        let Some((lab, p)) = self.current() else {
            return;
        };
        let Some(step) = lab.steps.get(p.current).cloned() else {
            return;
        };
        if p.steps.get(&step.id).is_some_and(|s| s.passed()) {
            return;
        }
        let quick_passed = match self.judge_current(false) {
            Some(Ok(outcomes)) if outcomes.iter().all(|o| o.passed) => true,
            Some(Ok(outcomes)) => {
                let waiting = outcomes
                    .iter()
                    .zip(&step.checks)
                    .any(|(o, c)| !o.passed && c.timing().within.is_some());
                if !(line_succeeded && waiting) {
                    return;
                }
                false
            }
            Some(Err(e)) => {
                let message = self.style.fail(&format!("could not judge the step: {e}"));
                self.say(&message);
                return;
            }
            None => return,
        };
        self.confirm_and_pass(quick_passed);
    }

    /// Records the current step's pass once its checks hold with their
    /// full `within`/`stable_for` timing. After a quick judgement that
    /// passed, a step without timing has nothing more to wait for.
    pub fn confirm_and_pass(&mut self, quick_passed: bool) {
        let Some((lab, p)) = self.current() else {
            return;
        };
        let Some(step) = lab.steps.get(p.current) else {
            return;
        };
        let timed = step
            .checks
            .iter()
            .any(|c| c.timing() != berth_labs::format::Timing::default());
        let passed = (quick_passed && !timed)
            || matches!(self.judge_current(true), Some(Ok(o)) if o.iter().all(|o| o.passed));
        if !passed {
            return;
        }
        let entry = self.progress.labs.entry(lab.id.clone()).or_default();
        // a step passed before (then `prev`) keeps its first pass time
        entry
            .steps
            .entry(step.id.clone())
            .or_default()
            .passed_at
            .get_or_insert(Utc::now());
        let message = self
            .style
            .pass(&format!("Step {} passed: {}", p.current + 1, step.title));
        self.say(&message);
        // move_to saves the progress, the pass with it
        self.move_to(p.current + 1);
    }

    /// Makes step `index` current (the end of the lab when past the last),
    /// starting its clock and baseline the first time, and shows it.
    pub fn move_to(&mut self, index: usize) {
        let Some((lab, _)) = self.current() else {
            return;
        };
        let index = index.min(lab.steps.len());
        let baseline = if index < lab.steps.len() {
            self.rt
                .block_on(super::engine_state::snapshot(&self.engine.docker))
                .ok()
        } else {
            None
        };
        let entry = self.progress.labs.entry(lab.id.clone()).or_default();
        entry.current = index;
        if let Some(step) = lab.steps.get(index) {
            let s = entry.steps.entry(step.id.clone()).or_default();
            if s.started_at.is_none() {
                s.started_at = Some(Utc::now());
                s.baseline = baseline.unwrap_or_default();
            }
        }
        self.save();
        self.show_step();
    }

    pub fn show_step(&mut self) {
        let Some((lab, p)) = self.current() else {
            self.say("No lab started. `labs` lists them; `lab start ID` begins one.");
            return;
        };
        match lab.steps.get(p.current) {
            Some(step) => {
                let heading = self.style.heading(&format!(
                    "Step {} of {}: {}",
                    p.current + 1,
                    lab.steps.len(),
                    step.title
                ));
                let done = p.steps.get(&step.id).is_some_and(|s| s.passed());
                self.say(&heading);
                self.say(step.text.trim());
                if done {
                    let note = self.style.pass("already passed");
                    self.say(&note);
                }
                let tip = if self.style.plain {
                    "(hint: a hint; check: where you are; lesson: the reading)".to_string()
                } else {
                    self.style
                        .dim("(hint: a hint · check: where you are · lesson: the reading)")
                };
                self.say(&tip);
            }
            None => {
                let passed = lab
                    .steps
                    .iter()
                    .filter(|s| p.steps.get(&s.id).is_some_and(|x| x.passed()))
                    .count();
                let message = self.style.pass(&format!(
                    "Lab {} complete: {passed} of {} steps passed. `berth grade --lab {}` shows your report.",
                    lab.id,
                    lab.steps.len(),
                    lab.id
                ));
                self.say(&message);
            }
        }
    }
}
