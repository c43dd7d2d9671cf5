//! berth's grader: judges a lab step's typed checks against what an engine
//! reports through the Docker Engine API (so a real dockerd is graded the
//! same way), plus loopback HTTP and the participant's command journal.
//! Every outcome states what was expected and what was found.

mod containers;
mod http;
mod images;
pub mod report;

use std::time::{Duration, Instant};

use berth_labs::progress::{Baseline, JournalEntry};
use berth_labs::{Check, Step};
use chrono::{DateTime, Utc};

/// What a judgement may read.
pub struct Context<'a> {
    pub docker: &'a bollard::Docker,
    /// What existed at `lab start`: lab-scoped checks ignore it.
    pub baseline: &'a Baseline,
    /// Journal lines count from here (the current step's start).
    pub since: Option<DateTime<Utc>>,
    pub journal: &'a [JournalEntry],
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub kind: &'static str,
    pub passed: bool,
    pub expected: String,
    pub actual: String,
    /// The lab author's words for a failure.
    pub fail: Option<String>,
}

impl Outcome {
    fn new(
        kind: &'static str,
        passed: bool,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Self {
        Outcome {
            kind,
            passed,
            expected: expected.into(),
            actual: actual.into(),
            fail: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GradeError {
    #[error("the engine did not answer: {0}")]
    Engine(#[from] bollard::errors::Error),
}

/// One evaluation of one check, now.
pub async fn judge_once(ctx: &Context<'_>, check: &Check) -> Result<Outcome, GradeError> {
    let mut outcome = match check {
        Check::Container(c) => containers::container(ctx, c).await?,
        Check::Exec(c) => containers::exec(ctx, c).await?,
        Check::Log(c) => containers::log(ctx, c).await?,
        Check::Image(c) => images::image(ctx, c).await?,
        Check::Http(c) => http::http(c).await,
        Check::Command(c) => command(ctx, c),
    };
    outcome.fail = check.fail_message().map(str::to_string);
    Ok(outcome)
}

const POLL: Duration = Duration::from_millis(200);

/// A check with its timing: retried until it passes for up to `within`,
/// then it must keep passing for `stable_for`.
pub async fn judge(ctx: &Context<'_>, check: &Check) -> Result<Outcome, GradeError> {
    let timing = check.timing();
    let deadline = Instant::now() + timing.within.unwrap_or_default();
    let mut outcome = judge_once(ctx, check).await?;
    while !outcome.passed && Instant::now() < deadline {
        tokio::time::sleep(POLL).await;
        outcome = judge_once(ctx, check).await?;
    }
    if let (true, Some(stable)) = (outcome.passed, timing.stable_for) {
        let until = Instant::now() + stable;
        while Instant::now() < until {
            tokio::time::sleep(POLL.min(until.saturating_duration_since(Instant::now()))).await;
            let again = judge_once(ctx, check).await?;
            if !again.passed {
                return Ok(Outcome {
                    actual: format!(
                        "it held, then within {} s: {}",
                        stable.as_secs_f64(),
                        again.actual
                    ),
                    expected: format!("{} for {} s", again.expected, stable.as_secs_f64()),
                    ..again
                });
            }
        }
    }
    Ok(outcome)
}

/// Every check of a step, in order.
pub async fn judge_step(ctx: &Context<'_>, step: &Step) -> Result<Vec<Outcome>, GradeError> {
    let mut outcomes = Vec::with_capacity(step.checks.len());
    for check in &step.checks {
        outcomes.push(judge(ctx, check).await?);
    }
    Ok(outcomes)
}

/// Quick judgement after a line: no waiting on `within` or `stable_for`
/// (a pass is confirmed with the full timing before it is recorded).
pub async fn judge_step_now(ctx: &Context<'_>, step: &Step) -> Result<Vec<Outcome>, GradeError> {
    let mut outcomes = Vec::with_capacity(step.checks.len());
    for check in &step.checks {
        outcomes.push(judge_once(ctx, check).await?);
    }
    Ok(outcomes)
}

fn command(ctx: &Context<'_>, c: &berth_labs::format::CommandCheck) -> Outcome {
    let lines: Vec<&JournalEntry> = ctx
        .journal
        .iter()
        .filter(|e| ctx.since.is_none_or(|s| e.time >= s))
        .collect();
    let expected = format!("a command matching /{}/ that exits 0", c.pattern.0.as_str());
    if lines
        .iter()
        .any(|e| e.exit_code == 0 && c.pattern.0.is_match(e.line.trim()))
    {
        return Outcome::new("command", true, expected, "typed");
    }
    let actual = match lines
        .iter()
        .rev()
        .find(|e| c.pattern.0.is_match(e.line.trim()))
    {
        Some(e) => format!("`{}` exited {}", e.line.trim(), e.exit_code),
        None if lines.is_empty() => "no command typed in this step yet".to_string(),
        None => format!(
            "last typed: `{}`",
            lines.last().map(|e| e.line.trim()).unwrap_or_default()
        ),
    };
    Outcome::new("command", false, expected, actual)
}
