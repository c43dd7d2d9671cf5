//! `berth lab lint FILE...` and `berth lab test FILE...`.
//!
//! `lab test` plays a lab on a fresh engine through the shell's own line
//! handler: for each step, with the earlier steps solved, the step's checks
//! must fail before its solution lines and pass after them; a step judged
//! by `command` checks must not change engine state; `reset lab` must leave
//! the engine as it was before `lab start`.

use std::path::{Path, PathBuf};

use berth_labs::progress::Store;
use berth_labs::{Check, Lab};
use bollard::query_parameters::{
    ListContainersOptions, ListImagesOptions, RemoveContainerOptionsBuilder,
};

use super::session::{Output, Session};
use super::style::Style;

pub fn lint(files: &[String]) -> i32 {
    if files.is_empty() {
        eprintln!("Usage: berth lab lint FILE...");
        return 2;
    }
    let mut failed = false;
    for f in files {
        match berth_labs::load(Path::new(f)) {
            Ok(lab) => println!("{f}: ok: lab {} with {} steps", lab.id, lab.steps.len()),
            Err(e) => {
                failed = true;
                eprintln!("{e}");
            }
        }
    }
    i32::from(failed)
}

/// Container IDs with their states, and image references.
async fn state(docker: &bollard::Docker) -> Result<(Vec<String>, Vec<String>), String> {
    let mut containers: Vec<String> = docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            ..Default::default()
        }))
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|c| {
            format!(
                "{} {}",
                c.id.unwrap_or_default(),
                c.state.map(|s| s.to_string()).unwrap_or_default()
            )
        })
        .collect();
    containers.sort();
    let mut images: Vec<String> = docker
        .list_images(Some(ListImagesOptions::default()))
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .flat_map(|i| {
            if i.repo_tags.is_empty() {
                vec![i.id]
            } else {
                i.repo_tags
            }
        })
        .collect();
    images.sort();
    Ok((containers, images))
}

/// A private engine for one `lab test`, unless BERTH_ENGINE_DIR names one.
struct PrivateEngine {
    dir: PathBuf,
    cgroup_parent: String,
}

