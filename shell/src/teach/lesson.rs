//! Lessons: courseware markdown shown in the terminal, paged with `less`
//! on a terminal.

use std::io::Write;
use std::process::{Command, Stdio};

use super::session::{Output, Session};
use super::style::Style;

/// Headings in bold, code in colour, tables and lists as written.
pub fn render(markdown: &str, style: &Style) -> String {
    let mut out = String::new();
    for line in markdown.lines() {
        let trimmed = line.trim_start_matches('#');
        let rendered = if line.starts_with('#') {
            let title = trimmed.trim();
            if style.plain {
                title.to_string()
            } else {
                style.bold(title)
            }
        } else if line.starts_with("    ") {
            style.code(line)
        } else if line.starts_with("|---") {
            continue;
        } else {
            // `code` spans keep their text; the backticks go
            let mut text = String::new();
            for (i, part) in line.split('`').enumerate() {
                if i % 2 == 1 {
                    text.push_str(&style.code(part))
                } else {
                    text.push_str(&part.replace("**", ""))
                }
            }
            text
        };
        out.push_str(&rendered);
        out.push('\n');
    }
    out
}

/// Through `less -R` when both ends are terminals, else printed.
pub fn page(s: &mut Session, text: &str) {
    let terminal = matches!(s.output, Output::Terminal)
        && std::io::IsTerminal::is_terminal(&std::io::stdout())
        && std::io::IsTerminal::is_terminal(&std::io::stdin());
    if terminal
        && let Ok(mut child) = Command::new("less")
            .args(["-R", "-F", "-X"])
            .stdin(Stdio::piped())
            .spawn()
    {
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(text.as_bytes());
        }
        let _guard = super::signals::IgnoreInterrupts::install();
        let _ = child.wait();
        return;
    }
    s.say(text.trim_end());
}
