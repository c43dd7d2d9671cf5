//! What is on the engine (container IDs, image references), and `reset`:
//! removing what appeared after a baseline, and nothing else.

use berth_labs::progress::Baseline;
use bollard::query_parameters::{
    ListContainersOptions, ListImagesOptions, RemoveContainerOptionsBuilder,
};

pub async fn snapshot(docker: &bollard::Docker) -> Result<Baseline, bollard::errors::Error> {
    let mut containers: Vec<String> = docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            ..Default::default()
        }))
        .await?
        .into_iter()
        .filter_map(|c| c.id)
        .collect();
    containers.sort();
    let mut images: Vec<String> = docker
        .list_images(Some(ListImagesOptions::default()))
        .await?
        .into_iter()
        .flat_map(|i| {
            if i.repo_tags.is_empty() || i.repo_tags.iter().all(|t| t == "<none>:<none>") {
                vec![i.id]
            } else {
                i.repo_tags
            }
        })
        .collect();
    images.sort();
    Ok(Baseline { containers, images })
}

/// Removes containers and image references that are not in `baseline`.
/// Returns what was removed, and what could not be.
pub async fn remove_newer(
    docker: &bollard::Docker,
    baseline: &Baseline,
) -> Result<(Vec<String>, Vec<String>), bollard::errors::Error> {
    let now = snapshot(docker).await?;
    let (mut removed, mut failed) = (Vec::new(), Vec::new());
    let force = RemoveContainerOptionsBuilder::new()
        .force(true)
        .v(true)
        .build();
    for id in now
        .containers
        .iter()
        .filter(|c| !baseline.containers.contains(c))
    {
        let short: String = id.chars().take(12).collect();
        match docker.remove_container(id, Some(force.clone())).await {
            Ok(()) => removed.push(format!("container {short}")),
            Err(e) => failed.push(format!("container {short}: {e}")),
        }
    }
    for reference in now.images.iter().filter(|i| !baseline.images.contains(i)) {
        match docker
            .remove_image(
                reference,
                None::<bollard::query_parameters::RemoveImageOptions>,
                None,
            )
            .await
        {
            Ok(_) => removed.push(format!("image {reference}")),
            Err(e) => failed.push(format!("image {reference}: {e}")),
        }
    }
    Ok((removed, failed))
}
