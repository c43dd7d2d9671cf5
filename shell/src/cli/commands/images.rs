//! Image commands: images, rmi, tag, history, pull.

use std::collections::HashMap;
use std::io::IsTerminal;

use bollard::models::CreateImageInfo;
use bollard::query_parameters::{
    CreateImageOptions, CreateImageOptionsBuilder, ListImagesOptions, RemoveImageOptionsBuilder,
    TagImageOptionsBuilder,
};
use futures::StreamExt;
use serde_json::{Map, Value, json};

use super::ps::{ago, filters, go_time, short_id};
use crate::cli::table::{ellipsis, render};
use crate::cli::{Args, CliError, CmdResult, out};
use crate::engine::Engine;
use berth_units::human_size;

/// Splits `name[:tag]` (a registry port is not a tag).
fn split_reference(reference: &str) -> (String, Option<String>) {
    let last_slash = reference.rfind('/').map(|i| i + 1).unwrap_or(0);
    match reference[last_slash..].rfind(':') {
        Some(i) => (
            reference[..last_slash + i].to_string(),
            Some(reference[last_slash + i + 1..].to_string()),
        ),
        None => (reference.to_string(), None),
    }
}

pub async fn images(engine: &Engine, args: &Args) -> CmdResult {
    let mut filters = filters(args)?.unwrap_or_default();
    if let Some(reference) = args.positional.first() {
        filters
            .entry("reference".into())
            .or_insert_with(Vec::new)
            .push(reference.clone());
    }
    let options = ListImagesOptions {
        all: args.flag("all"),
        filters: (!filters.is_empty()).then_some(filters),
        digests: args.flag("digests"),
        ..Default::default()
    };
    let list = engine.docker.list_images(Some(options)).await?;
    let trunc = !args.flag("no-trunc");
    let mut rows = Vec::new();
    for image in &list {
        let id = if trunc {
            short_id(&image.id)
        } else {
            image.id.clone()
        };
        let mut tags: Vec<(String, String)> = image
            .repo_tags
            .iter()
            .filter(|t| t.as_str() != "<none>:<none>")
            .map(|t| {
                let (repo, tag) = split_reference(t);
                (repo, tag.unwrap_or_else(|| "<none>".into()))
            })
            .collect();
        if tags.is_empty() {
            tags.push(("<none>".into(), "<none>".into()));
        }
        let digest = image
            .repo_digests
            .first()
            .and_then(|d| d.split_once('@').map(|(_, d)| d.to_string()))
            .unwrap_or_else(|| "<none>".into());
        for (repository, tag) in tags {
            let mut m = Map::new();
            m.insert("Containers".into(), "N/A".into());
            m.insert("CreatedAt".into(), go_time(image.created).into());
            m.insert("CreatedSince".into(), ago(image.created).into());
            m.insert("Digest".into(), digest.clone().into());
            m.insert("ID".into(), id.clone().into());
            m.insert("Repository".into(), repository.into());
            m.insert("SharedSize".into(), "N/A".into());
            m.insert("Size".into(), human_size(image.size as f64).into());
            m.insert("Tag".into(), tag.into());
            m.insert("UniqueSize".into(), "N/A".into());
            m.insert("VirtualSize".into(), human_size(image.size as f64).into());
            rows.push(Value::Object(m));
        }
    }
    if args.flag("quiet") {
        let mut seen = std::collections::HashSet::new();
        let mut text = String::new();
        for r in &rows {
            let id = r["ID"].as_str().unwrap_or_default().to_string();
            if seen.insert(id.clone()) {
                text.push_str(&format!("{id}\n"));
            }
        }
        out(&text);
        return Ok(0);
    }
    let headers = json!({
        "Containers": "CONTAINERS", "CreatedAt": "CREATED AT", "CreatedSince": "CREATED", "Digest": "DIGEST",
        "ID": "IMAGE ID", "Repository": "REPOSITORY", "SharedSize": "SHARED SIZE", "Size": "SIZE", "Tag": "TAG",
        "UniqueSize": "UNIQUE SIZE", "VirtualSize": "VIRTUAL SIZE"
    });
    let table = if args.flag("digests") {
        "{{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
    } else {
        "{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
    };
    out(&render(
        args.value("format").as_deref(),
        table,
        &headers,
        &rows,
    )?);
    Ok(0)
}

