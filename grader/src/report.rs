//! `berth grade`: a lab's steps with pass/fail, points, attempts, hints and
//! solutions used, and time on task, as a table, JSON, JUnit XML or CSV.

use berth_labs::Lab;
use berth_labs::progress::LabProgress;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StepReport {
    pub step: String,
    pub title: String,
    pub passed: bool,
    pub points: u32,
    pub max_points: u32,
    pub attempts: u32,
    pub hints: u32,
    pub solution_shown: bool,
    pub seconds: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LabReport {
    pub lab: String,
    pub title: String,
    pub points: u32,
    pub max_points: u32,
    pub steps: Vec<StepReport>,
}

pub fn build(lab: &Lab, progress: Option<&LabProgress>, now: DateTime<Utc>) -> LabReport {
    let steps: Vec<StepReport> = lab
        .steps
        .iter()
        .map(|s| {
            let p = progress
                .and_then(|p| p.steps.get(&s.id))
                .cloned()
                .unwrap_or_default();
            StepReport {
                step: s.id.clone(),
                title: s.title.clone(),
                passed: p.passed(),
                points: if p.passed() { s.points } else { 0 },
                max_points: s.points,
                attempts: p.attempts,
                hints: p.hints_shown,
                solution_shown: p.solution_shown,
                seconds: p.seconds(now),
            }
        })
        .collect();
    LabReport {
        lab: lab.id.clone(),
        title: lab.title.clone(),
        points: steps.iter().map(|s| s.points).sum(),
        max_points: steps.iter().map(|s| s.max_points).sum(),
        steps,
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Format {
    Table,
    Json,
    Junit,
    Csv,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "junit" => Ok(Format::Junit),
            "csv" => Ok(Format::Csv),
            other => Err(format!(
                "unknown format {other:?}: use table, json, junit or csv"
            )),
        }
    }
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub fn render(reports: &[LabReport], format: Format, plain: bool) -> String {
    match format {
        Format::Json => serde_json::to_string_pretty(reports).unwrap_or_default() + "\n",
        Format::Csv => {
            let mut out = String::from(
                "lab,step,title,passed,points,max_points,attempts,hints,solution_shown,seconds\n",
            );
            for r in reports {
                for s in &r.steps {
                    out.push_str(&format!(
                        "{},{},{},{},{},{},{},{},{},{}\n",
                        csv_field(&r.lab),
                        csv_field(&s.step),
                        csv_field(&s.title),
                        s.passed,
                        s.points,
                        s.max_points,
                        s.attempts,
                        s.hints,
                        s.solution_shown,
                        s.seconds
                    ));
                }
            }
            out
        }
        Format::Junit => {
            let mut out =
                String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
            for r in reports {
                let failures = r.steps.iter().filter(|s| !s.passed).count();
                let time: i64 = r.steps.iter().map(|s| s.seconds).sum();
                out.push_str(&format!(
                    "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" time=\"{time}\">\n",
                    xml(&r.lab),
                    r.steps.len()
                ));
                for s in &r.steps {
                    out.push_str(&format!(
                        "    <testcase classname=\"{}\" name=\"{}\" time=\"{}\">\n",
                        xml(&r.lab),
                        xml(&s.step),
                        s.seconds
                    ));
                    if !s.passed {
                        out.push_str(&format!(
                            "      <failure message=\"step not passed: {}\"/>\n",
                            xml(&s.title)
                        ));
                    }
                    out.push_str(&format!(
                        "      <system-out>points {}/{}, attempts {}, hints {}, solution shown {}</system-out>\n",
                        s.points, s.max_points, s.attempts, s.hints, s.solution_shown
                    ));
                    out.push_str("    </testcase>\n");
                }
                out.push_str("  </testsuite>\n");
            }
            out.push_str("</testsuites>\n");
            out
        }
        Format::Table => {
            let mut out = String::new();
            for r in reports {
                out.push_str(&format!(
                    "{} ({}): {}/{} points\n",
                    r.title, r.lab, r.points, r.max_points
                ));
                let header = [
                    "STEP", "RESULT", "POINTS", "ATTEMPTS", "HINTS", "SOLUTION", "TIME",
                ];
                let mut rows: Vec<Vec<String>> =
                    vec![header.iter().map(|h| h.to_string()).collect()];
                for s in &r.steps {
                    let result = match (s.passed, plain) {
                        (true, true) => "passed",
                        (false, true) => "not passed",
                        (true, false) => "✔ passed",
                        (false, false) => "✘ not passed",
                    };
                    rows.push(vec![
                        s.step.clone(),
                        result.to_string(),
                        format!("{}/{}", s.points, s.max_points),
                        s.attempts.to_string(),
                        s.hints.to_string(),
                        if s.solution_shown { "shown" } else { "-" }.to_string(),
                        format!("{}m{:02}s", s.seconds / 60, s.seconds % 60),
                    ]);
                }
                let widths: Vec<usize> = (0..header.len())
                    .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
                    .collect();
                for row in rows {
                    let cells: Vec<String> = row
                        .iter()
                        .zip(&widths)
                        .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
                        .collect();
                    out.push_str(cells.join("   ").trim_end());
                    out.push('\n');
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<LabReport> {
        vec![LabReport {
            lab: "run".into(),
            title: "Run a container".into(),
            points: 1,
            max_points: 2,
            steps: vec![
                StepReport {
                    step: "hello".into(),
                    title: "Run hello-world".into(),
                    passed: true,
                    points: 1,
                    max_points: 1,
                    attempts: 2,
                    hints: 1,
                    solution_shown: false,
                    seconds: 75,
                },
                StepReport {
                    step: "ps".into(),
                    title: "List \"all\" containers, <a>".into(),
                    passed: false,
                    points: 0,
                    max_points: 1,
                    attempts: 0,
                    hints: 0,
                    solution_shown: true,
                    seconds: 3,
                },
            ],
        }]
    }

    #[test]
    fn every_format() {
        insta::assert_snapshot!("table", render(&sample(), Format::Table, false));
        insta::assert_snapshot!("table_plain", render(&sample(), Format::Table, true));
        insta::assert_snapshot!("junit", render(&sample(), Format::Junit, false));
        insta::assert_snapshot!("csv", render(&sample(), Format::Csv, false));
        let json: serde_json::Value =
            serde_json::from_str(&render(&sample(), Format::Json, false)).unwrap();
        assert_eq!(json[0]["steps"][1]["solution_shown"], true);
        assert!("yaml".parse::<Format>().is_err());
    }
}