impl PrivateEngine {
    fn create() -> Result<Option<Self>, String> {
        if std::env::var_os("BERTH_ENGINE_DIR").is_some_and(|d| !d.is_empty()) {
            return Ok(None);
        }
        let dir = std::env::temp_dir().join(format!("berth-labtest-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let cgroup_parent = format!("berth-labtest-{}", std::process::id());
        // SAFETY: set before any other thread exists (the runtime is
        // created after this, in open_session).
        unsafe {
            std::env::set_var("BERTH_ENGINE_DIR", &dir);
            std::env::set_var("BERTH_CGROUP_PARENT", &cgroup_parent);
            std::env::set_var("BERTH_ENGINE_PRIVATE_NET", "1");
            std::env::remove_var("DOCKER_HOST");
            std::env::remove_var("BERTH_HOST");
        }
        Ok(Some(PrivateEngine { dir, cgroup_parent }))
    }

    /// After the containers are gone: berthd, mounts, cgroups, the directory.
    fn destroy(&self) {
        if let Some(pid) = std::fs::read_to_string(self.dir.join("berthd.pid"))
            .ok()
            .and_then(|p| p.trim().parse::<i32>().ok())
        {
            // SAFETY: a pid we started (its pid file is in our directory).
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
            for _ in 0..100 {
                if !Path::new(&format!("/proc/{pid}")).exists() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        }
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let mut under: Vec<&str> = mounts
            .lines()
            .filter_map(|l| l.split_whitespace().nth(4))
            .filter(|m| Path::new(m).starts_with(&self.dir))
            .collect();
        under.sort_by_key(|m| std::cmp::Reverse(m.len()));
        for m in under {
            if let Ok(c) = std::ffi::CString::new(m) {
                // SAFETY: a valid C string; detaching our own mount.
                unsafe {
                    libc::umount2(c.as_ptr(), libc::MNT_DETACH);
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Ok(entries) = std::fs::read_dir("/sys/fs/cgroup") {
            for e in entries.flatten() {
                let _ = std::fs::remove_dir(e.path().join(&self.cgroup_parent));
            }
        }
    }
}

pub fn test(files: &[String]) -> i32 {
    if files.is_empty() {
        eprintln!("Usage: berth lab test FILE...");
        return 2;
    }
    let mut labs = Vec::new();
    for f in files {
        match berth_labs::load(Path::new(f)) {
            Ok(lab) => labs.push(lab),
            Err(e) => {
                eprintln!("{e}");
                return 1;
            }
        }
    }
    let private = match PrivateEngine::create() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("berth lab test: {e}");
            return 1;
        }
    };
    let state_dir =
        std::env::temp_dir().join(format!("berth-labtest-state-{}", std::process::id()));
    let result = (|| -> Result<(), String> {
        let store = Store::open(&state_dir).map_err(|e| e.to_string())?;
        let style = Style {
            colour: false,
            plain: true,
        };
        let mut session =
            super::open_session(store, labs.clone(), style, Output::Captured(Vec::new()))?;
        session.confirm = Box::new(|_| true);
        let mut failures = 0;
        for lab in &labs {
            if let Err(e) = play(&mut session, lab) {
                failures += 1;
                eprintln!("lab {}: FAILED: {e}", lab.id);
                if let Output::Captured(lines) = &session.output {
                    eprintln!("--- what the shell showed (last 40 lines)");
                    for l in lines.iter().rev().take(40).rev() {
                        eprintln!("  {l}");
                    }
                }
            }
        }
        // leave the engine empty for the next run or the teardown
        let docker = session.engine.docker.clone();
        let _ = session.rt.block_on(async {
            let all = docker
                .list_containers(Some(ListContainersOptions {
                    all: true,
                    ..Default::default()
                }))
                .await?;
            for c in all {
                let options = RemoveContainerOptionsBuilder::new().force(true).build();
                docker
                    .remove_container(c.id.as_deref().unwrap_or_default(), Some(options))
                    .await?;
            }
            Ok::<_, bollard::errors::Error>(())
        });
        if failures > 0 {
            Err(format!("{failures} lab(s) failed"))
        } else {
            Ok(())
        }
    })();
    let _ = std::fs::remove_dir_all(&state_dir);
    if let Some(p) = private {
        p.destroy();
    }
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("berth lab test: {e}");
            1
        }
    }
}

fn outcome_text(outcomes: &[berth_grader::Outcome]) -> String {
    outcomes
        .iter()
        .map(|o| {
            format!(
                "    {} {}: expected {}; found {}",
                if o.passed { "pass" } else { "FAIL" },
                o.kind,
                o.expected,
                o.actual
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn play(s: &mut Session, lab: &Lab) -> Result<(), String> {
    let before = s.rt.block_on(state(&s.engine.docker))?;
    s.handle_line(&format!("lab start {}", lab.id));
    for (i, step) in lab.steps.iter().enumerate() {
        let at = format!("step {} ({})", i + 1, step.id);
        let current = s.current().map(|(_, p)| p.current);
        if current != Some(i) {
            return Err(format!(
                "{at}: the shell is at step {:?}, expected {}",
                current.map(|c| c + 1),
                i + 1
            ));
        }
        let early = s
            .judge_current(false)
            .ok_or(format!("{at}: nothing to judge"))??;
        if early.iter().all(|o| o.passed) {
            return Err(format!(
                "{at}: its checks pass before its solution:\n{}",
                outcome_text(&early)
            ));
        }
        let state_before = s.rt.block_on(state(&s.engine.docker))?;
        for line in &step.solution {
            s.handle_line(line);
        }
        let passed = s
            .current()
            .and_then(|(_, p)| p.steps.get(&step.id).map(|x| x.passed()))
            .unwrap_or(false);
        if !passed {
            let (_, p) = s.current().ok_or("the lab is gone")?;
            // judge it once more, at its own start, to show why
            let ctx_outcomes = if p.current == i {
                s.judge_current(true)
                    .and_then(|r| r.ok())
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            return Err(format!(
                "{at}: its checks fail after its solution:\n{}",
                outcome_text(&ctx_outcomes)
            ));
        }
        if step.checks.iter().all(|c| matches!(c, Check::Command(_))) {
            let state_after = s.rt.block_on(state(&s.engine.docker))?;
            if state_after != state_before {
                return Err(format!(
                    "{at}: judged by command checks, but its solution changes engine state"
                ));
            }
        }
        println!(
            "lab {} {at}: fails before its solution, passes after",
            lab.id
        );
    }
    s.handle_line("reset lab");
    let after = s.rt.block_on(state(&s.engine.docker))?;
    same_objects(&before, &after, "reset lab after the last step")?;
    // Again, from a start where a container already exists: replay the
    // first half of the lab, then `reset lab` must remove what the lab
    // made and keep that container.
    let survivor = s.rt.block_on(create_survivor(&s.engine.docker, lab))?;
    s.progress.labs.remove(&lab.id);
    let before = s.rt.block_on(state(&s.engine.docker))?;
    s.handle_line(&format!("lab start {}", lab.id));
    let half = lab.steps.len().div_ceil(2);
    for step in &lab.steps[..half] {
        for line in &step.solution {
            s.handle_line(line);
        }
    }
    let midway = s.rt.block_on(state(&s.engine.docker))?;
    s.handle_line("reset lab");
    let after = s.rt.block_on(state(&s.engine.docker))?;
    same_objects(&before, &after, &format!("reset lab after {half} steps"))?;
    if !after.0.iter().any(|c| c.starts_with(&survivor)) {
        return Err("reset lab removed a container that existed before lab start".into());
    }
    let made = midway.0.len().saturating_sub(before.0.len());
    s.rt.block_on(async {
        let options = RemoveContainerOptionsBuilder::new().force(true).build();
        s.engine
            .docker
            .remove_container(&survivor, Some(options))
            .await
    })
    .map_err(|e| e.to_string())?;
    println!(
        "lab {}: {} steps pass; reset restores the engine ({made} containers made in {half} steps removed, an older one kept)",
        lab.id,
        lab.steps.len()
    );
    Ok(())
}

/// The same containers and image references (states may differ).
fn same_objects(
    before: &(Vec<String>, Vec<String>),
    after: &(Vec<String>, Vec<String>),
    when: &str,
) -> Result<(), String> {
    let ids = |v: &Vec<String>| {
        v.iter()
            .map(|c| c.split(' ').next().unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };
    if ids(&before.0) != ids(&after.0) || before.1 != after.1 {
        return Err(format!(
            "{when} did not restore the engine:\n  before: {before:?}\n  after:  {after:?}"
        ));
    }
    Ok(())
}

/// A container made before `lab start`, from the lab's first image.
async fn create_survivor(docker: &bollard::Docker, lab: &Lab) -> Result<String, String> {
    let image = lab
        .images
        .first()
        .cloned()
        .unwrap_or_else(|| "busybox".into());
    let body = bollard::models::ContainerCreateBody {
        image: Some(image),
        ..Default::default()
    };
    let options = bollard::query_parameters::CreateContainerOptionsBuilder::new()
        .name("berth-labtest-older")
        .build();
    docker
        .create_container(Some(options), body)
        .await
        .map(|r| r.id)
        .map_err(|e| format!("cannot create the pre-existing container: {e}"))
}
