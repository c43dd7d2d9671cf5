//! Help texts and usage errors in docker's layout.

use super::spec::{self, Arity, Spec};

const WIDTH: usize = 80;

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            if !line.is_empty() && line.len() + 1 + word.len() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines
}

pub fn usage_line(path: &str, spec: &Spec) -> String {
    format!("Usage:  {path} {}", spec.usage_args)
}

pub fn command_help(path: &str, spec: &Spec) -> String {
    let mut out = format!("{}\n\n{}\n", usage_line(path, spec), spec.about);
    if !spec.aliases.is_empty() {
        out.push_str(&format!("\nAliases:\n  {}\n", spec.aliases.join(", ")));
    }
    let mut rows: Vec<(String, String)> = spec
        .flags
        .iter()
        .map(|arg| {
            let long = arg.get_long().unwrap_or_default();
            let short = arg
                .get_short()
                .map(|c| format!("-{c}, "))
                .unwrap_or_else(|| "    ".into());
            let value = arg
                .get_value_names()
                .and_then(|v| v.first())
                .map(|v| format!(" {v}"))
                .unwrap_or_default();
            (
                format!("  {short}--{long}{value}"),
                arg.get_help().map(|h| h.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    if spec.flags.iter().any(|a| a.get_short() == Some('h')) {
        rows.push(("      --help".into(), "Print usage".into()));
    }
    // docker lists flags by their long names
    rows.sort_by_key(|row| row.0.split("--").nth(1).unwrap_or_default().to_string());
    if !rows.is_empty() {
        out.push_str("\nOptions:\n");
        let column = rows.iter().map(|(f, _)| f.len()).max().unwrap_or(0) + 3;
        for (flag, help) in rows {
            let lines = wrap(&help, WIDTH.saturating_sub(column).max(30));
            for (i, line) in lines.iter().enumerate() {
                let lead = if i == 0 { flag.as_str() } else { "" };
                out.push_str(&format!("{lead:column$}{line}\n"));
            }
        }
    }
    out
}

pub fn group_help(group: &str) -> Option<String> {
    let commands = spec::group_commands(group)?;
    let about = spec::GROUPS
        .iter()
        .find(|(g, _)| *g == group)
        .map(|(_, a)| *a)?;
    let mut out = format!("Usage:  docker {group} COMMAND\n\n{about}\n\nCommands:\n");
    for (name, about) in commands {
        out.push_str(&format!("  {name:<11} {about}\n"));
    }
    out.push_str(&format!(
        "\nRun 'docker {group} COMMAND --help' for more information on a command.\n"
    ));
    Some(out)
}

pub fn top_help() -> String {
    let mut out = String::from(
        "Usage:  docker [OPTIONS] COMMAND\n\nA self-sufficient runtime for containers (berth's docker-compatible CLI)\n\nCommon Commands:\n",
    );
    for (name, about) in spec::TOP_LEVEL.iter().take(7) {
        out.push_str(&format!("  {name:<11} {about}\n"));
    }
    out.push_str("\nManagement Commands:\n");
    for (name, about) in spec::GROUPS {
        out.push_str(&format!("  {name:<11} {about}\n"));
    }
    out.push_str("\nCommands:\n");
    for (name, about) in spec::TOP_LEVEL.iter().skip(7) {
        out.push_str(&format!("  {name:<11} {about}\n"));
    }
    out.push_str(
        "\nGlobal Options:\n  -H, --host string   Daemon socket to connect to\n  -v, --version       Print version information and quit\n\nRun 'docker COMMAND --help' for more information on a command.\n",
    );
    out
}

/// docker's text for a wrong number of arguments.
pub fn arity_error(path: &str, spec: &Spec, given: usize) -> Option<String> {
    let (ok, what, hint) = match spec.arity {
        Arity::Zero => (given == 0, "accepts no arguments".to_string(), "Run"),
        Arity::Exactly(n) => (
            given == n,
            format!("requires {n} argument{}", if n == 1 { "" } else { "s" }),
            "Run",
        ),
        Arity::AtLeast(n) => (
            given >= n,
            format!(
                "requires at least {n} argument{}",
                if n == 1 { "" } else { "s" }
            ),
            "See",
        ),
        Arity::Between(a, b) => (
            (a..=b).contains(&given),
            format!("requires at least {a} and at most {b} arguments"),
            "Run",
        ),
    };
    (!ok).then(|| {
        format!(
            "docker: '{path}' {what}\n\n{}\n\n{hint} '{path} --help' for more information",
            usage_line(path, spec)
        )
    })
}

/// docker's text for a flag problem (exit 125).
pub fn flag_error(path: &str, spec: &Spec, message: &str) -> String {
    format!(
        "{message}\n\n{}\n\nRun '{path} --help' for more information",
        usage_line(path, spec)
    )
}
