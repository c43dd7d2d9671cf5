//! The shell's own commands: labs, lab start, step, hint, check, solution,
//! next, prev, reset, lesson, progress, help, exit.

use chrono::Utc;

use super::session::{Flow, Session};

pub const NAMES: &[&str] = &[
    "labs", "lab", "step", "hint", "check", "solution", "next", "prev", "reset", "lesson",
    "progress", "help", "exit",
];

const HELP: &str = "\
berth's commands (anything else runs as a shell line, with docker talking to berth's engine):
  labs              the labs, with your progress
  lab start ID      start a lab, or resume it where you left it
  step              show the current step again
  hint              the next hint for this step (hints used are recorded)
  check             judge the step now: what is expected and what was found
  solution          the reference solution (after a confirmation; recorded)
  next, prev        move to the next or the previous step
  reset [lab]       remove what this step (or the whole lab) created, after a confirmation
  lesson            the lab's reading
  progress          steps done, attempts, hints and solutions in this lab
  help              this text
  exit              leave (progress is kept; `berth` resumes where you were)";

/// `None`: not a shell command (the line goes to `sh -c`).
pub fn run(s: &mut Session, words: &[&str]) -> Option<Flow> {
    let rest = &words[1..];
    match words[0] {
        "exit" | "quit" if rest.is_empty() => return Some(Flow::Exit),
        "help" if rest.is_empty() => s.say(HELP),
        "labs" if rest.is_empty() => labs(s),
        "lab" => lab(s, rest),
        "step" if rest.is_empty() => s.show_step(),
        "hint" if rest.is_empty() => hint(s),
        "check" if rest.is_empty() => check(s),
        "solution" if rest.is_empty() => solution(s),
        "next" if rest.is_empty() => step_by(s, 1),
        "prev" if rest.is_empty() => step_by(s, -1),
        "reset" if rest.is_empty() || rest == ["step"] => reset(s, false),
        "reset" if rest == ["lab"] => reset(s, true),
        "lesson" if rest.is_empty() => lesson(s),
        "progress" if rest.is_empty() => progress(s),
        _ => return None,
    }
    Some(Flow::Continue)
}

fn labs(s: &mut Session) {
    if s.labs.is_empty() {
        s.say("No labs found (looked in BERTH_LABS_DIR, the source tree and /usr/local/share/berth/labs).");
        return;
    }
    let rows: Vec<String> = s
        .labs
        .iter()
        .map(|lab| {
            let p = s.progress.labs.get(&lab.id);
            let done = lab
                .steps
                .iter()
                .filter(|st| {
                    p.and_then(|p| p.steps.get(&st.id))
                        .is_some_and(|x| x.passed())
                })
                .count();
            let state = match p {
                None => "not started".to_string(),
                Some(_) if done == lab.steps.len() => "complete".to_string(),
                Some(_) => format!("{done}/{} steps", lab.steps.len()),
            };
            format!("  {:<12} {:<28} {state}", lab.id, lab.title)
        })
        .collect();
    s.say("Labs (start one with `lab start ID`):");
    for row in rows {
        s.say(&row);
    }
}

fn lab(s: &mut Session, rest: &[&str]) {
    match rest {
        ["start", id] => start(s, id),
        ["start"] => s.say("Which lab? `labs` lists them; then `lab start ID`."),
        [] => match s.current() {
            Some((lab, _)) => {
                let text = format!("Current lab: {} ({})", lab.title, lab.id);
                s.say(&text);
                s.show_step();
            }
            None => s.say("No lab started. `labs` lists them; `lab start ID` begins one."),
        },
        _ => s.say("Usage: lab start ID"),
    }
}

pub fn start(s: &mut Session, id: &str) {
    let Some(lab) = s.lab(id).cloned() else {
        let known: Vec<String> = s.labs.iter().map(|l| l.id.clone()).collect();
        let message = s
            .style
            .fail(&format!("No lab {id:?}. Labs: {}", known.join(", ")));
        s.say(&message);
        return;
    };
    s.progress.current_lab = Some(lab.id.clone());
    let resumed = s
        .progress
        .labs
        .get(&lab.id)
        .is_some_and(|p| p.started_at.is_some());
    if !resumed {
        let baseline = match s
            .rt
            .block_on(super::engine_state::snapshot(&s.engine.docker))
        {
            Ok(b) => b,
            Err(e) => {
                let message = s.style.fail(&format!("the engine did not answer: {e}"));
                s.say(&message);
                return;
            }
        };
        let p = s.progress.labs.entry(lab.id.clone()).or_default();
        p.started_at = Some(Utc::now());
        p.baseline = baseline;
        p.current = 0;
    }
    let title = s
        .style
        .bold(&format!("{} ({} steps)", lab.title, lab.steps.len()));
    s.say(&title);
    if resumed {
        s.say("Resuming where you left off. `lesson` shows the reading.");
    } else {
        s.say("`lesson` shows the reading for this lab.");
    }
    let current = s.progress.labs.get(&lab.id).map(|p| p.current).unwrap_or(0);
    s.move_to(current);
}

fn with_step(s: &mut Session) -> Option<(berth_labs::Lab, usize)> {
    match s.current() {
        Some((lab, p)) if p.current < lab.steps.len() => Some((lab, p.current)),
        Some(_) => {
            s.say("This lab is complete. `prev` goes back; `reset lab` starts it over.");
            None
        }
        None => {
            s.say("No lab started. `labs` lists them; `lab start ID` begins one.");
            None
        }
    }
}

