//! Container, exec and log checks.

use berth_labs::format::{ContainerCheck, ExecCheck, LogCheck, Scope};
use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecResults};
use bollard::models::ContainerSummary;
use bollard::query_parameters::{ListContainersOptions, LogsOptions};
use futures::StreamExt;

use crate::{Context, GradeError, Outcome};

/// `hello-world`, `hello-world:latest` and `docker.io/library/hello-world`
/// are one image.
pub fn normal_image(name: &str) -> String {
    let name = name
        .trim_start_matches("docker.io/")
        .trim_start_matches("library/");
    let last = name.rsplit('/').next().unwrap_or(name);
    if last.contains(':') || name.contains('@') || name.starts_with("sha256:") {
        name.to_string()
    } else {
        format!("{name}:latest")
    }
}

fn name_of(c: &ContainerSummary) -> String {
    c.names
        .as_ref()
        .and_then(|n| n.first())
        .map(|n| n.trim_start_matches('/').to_string())
        .unwrap_or_else(|| c.id.clone().unwrap_or_default().chars().take(12).collect())
}

async fn list(ctx: &Context<'_>, scope: Scope) -> Result<Vec<ContainerSummary>, GradeError> {
    let all = ctx
        .docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            ..Default::default()
        }))
        .await?;
    Ok(all
        .into_iter()
        .filter(|c| {
            scope == Scope::All
                || !ctx
                    .baseline
                    .containers
                    .contains(c.id.as_ref().unwrap_or(&String::new()))
        })
        .collect())
}

fn selected(c: &ContainerSummary, check: &ContainerCheck) -> bool {
    let image_ok = check.image.as_ref().is_none_or(|i| {
        let want = normal_image(i);
        c.image.as_deref().map(normal_image).as_deref() == Some(want.as_str())
            || c.image_id.as_deref() == Some(i.as_str())
    });
    let name_ok = check
        .name
        .as_ref()
        .is_none_or(|n| name_of(c) == n.trim_start_matches('/'));
    let command_ok = check
        .command
        .as_ref()
        .is_none_or(|p| p.0.is_match(c.command.as_deref().unwrap_or("")));
    let labels = c.labels.clone().unwrap_or_default();
    let labels_ok = check.labels.iter().all(|(k, v)| labels.get(k) == Some(v));
    image_ok && name_ok && command_ok && labels_ok
}

/// What one container is, in the words of the checks.
struct Seen {
    name: String,
    state: String,
    exit_code: Option<i64>,
    restart_policy: String,
    memory: i64,
    nano_cpus: i64,
    pids_limit: Option<i64>,
}

async fn seen(ctx: &Context<'_>, c: &ContainerSummary, deep: bool) -> Result<Seen, GradeError> {
    let mut s = Seen {
        name: name_of(c),
        state: c.state.map(|s| s.to_string()).unwrap_or_default(),
        exit_code: None,
        restart_policy: String::new(),
        memory: 0,
        nano_cpus: 0,
        pids_limit: None,
    };
    if deep {
        let info = ctx
            .docker
            .inspect_container(c.id.as_deref().unwrap_or_default(), None)
            .await?;
        let state = info.state.unwrap_or_default();
        s.exit_code = state.exit_code;
        if let Some(st) = state.status {
            s.state = st.to_string();
        }
        let host = info.host_config.unwrap_or_default();
        s.restart_policy = host
            .restart_policy
            .and_then(|r| r.name)
            .map(|n| n.to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "no".into());
        s.memory = host.memory.unwrap_or(0);
        s.nano_cpus = host.nano_cpus.unwrap_or(0);
        s.pids_limit = host.pids_limit;
    }
    Ok(s)
}

fn satisfies(s: &Seen, check: &ContainerCheck) -> bool {
    check.state.is_none_or(|st| s.state == st.as_str())
        && check
            .exit_code
            .is_none_or(|code| s.state == "exited" && s.exit_code == Some(code))
        && check
            .restart_policy
            .is_none_or(|p| s.restart_policy == p.as_str())
        && check.memory.is_none_or(|m| s.memory == m.0 as i64)
        && check
            .cpus
            .is_none_or(|cpus| s.nano_cpus == (cpus * 1e9).round() as i64)
        && check.pids_limit.is_none_or(|p| s.pids_limit == Some(p))
}