pub async fn rmi(engine: &Engine, args: &Args) -> CmdResult {
    let options = RemoveImageOptionsBuilder::new()
        .force(args.flag("force"))
        .noprune(args.flag("no-prune"))
        .build();
    let mut errors = Vec::new();
    for name in &args.positional {
        match engine
            .docker
            .remove_image(name, Some(options.clone()), None)
            .await
        {
            Ok(items) => {
                let mut text = String::new();
                for item in items {
                    if let Some(u) = item.untagged {
                        text.push_str(&format!("Untagged: {u}\n"));
                    }
                    if let Some(d) = item.deleted {
                        text.push_str(&format!("Deleted: {d}\n"));
                    }
                }
                out(&text);
            }
            Err(e) => errors.push(CliError::from(e).message),
        }
    }
    if errors.is_empty() {
        Ok(0)
    } else {
        Err(CliError::new(errors.join("\n"), 1))
    }
}

pub async fn tag(engine: &Engine, args: &Args) -> CmdResult {
    let (repo, tag) = split_reference(&args.positional[1]);
    let mut options = TagImageOptionsBuilder::new().repo(&repo);
    if let Some(t) = &tag {
        options = options.tag(t);
    }
    engine
        .docker
        .tag_image(&args.positional[0], Some(options.build()))
        .await?;
    Ok(0)
}

pub async fn history(engine: &Engine, args: &Args) -> CmdResult {
    let name = &args.positional[0];
    let items = engine.docker.image_history(name).await?;
    let trunc = !args.flag("no-trunc");
    let human = args.value("human").is_none_or(|h| h != "false");
    let rows: Vec<Value> = items
        .iter()
        .map(|h| {
            let id = if h.id.starts_with("sha256:") {
                if trunc { short_id(&h.id) } else { h.id.clone() }
            } else {
                "<missing>".to_string()
            };
            let created_by = h.created_by.replace('\t', " ");
            let created_by = if trunc {
                ellipsis(&created_by, 45)
            } else {
                created_by
            };
            let mut m = Map::new();
            m.insert("Comment".into(), h.comment.clone().into());
            m.insert("CreatedAt".into(), go_time(h.created).into());
            m.insert("CreatedBy".into(), created_by.into());
            m.insert(
                "CreatedSince".into(),
                if human {
                    ago(h.created)
                } else {
                    go_time(h.created)
                }
                .into(),
            );
            m.insert("ID".into(), id.into());
            m.insert(
                "Size".into(),
                if human {
                    human_size(h.size as f64)
                } else {
                    h.size.to_string()
                }
                .into(),
            );
            Value::Object(m)
        })
        .collect();
    let format = if args.flag("quiet") {
        Some("{{.ID}}".to_string())
    } else {
        args.value("format")
    };
    let headers = json!({
        "Comment": "COMMENT", "CreatedAt": "CREATED AT", "CreatedBy": "CREATED BY",
        "CreatedSince": "CREATED", "ID": "IMAGE", "Size": "SIZE"
    });
    out(&render(
        format.as_deref(),
        "{{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
        &headers,
        &rows,
    )?);
    Ok(0)
}

pub async fn pull(engine: &Engine, args: &Args) -> CmdResult {
    let reference = &args.positional[0];
    let (name, tag) = split_reference(reference);
    let quiet = args.flag("quiet");
    let tag = match tag {
        Some(t) => t,
        None if reference.contains('@') => String::new(),
        None => {
            if !quiet {
                out("Using default tag: latest\n");
            }
            "latest".into()
        }
    };
    let mut options = CreateImageOptionsBuilder::new().from_image(&name);
    if !tag.is_empty() {
        options = options.tag(&tag);
    }
    if let Some(p) = args.value("platform") {
        options = options.platform(&p);
    }
    pull_with_progress(engine, options.build(), quiet, false).await?;
    // with and without -q, the last line names what was pulled
    out(&format!("{}\n", canonical(&name, &tag)));
    Ok(0)
}

