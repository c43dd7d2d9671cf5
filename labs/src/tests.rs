use std::path::Path;

use super::*;

const GOOD: &str = r#"
format_version = 1
id = "demo"
title = "Demo"
lesson = "demo.md"
images = ["busybox"]

[[steps]]
id = "first"
title = "Run it"
text = "Run busybox."
hints = ["docker run IMAGE", "docker run busybox"]
solution = ["docker run busybox true"]

  [[steps.checks]]
  kind = "container"
  image = "busybox"
  state = "exited"
  exit_code = 0
  within = "2s"

[[steps]]
id = "look"
title = "Look"
text = "List containers."
hints = ["docker ps -a"]
solution = ["docker ps -a"]

  [[steps.checks]]
  kind = "command"
  pattern = '^docker (ps|container ls) .*-a'
"#;

fn error_of(text: &str) -> String {
    parse(text, Path::new("demo.toml")).unwrap_err().to_string()
}

#[test]
fn a_good_lab_loads() {
    let lab = parse(GOOD, Path::new("demo.toml")).unwrap();
    assert_eq!(lab.steps.len(), 2);
    assert_eq!(lab.steps[0].points, 1);
    let Check::Container(c) = &lab.steps[0].checks[0] else {
        panic!()
    };
    assert_eq!(c.state, Some(format::ContainerState::Exited));
    assert_eq!(
        lab.steps[0].checks[0].timing().within,
        Some(std::time::Duration::from_secs(2))
    );
}

#[test]
fn unknown_keys_name_file_line_and_column() {
    let text = GOOD.replace("exit_code = 0", "exit_code = 0\n  colour = \"red\"");
    let e = error_of(&text);
    assert!(e.starts_with("demo.toml: "), "{e}");
    assert!(e.contains("unknown field `colour`"), "{e}");
    assert!(e.contains("line 20, column 3"), "{e}");
}

#[test]
fn bad_values_are_errors_with_positions() {
    let e = error_of(&GOOD.replace("state = \"exited\"", "state = \"finished\""));
    assert!(
        e.contains("unknown variant `finished`") && e.contains("line 18, column 12"),
        "{e}"
    );
    let e = error_of(&GOOD.replace("within = \"2s\"", "within = \"soon\""));
    assert!(e.contains("invalid duration \"soon\""), "{e}");
    let e = error_of(&GOOD.replace("kind = \"command\"", "kind = \"telepathy\""));
    assert!(e.contains("unknown variant `telepathy`"), "{e}");
    let e = error_of(&GOOD.replace("'^docker (ps|container ls) .*-a'", "'^docker ('"));
    assert!(e.contains("invalid regular expression"), "{e}");
    let e = error_of(&GOOD.replace("exit_code = 0", "exit_code = \"zero\""));
    assert!(e.contains("line 19"), "{e}");
}

#[test]
fn rules_across_fields() {
    let e = error_of(&GOOD.replace("hints = [\"docker ps -a\"]", "hints = []"));
    assert!(
        e.contains("step 2 (\"look\"): hints must be a non-empty list"),
        "{e}"
    );
    let e = error_of(&GOOD.replace("id = \"look\"", "id = \"first\""));
    assert!(e.contains("the id is used by an earlier step"), "{e}");
    let e = error_of(&GOOD.replace("format_version = 1", "format_version = 2"));
    assert!(e.contains("format_version is 2"), "{e}");
    let with_http = GOOD.replace(
        "kind = \"command\"\n  pattern = '^docker (ps|container ls) .*-a'",
        "kind = \"http\"\n  url = \"http://10.0.0.1:80/\"",
    );
    let e = error_of(&with_http);
    assert!(e.contains("must be http:// on 127.0.0.1"), "{e}");
    let mixed = GOOD.replace(
        "  within = \"2s\"",
        "  within = \"2s\"\n\n  [[steps.checks]]\n  kind = \"command\"\n  pattern = 'x'",
    );
    let e = error_of(&mixed);
    assert!(
        e.contains("command checks are for steps that change no state"),
        "{e}"
    );
}

#[test]
fn the_catalog_lints_clean() {
    let labs = catalog().unwrap();
    assert!(
        labs.iter().any(|(_, l)| l.id == "run"),
        "the run lab is in the catalog"
    );
    for (_, lab) in &labs {
        assert!(
            lesson_text(lab).is_some(),
            "lesson {} of {} exists",
            lab.lesson,
            lab.id
        );
    }
}

#[test]
fn progress_survives_a_reload_and_a_torn_journal_line() {
    let dir = tempfile::tempdir().unwrap();
    let store = progress::Store::open(dir.path()).unwrap();
    assert_eq!(store.load().unwrap(), progress::Progress::default());
    let mut p = progress::Progress {
        current_lab: Some("run".into()),
        ..Default::default()
    };
    p.labs.entry("run".into()).or_default().current = 3;
    store.save(&p).unwrap();
    assert_eq!(
        progress::Store::open(dir.path()).unwrap().load().unwrap(),
        p
    );
    let entry = progress::JournalEntry {
        time: chrono::Utc::now(),
        lab: Some("run".into()),
        step: Some("hello".into()),
        line: "docker ps".into(),
        exit_code: 0,
        duration_ms: 12,
    };
    store.append_journal(&entry).unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .open(store.journal_path())
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"time\": \"20"))
        .unwrap();
    assert_eq!(store.journal(), vec![entry]);
    std::fs::write(dir.path().join("progress.json"), b"{not json").unwrap();
    let e = store.load().unwrap_err().to_string();
    assert!(e.contains("not a progress file berth can read"), "{e}");
    assert_eq!(
        std::fs::read(dir.path().join("progress.json")).unwrap(),
        b"{not json"
    );
}

/// Damaged lab files (characters dropped or swapped) never panic: they
/// load or give an error.
#[test]
fn damaged_labs_never_panic() {
    let original: Vec<char> = GOOD.chars().collect();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..3_000 {
        let mut chars = original.clone();
        for _ in 0..3 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let i = (seed % chars.len() as u64) as usize;
            match seed % 3 {
                0 => {
                    chars.remove(i);
                }
                1 => chars[i] = '"',
                _ => chars.insert(i, '='),
            }
        }
        let text: String = chars.into_iter().collect();
        let _ = parse(&text, Path::new("damaged.toml"));
    }
}