fn describe_selector(check: &ContainerCheck) -> String {
    let mut parts = Vec::new();
    if let Some(i) = &check.image {
        parts.push(format!("from image {i}"));
    }
    if let Some(n) = &check.name {
        parts.push(format!("named {n}"));
    }
    if let Some(p) = &check.command {
        parts.push(format!("with a command matching /{}/", p.0.as_str()));
    }
    for (k, v) in &check.labels {
        parts.push(format!("labelled {k}={v}"));
    }
    parts.join(" ")
}

fn describe_conditions(check: &ContainerCheck) -> String {
    let mut parts = Vec::new();
    if let Some(s) = check.state {
        parts.push(format!("state {}", s.as_str()));
    }
    if let Some(c) = check.exit_code {
        parts.push(format!("exit code {c}"));
    }
    if let Some(p) = check.restart_policy {
        parts.push(format!("restart policy {}", p.as_str()));
    }
    if let Some(m) = check.memory {
        parts.push(format!("memory limit {} bytes", m.0));
    }
    if let Some(c) = check.cpus {
        parts.push(format!("{c} CPUs"));
    }
    if let Some(p) = check.pids_limit {
        parts.push(format!("pids limit {p}"));
    }
    parts.join(", ")
}

fn describe_seen(s: &Seen, check: &ContainerCheck) -> String {
    let mut parts = vec![s.state.clone()];
    if check.exit_code.is_some() && s.state == "exited" {
        parts.push(format!("exit code {}", s.exit_code.unwrap_or(-1)));
    }
    if check.restart_policy.is_some() {
        parts.push(format!("restart {}", s.restart_policy));
    }
    if check.memory.is_some() {
        parts.push(format!("memory {}", s.memory));
    }
    if check.cpus.is_some() {
        parts.push(format!("{} CPUs", s.nano_cpus as f64 / 1e9));
    }
    if check.pids_limit.is_some() {
        parts.push(format!(
            "pids {}",
            s.pids_limit
                .map(|p| p.to_string())
                .unwrap_or_else(|| "unlimited".into())
        ));
    }
    format!("{} ({})", s.name, parts.join(", "))
}

pub async fn container(ctx: &Context<'_>, check: &ContainerCheck) -> Result<Outcome, GradeError> {
    let candidates: Vec<ContainerSummary> = list(ctx, check.scope)
        .await?
        .into_iter()
        .filter(|c| selected(c, check))
        .collect();
    let deep = check.exit_code.is_some()
        || check.restart_policy.is_some()
        || check.memory.is_some()
        || check.cpus.is_some()
        || check.pids_limit.is_some();
    let mut seen_all = Vec::with_capacity(candidates.len());
    for c in &candidates {
        seen_all.push(seen(ctx, c, deep).await?);
    }
    let matching = seen_all.iter().filter(|s| satisfies(s, check)).count();
    let selector = describe_selector(check);
    let conditions = describe_conditions(check);
    let what = if selector.is_empty() {
        "container".to_string()
    } else {
        format!("container {selector}")
    };
    let with = if conditions.is_empty() {
        String::new()
    } else {
        format!(" with {conditions}")
    };
    let (passed, expected) = match check.count {
        Some(n) => (matching == n as usize, format!("exactly {n} {what}{with}")),
        None => (matching >= 1, format!("a {what}{with}")),
    };
    let actual = if seen_all.is_empty() {
        format!("no {what}")
    } else {
        let listed: Vec<String> = seen_all
            .iter()
            .take(5)
            .map(|s| describe_seen(s, check))
            .collect();
        let more = if seen_all.len() > 5 {
            format!(" and {} more", seen_all.len() - 5)
        } else {
            String::new()
        };
        format!("{} matching: {}{more}", seen_all.len(), listed.join("; "))
    };
    Ok(Outcome::new("container", passed, expected, actual))
}

/// The container an exec or log check reads: by name, else the newest
/// one from the image that the lab created.
async fn target(
    ctx: &Context<'_>,
    name: &Option<String>,
    image: &Option<String>,
) -> Result<Option<String>, GradeError> {
    if let Some(n) = name {
        return Ok(match ctx.docker.inspect_container(n, None).await {
            Ok(_) => Some(n.clone()),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => None,
            Err(e) => return Err(e.into()),
        });
    }
    let want = image.as_deref().map(normal_image);
    let mut list = list(ctx, Scope::Lab).await?;
    list.retain(|c| want.is_none() || c.image.as_deref().map(normal_image) == want);
    list.sort_by_key(|c| std::cmp::Reverse(c.created.unwrap_or(0)));
    Ok(list.first().and_then(|c| c.id.clone()))
}