/// `busybox` → `docker.io/library/busybox:latest`
fn canonical(name: &str, tag: &str) -> String {
    let first = name.split('/').next().unwrap_or(name);
    let has_registry =
        name.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let full = if has_registry {
        name.to_string()
    } else if name.contains('/') {
        format!("docker.io/{name}")
    } else {
        format!("docker.io/library/{name}")
    };
    if tag.is_empty() {
        full
    } else {
        format!("{full}:{tag}")
    }
}

/// Streams the pull, drawing one bar per layer on a terminal (indicatif)
/// or docker's plain `id: status` lines otherwise. Progress goes to stdout
/// for `docker pull` and to stderr when `run` pulls.
pub async fn pull_with_progress(
    engine: &Engine,
    options: CreateImageOptions,
    quiet: bool,
    to_stderr: bool,
) -> Result<(), CliError> {
    let mut stream = engine.docker.create_image(Some(options), None, None);
    let terminal = if to_stderr {
        std::io::stderr().is_terminal()
    } else {
        std::io::stdout().is_terminal()
    };
    let bars = indicatif::MultiProgress::with_draw_target(if !terminal || quiet {
        indicatif::ProgressDrawTarget::hidden()
    } else if to_stderr {
        indicatif::ProgressDrawTarget::stderr()
    } else {
        indicatif::ProgressDrawTarget::stdout()
    });
    let style =
        indicatif::ProgressStyle::with_template("{prefix}: {msg} {wide_bar} {bytes}/{total_bytes}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> ");
    let mut layers: HashMap<String, indicatif::ProgressBar> = HashMap::new();
    let emit = |line: String| {
        if quiet {
            return;
        }
        if to_stderr {
            eprintln!("{line}");
        } else {
            out(&format!("{line}\n"));
        }
    };
    while let Some(item) = stream.next().await {
        let info: CreateImageInfo = item?;
        if let Some(e) = info.error_detail.and_then(|d| d.message) {
            return Err(CliError::daemon(e));
        }
        let status = info.status.unwrap_or_default();
        let progress = info
            .progress_detail
            .and_then(|p| p.total.zip(p.current))
            .filter(|(t, _)| *t > 0);
        match (info.id, progress) {
            // on a terminal, a layer with byte counts gets a bar that fills
            (Some(id), Some((total, current))) if terminal && !quiet => {
                let bar = layers.entry(id.clone()).or_insert_with(|| {
                    let bar = bars.add(indicatif::ProgressBar::new(total as u64));
                    bar.set_style(style.clone());
                    bar.set_prefix(id.clone());
                    bar
                });
                bar.set_length(total as u64);
                bar.set_position(current as u64);
                bar.set_message(status);
            }
            (Some(id), _) if terminal && !quiet => match layers.get(&id) {
                Some(bar) => bar.finish_with_message(status),
                None => above_bars(
                    &bars,
                    layers.is_empty(),
                    format!("{id}: {status}"),
                    to_stderr,
                ),
            },
            (Some(id), _) => emit(format!("{id}: {status}")),
            (None, _) if terminal && !quiet => {
                above_bars(&bars, layers.is_empty(), status, to_stderr)
            }
            (None, _) => emit(status),
        }
    }
    for bar in layers.values() {
        bar.finish();
    }
    Ok(())
}

/// A status line on a terminal: above the bars once there are bars.
fn above_bars(bars: &indicatif::MultiProgress, no_bars: bool, line: String, to_stderr: bool) {
    if !no_bars {
        let _ = bars.println(line);
    } else if to_stderr {
        eprintln!("{line}");
    } else {
        out(&format!("{line}\n"));
    }
}
