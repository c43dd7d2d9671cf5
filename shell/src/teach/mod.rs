//! The teaching shell (`berth` with no arguments), `berth lab lint|test`
//! and `berth grade`.

mod commands;
mod complete;
mod engine_state;
pub mod grade;
pub mod labtest;
mod lesson;
mod session;
mod signals;
mod style;

use std::path::{Path, PathBuf};

use berth_labs::Lab;
use berth_labs::progress::Store;
use rustyline::error::ReadlineError;

pub use session::{Flow, Output, Session};
pub use style::Style;

use crate::engine::{Engine, EngineError};

/// berth's own `docker` for the lines the shell runs: a link to this
/// binary in the state directory, first on those lines' PATH only.
fn docker_link(state_dir: &Path) -> Result<PathBuf, String> {
    let bin = state_dir.join("bin");
    std::fs::create_dir_all(&bin).map_err(|e| format!("{}: {e}", bin.display()))?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find berth's own path: {e}"))?;
    let link = bin.join("docker");
    if std::fs::read_link(&link).ok().as_deref() != Some(exe.as_path()) {
        let tmp = bin.join(format!(".docker.{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        std::os::unix::fs::symlink(&exe, &tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &link).map_err(|e| format!("{}: {e}", link.display()))?;
    }
    Ok(bin)
}

/// Connects to the engine (starting berth's own when it may) and loads
/// progress and labs.
pub fn open_session(
    store: Store,
    labs: Vec<Lab>,
    style: Style,
    output: Output,
) -> Result<Session, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let engine = rt
        .block_on(async {
            let (endpoint, source) = crate::engine::resolve(None)?;
            Engine::connect(endpoint, source).await
        })
        .map_err(|e: EngineError| e.to_string())?;
    let progress = store.load().map_err(|e| e.to_string())?;
    let journal = store.journal();
    let bin_dir = docker_link(store.dir())?;
    Ok(Session {
        rt,
        engine,
        store,
        progress,
        labs,
        style,
        output,
        journal,
        bin_dir,
        confirm: Box::new(ask),
        timings: false,
    })
}

/// y/N on the terminal.
fn ask(question: &str) -> bool {
    use std::io::Write;
    print!("{question}");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    if std::io::stdin().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim(), "y" | "Y" | "yes" | "Yes")
}

pub struct ShellOptions {
    pub plain: bool,
    pub timings: bool,
}

pub fn run_shell(options: ShellOptions) -> i32 {
    let style = Style::detect(options.plain);
    let store = match Store::open_default() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("berth: {e}");
            return 1;
        }
    };
    let labs = match berth_labs::catalog() {
        Ok(l) => l.into_iter().map(|(_, lab)| lab).collect(),
        Err(e) => {
            eprintln!("berth: {e}");
            return 1;
        }
    };
    let mut session = match open_session(store, labs, style, Output::Terminal) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("berth: {e}");
            return 1;
        }
    };
    session.timings = options.timings;
    let history = session.store.dir().join("history");
    let config = rustyline::Config::builder()
        .history_ignore_space(true)
        .auto_add_history(false)
        .completion_type(rustyline::CompletionType::List)
        .build();
    let mut editor: rustyline::Editor<complete::Helper, rustyline::history::FileHistory> =
        match rustyline::Editor::with_config(config) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("berth: cannot open the line editor: {e}");
                return 1;
            }
        };
    editor.set_helper(Some(complete::Helper {
        engine: session.engine.clone(),
        lab_ids: session.labs.iter().map(|l| l.id.clone()).collect(),
    }));
    let _ = editor.load_history(&history);
    let welcome = style.bold("berth: learn Docker on a real engine.");
    session.say(&welcome);
    session.say("Type `labs` to see the labs, `help` for berth's commands; docker commands work as they are.");
    if session.progress.current_lab.is_some() {
        session.show_step();
    }
    loop {
        let prompt = style.prompt(&session.prompt());
        match editor.readline(&prompt) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = editor.add_history_entry(line.as_str());
                    let _ = editor.save_history(&history);
                }
                if let Flow::Exit = session.handle_line(&line) {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("berth: {e}");
                return 1;
            }
        }
    }
    let _ = editor.save_history(&history);
    0
}