fn missing(name: &Option<String>, image: &Option<String>) -> String {
    match (name, image) {
        (Some(n), _) => format!("no container named {n}"),
        (None, Some(i)) => format!("no container from {i} made in this lab"),
        _ => "no container".into(),
    }
}

fn which(name: &Option<String>, image: &Option<String>) -> String {
    match (name, image) {
        (Some(n), _) => format!("container {n}"),
        (None, Some(i)) => format!("the newest container from {i}"),
        _ => "a container".into(),
    }
}

pub async fn exec(ctx: &Context<'_>, check: &ExecCheck) -> Result<Outcome, GradeError> {
    let who = which(&check.container, &check.image);
    let mut expected = format!(
        "`{}` in {who} exits {}",
        check.run.join(" "),
        check.exit_code
    );
    if let Some(s) = &check.output_contains {
        expected.push_str(&format!(" printing {s:?}"));
    }
    if let Some(p) = &check.output_matches {
        expected.push_str(&format!(" with output matching /{}/", p.0.as_str()));
    }
    let Some(id) = target(ctx, &check.container, &check.image).await? else {
        return Ok(Outcome::new(
            "exec",
            false,
            expected,
            missing(&check.container, &check.image),
        ));
    };
    let created = match ctx
        .docker
        .create_exec(
            &id,
            CreateExecOptions {
                cmd: Some(check.run.clone()),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                ..Default::default()
            },
        )
        .await
    {
        Ok(c) => c,
        Err(bollard::errors::Error::DockerResponseServerError { message, .. }) => {
            return Ok(Outcome::new("exec", false, expected, message));
        }
        Err(e) => return Err(e.into()),
    };
    let mut output = String::new();
    if let StartExecResults::Attached {
        output: mut stream, ..
    } = ctx.docker.start_exec(&created.id, None).await?
    {
        while let Some(Ok(chunk)) = stream.next().await {
            output.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
        }
    }
    let code = ctx
        .docker
        .inspect_exec(&created.id)
        .await?
        .exit_code
        .unwrap_or(-1);
    let passed = code == check.exit_code
        && check
            .output_contains
            .as_ref()
            .is_none_or(|s| output.contains(s.as_str()))
        && check
            .output_matches
            .as_ref()
            .is_none_or(|p| p.0.is_match(&output));
    let shown: String = output.trim_end().chars().take(200).collect();
    Ok(Outcome::new(
        "exec",
        passed,
        expected,
        format!("exit {code}, output {shown:?}"),
    ))
}

pub async fn log(ctx: &Context<'_>, check: &LogCheck) -> Result<Outcome, GradeError> {
    let who = which(&check.container, &check.image);
    let expected = match (&check.contains, &check.matches) {
        (Some(s), _) => format!("the log of {who} contains {s:?}"),
        (None, Some(p)) => format!("the log of {who} matches /{}/", p.0.as_str()),
        _ => format!("the log of {who}"),
    };
    let Some(id) = target(ctx, &check.container, &check.image).await? else {
        return Ok(Outcome::new(
            "log",
            false,
            expected,
            missing(&check.container, &check.image),
        ));
    };
    let mut stream = ctx.docker.logs(
        &id,
        Some(LogsOptions {
            stdout: true,
            stderr: true,
            tail: "all".into(),
            ..Default::default()
        }),
    );
    let mut text = String::new();
    while let Some(item) = stream.next().await {
        let bytes = match item? {
            LogOutput::StdOut { message }
            | LogOutput::StdErr { message }
            | LogOutput::Console { message } => message,
            LogOutput::StdIn { .. } => continue,
        };
        text.push_str(&String::from_utf8_lossy(&bytes));
    }
    let passed = check
        .contains
        .as_ref()
        .is_none_or(|s| text.contains(s.as_str()))
        && check.matches.as_ref().is_none_or(|p| p.0.is_match(&text));
    let tail: Vec<&str> = text.lines().rev().take(3).collect();
    let actual = if text.is_empty() {
        "the log is empty".to_string()
    } else {
        format!(
            "the log ends with {:?}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )
    };
    Ok(Outcome::new("log", passed, expected, actual))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_normalise() {
        assert_eq!(normal_image("hello-world"), "hello-world:latest");
        assert_eq!(normal_image("docker.io/library/busybox"), "busybox:latest");
        assert_eq!(normal_image("docker/whalesay"), "docker/whalesay:latest");
        assert_eq!(
            normal_image("localhost:5000/app"),
            "localhost:5000/app:latest"
        );
        assert_eq!(normal_image("busybox:1.36"), "busybox:1.36");
    }
}
