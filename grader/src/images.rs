//! `image` checks: existence, labels, layers, size and config fields.

use berth_labs::format::ImageCheck;

use crate::{Context, GradeError, Outcome};

pub async fn image(ctx: &Context<'_>, check: &ImageCheck) -> Result<Outcome, GradeError> {
    let reference = &check.reference;
    let info = match ctx.docker.inspect_image(reference).await {
        Ok(i) => Some(i),
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => None,
        Err(e) => return Err(e.into()),
    };
    let Some(info) = info else {
        return Ok(if check.exists {
            Outcome::new(
                "image",
                false,
                format!("an image {reference}"),
                format!("no image {reference}"),
            )
        } else {
            Outcome::new(
                "image",
                true,
                format!("no image {reference}"),
                format!("no image {reference}"),
            )
        });
    };
    if !check.exists {
        return Ok(Outcome::new(
            "image",
            false,
            format!("no image {reference}"),
            format!("image {reference} exists"),
        ));
    }
    let config = info.config.clone().unwrap_or_default();
    let mut expected = Vec::new();
    let mut wrong = Vec::new();
    let labels = config.labels.clone().unwrap_or_default();
    for (k, v) in &check.labels {
        expected.push(format!("label {k}={v}"));
        if labels.get(k) != Some(v) {
            wrong.push(format!(
                "label {k} is {:?}",
                labels.get(k).cloned().unwrap_or_default()
            ));
        }
    }
    let layers = info
        .root_fs
        .as_ref()
        .and_then(|r| r.layers.as_ref())
        .map(|l| l.len())
        .unwrap_or(0);
    if let Some(n) = check.layers {
        expected.push(format!("{n} layers"));
        if layers != n as usize {
            wrong.push(format!("{layers} layers"));
        }
    }
    let size = info.size.unwrap_or(0);
    if let Some(max) = check.max_size {
        expected.push(format!("at most {} bytes", max.0));
        if size as u64 > max.0 {
            wrong.push(format!("{size} bytes"));
        }
    }
    let mut field = |name: &str, want: Option<String>, have: String| {
        if let Some(w) = want {
            expected.push(format!("{name} {w}"));
            if w != have {
                wrong.push(format!("{name} {have}"));
            }
        }
    };
    field(
        "cmd",
        check.cmd.as_ref().map(|c| format!("{c:?}")),
        format!("{:?}", config.cmd.clone().unwrap_or_default()),
    );
    field(
        "entrypoint",
        check.entrypoint.as_ref().map(|c| format!("{c:?}")),
        format!("{:?}", config.entrypoint.clone().unwrap_or_default()),
    );
    field(
        "workdir",
        check.workdir.clone(),
        config.working_dir.clone().unwrap_or_default(),
    );
    field(
        "user",
        check.user.clone(),
        config.user.clone().unwrap_or_default(),
    );
    let env = config.env.clone().unwrap_or_default();
    for e in &check.env {
        expected.push(format!("env {e}"));
        if !env.contains(e) {
            wrong.push(format!("no env {e}"));
        }
    }
    let ports = config.exposed_ports.clone().unwrap_or_default();
    for p in &check.exposed_ports {
        let key = if p.contains('/') {
            p.clone()
        } else {
            format!("{p}/tcp")
        };
        expected.push(format!("exposes {key}"));
        if !ports.contains(&key) {
            wrong.push(format!("does not expose {key}"));
        }
    }
    let expected = if expected.is_empty() {
        format!("an image {reference}")
    } else {
        format!("an image {reference} with {}", expected.join(", "))
    };
    let passed = wrong.is_empty();
    let actual = if passed {
        format!("image {reference} as expected")
    } else {
        format!("image {reference}: {}", wrong.join(", "))
    };
    Ok(Outcome::new("image", passed, expected, actual))
}
