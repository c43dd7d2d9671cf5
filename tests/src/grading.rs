//! The grader as the grader tests drive it: a check written as lab TOML,
//! judged against an engine socket (berthd's or dockerd's).

use std::path::Path;

use berth_grader::{Context, Outcome};
use berth_labs::Check;
use berth_labs::progress::{Baseline, JournalEntry};

/// One check written as the TOML a lab author writes.
pub fn check(toml_text: &str) -> Check {
    #[derive(serde::Deserialize)]
    struct Wrapper {
        check: Check,
    }
    let w: Wrapper = toml::from_str(&format!("[check]\n{toml_text}")).expect("check parses");
    w.check
}

pub struct Grader {
    rt: tokio::runtime::Runtime,
    docker: bollard::Docker,
}

impl Grader {
    pub fn connect(socket: &Path) -> Self {
        let docker = bollard::Docker::connect_with_unix(
            &socket.to_string_lossy(),
            30,
            bollard::API_DEFAULT_VERSION,
        )
        .expect("bollard client");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let docker = rt
            .block_on(docker.negotiate_version())
            .expect("version negotiation");
        Grader { rt, docker }
    }

    /// Judges one check (with its timing) over every container, with
    /// `journal` as the command journal.
    pub fn judge_with(&self, c: &str, journal: &[JournalEntry]) -> Outcome {
        let baseline = Baseline::default();
        let ctx = Context {
            docker: &self.docker,
            baseline: &baseline,
            since: None,
            journal,
        };
        self.rt
            .block_on(berth_grader::judge(&ctx, &check(c)))
            .expect("judgement")
    }

    pub fn judge(&self, c: &str) -> Outcome {
        self.judge_with(c, &[])
    }
}