fn hint(s: &mut Session) {
    let Some((lab, index)) = with_step(s) else {
        return;
    };
    let step = &lab.steps[index];
    let entry = s
        .progress
        .labs
        .entry(lab.id.clone())
        .or_default()
        .steps
        .entry(step.id.clone())
        .or_default();
    if (entry.hints_shown as usize) < step.hints.len() {
        entry.hints_shown += 1;
    }
    let shown = entry.hints_shown as usize;
    s.save();
    let text = format!(
        "Hint {shown} of {}: {}",
        step.hints.len(),
        step.hints[shown - 1]
    );
    s.say(&text);
    if shown == step.hints.len() {
        s.say("That was the last hint; `solution` shows the reference solution.");
    }
}

fn check(s: &mut Session) {
    if with_step(s).is_none() {
        return;
    }
    let outcomes = match s.judge_current(false) {
        Some(Ok(o)) => o,
        Some(Err(e)) => {
            let message = s.style.fail(&format!("could not judge the step: {e}"));
            s.say(&message);
            return;
        }
        None => return,
    };
    for o in &outcomes {
        let head = if o.passed {
            s.style.pass(o.kind)
        } else {
            s.style.fail(o.kind)
        };
        let mut text = format!(
            "{head}\n    expected: {}\n    found:    {}",
            o.expected, o.actual
        );
        if let (false, Some(f)) = (o.passed, &o.fail) {
            text.push_str(&format!("\n    {f}"));
        }
        s.say(&text);
    }
    if outcomes.iter().all(|o| o.passed) {
        // the step passes: recorded as after a line
        s.confirm_and_pass(true);
    }
}

fn solution(s: &mut Session) {
    let Some((lab, index)) = with_step(s) else {
        return;
    };
    if !(s.confirm)("Show the reference solution? Your progress records that you saw it. [y/N] ") {
        return;
    }
    let step = &lab.steps[index];
    s.progress
        .labs
        .entry(lab.id.clone())
        .or_default()
        .steps
        .entry(step.id.clone())
        .or_default()
        .solution_shown = true;
    s.save();
    s.say("Reference solution:");
    for line in &step.solution {
        let shown = format!("  {}", s.style.code(line));
        s.say(&shown);
    }
}

fn step_by(s: &mut Session, delta: i64) {
    let Some((lab, p)) = s.current() else {
        s.say("No lab started. `labs` lists them; `lab start ID` begins one.");
        return;
    };
    let target = p.current as i64 + delta;
    if target < 0 {
        s.say("This is the first step.");
        return;
    }
    if target as usize > lab.steps.len() {
        s.say("This lab is complete.");
        return;
    }
    s.move_to(target as usize);
}

fn reset(s: &mut Session, whole_lab: bool) {
    let Some((lab, p)) = s.current() else {
        s.say("No lab started: there is nothing to reset.");
        return;
    };
    let step = lab.steps.get(p.current).cloned();
    let (question, baseline) = if whole_lab {
        (
            format!(
                "Remove every container and image reference created since `lab start {}` and start the lab over? [y/N] ",
                lab.id
            ),
            p.baseline.clone(),
        )
    } else {
        let Some(step) = &step else {
            s.say("The lab is complete; `reset lab` starts it over.");
            return;
        };
        (
            format!(
                "Remove what was created during step {} ({}) and start the step over? [y/N] ",
                p.current + 1,
                step.title
            ),
            p.steps
                .get(&step.id)
                .map(|x| x.baseline.clone())
                .unwrap_or_default(),
        )
    };
    if !(s.confirm)(&question) {
        return;
    }
    let result = s.rt.block_on(super::engine_state::remove_newer(
        &s.engine.docker,
        &baseline,
    ));
    match result {
        Ok((removed, failed)) => {
            let text = if removed.is_empty() {
                "Nothing to remove.".to_string()
            } else {
                format!("Removed: {}", removed.join(", "))
            };
            s.say(&text);
            for f in failed {
                let message = s.style.fail(&format!("could not remove {f}"));
                s.say(&message);
            }
        }
        Err(e) => {
            let message = s.style.fail(&format!("the engine did not answer: {e}"));
            s.say(&message);
            return;
        }
    }
    let entry = s.progress.labs.entry(lab.id.clone()).or_default();
    if whole_lab {
        entry.steps.clear();
        entry.current = 0;
        entry.started_at = Some(Utc::now());
        s.move_to(0);
    } else if let Some(step) = step {
        entry.steps.remove(&step.id);
        s.move_to(p.current);
    }
}

fn lesson(s: &mut Session) {
    let Some((lab, _)) = s.current() else {
        s.say("No lab started: `lab start ID` first.");
        return;
    };
    match berth_labs::lesson_text(&lab) {
        Some(text) => {
            let rendered = super::lesson::render(&text, &s.style);
            super::lesson::page(s, &rendered);
        }
        None => {
            let message = s.style.fail(&format!("lesson {} not found", lab.lesson));
            s.say(&message);
        }
    }
}

fn progress(s: &mut Session) {
    let Some((lab, p)) = s.current() else {
        s.say("No lab started. `labs` lists them.");
        return;
    };
    let report = berth_grader::report::build(&lab, Some(&p), Utc::now());
    let text = berth_grader::report::render(
        &[report],
        berth_grader::report::Format::Table,
        s.style.plain,
    );
    s.say(text.trim_end());
}
