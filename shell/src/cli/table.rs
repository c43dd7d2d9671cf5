//! `--format` handling shared by list commands: docker's default tables,
//! `table TEMPLATE`, `json` and plain templates; tables are aligned the way
//! docker's tabwriter does (minimum cell width 10, padding 3).

use std::io::Write;

use serde_json::Value;

use super::CliError;
use crate::template::Template;

/// Aligns tab-separated cells as docker's tables do.
pub fn align(text: &str) -> String {
    align_with(text, 10)
}

/// Aligns with another minimum cell width (`docker top` uses 20). Go's
/// minimum includes the padding; the tabwriter crate's does not.
pub fn align_with(text: &str, minwidth: usize) -> String {
    const PADDING: usize = 3;
    let mut writer = tabwriter::TabWriter::new(Vec::new())
        .minwidth(minwidth.saturating_sub(PADDING))
        .padding(PADDING);
    // writing into a Vec cannot fail
    let _ = writer.write_all(text.as_bytes());
    let _ = writer.flush();
    String::from_utf8_lossy(&writer.into_inner().unwrap_or_default()).into_owned()
}

/// Renders rows with the user's `--format` (or the command's default
/// table). `headers` maps each field to its column title.
pub fn render(
    format: Option<&str>,
    default_table: &str,
    headers: &Value,
    rows: &[Value],
) -> Result<String, CliError> {
    let format = format.unwrap_or("").trim();
    let (table, body) = if format.is_empty() || format == "table" {
        (true, default_table.to_string())
    } else if format == "json" {
        (false, "{{json .}}".to_string())
    } else if let Some(rest) = format.strip_prefix("table ") {
        (true, rest.to_string())
    } else {
        (false, format.to_string())
    };
    let body = body.trim().replace("\\t", "\t").replace("\\n", "\n");
    let template = Template::parse(&body)?;
    let mut text = String::new();
    if table {
        text.push_str(&template.render(headers)?);
        text.push('\n');
    }
    for row in rows {
        let rendered = template
            .render(row)
            .map_err(|e| CliError::new(format!("failed to execute template: {e}"), 1))?;
        text.push_str(&rendered);
        text.push('\n');
    }
    Ok(if table { align(&text) } else { text })
}

/// docker's `Ellipsis`: shortens to `max` characters, ending with `…`.
pub fn ellipsis(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut shortened: String = text.chars().take(max - 1).collect();
    shortened.push('…');
    shortened
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables_align_like_docker() {
        let headers = json!({"A": "CONTAINER ID", "B": "NAMES"});
        let rows = vec![
            json!({"A": "0123456789ab", "B": "x"}),
            json!({"A": "1", "B": "longer-name"}),
        ];
        let text = render(None, "{{.A}}\t{{.B}}", &headers, &rows).unwrap();
        assert_eq!(
            text,
            "CONTAINER ID   NAMES\n0123456789ab   x\n1              longer-name\n"
        );
        let text = render(Some("table {{.B}}\\t{{.A}}"), "", &headers, &rows).unwrap();
        assert_eq!(
            text,
            "NAMES         CONTAINER ID\nx             0123456789ab\nlonger-name   1\n"
        );
    }

    #[test]
    fn plain_and_json_formats() {
        let rows = vec![json!({"A": "a1", "B": "b1"})];
        assert_eq!(
            render(Some("{{.A}}:{{.B}}"), "", &json!({}), &rows).unwrap(),
            "a1:b1\n"
        );
        assert_eq!(
            render(Some("json"), "", &json!({}), &rows).unwrap(),
            "{\"A\":\"a1\",\"B\":\"b1\"}\n"
        );
        assert_eq!(
            render(Some("{{.A}}\\t{{.B}}"), "", &json!({}), &rows).unwrap(),
            "a1\tb1\n"
        );
    }

    #[test]
    fn ellipsis_counts_characters() {
        assert_eq!(
            ellipsis("\"sh -c 'while true; do date; done'\"", 20),
            "\"sh -c 'while true;…"
        );
        assert_eq!(ellipsis("short", 20), "short");
    }
}
