//! Image and system commands: events, images, rmi, tag, history, pull,
//! image and container inspect, version, info.

use super::{Arity, Spec};

pub(super) fn spec(key: &str) -> Option<Spec> {
    let s = super::command;
    use Arity::*;
    Some(match key {
        "events" => s(
            "events",
            "[OPTIONS]",
            "Get real time events from the server",
            &["docker system events", "docker events"],
            Zero,
            true,
            &[
                (
                    Some('f'),
                    "filter",
                    "filter",
                    "Filter output based on conditions provided",
                ),
                (None, "format", "string", ""),
                (
                    None,
                    "since",
                    "string",
                    "Show all events created since timestamp",
                ),
                (
                    None,
                    "until",
                    "string",
                    "Stream events until this timestamp",
                ),
            ],
        ),
        "images" => s(
            "images",
            "[OPTIONS] [REPOSITORY[:TAG]]",
            "List images",
            &["docker image ls", "docker image list", "docker images"],
            Between(0, 1),
            true,
            &[
                (
                    Some('a'),
                    "all",
                    "",
                    "Show all images (default hides intermediate images)",
                ),
                (None, "digests", "", "Show digests"),
                (
                    Some('f'),
                    "filter",
                    "filter",
                    "Filter output based on conditions provided",
                ),
                (None, "format", "string", ""),
                (None, "no-trunc", "", "Don't truncate output"),
                (Some('q'), "quiet", "", "Only show image IDs"),
            ],
        ),
        "rmi" => s(
            "rmi",
            "[OPTIONS] IMAGE [IMAGE...]",
            "Remove one or more images",
            &["docker image rm", "docker image remove", "docker rmi"],
            AtLeast(1),
            true,
            &[
                (Some('f'), "force", "", "Force removal of the image"),
                (None, "no-prune", "", "Do not delete untagged parents"),
            ],
        ),
        "tag" => s(
            "tag",
            "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
            "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
            &["docker image tag", "docker tag"],
            Exactly(2),
            true,
            &[],
        ),
        "history" => s(
            "history",
            "[OPTIONS] IMAGE",
            "Show the history of an image",
            &["docker image history", "docker history"],
            Exactly(1),
            true,
            &[
                (None, "format", "string", ""),
                (
                    Some('H'),
                    "human",
                    "",
                    "Print sizes and dates in human readable format (default true)",
                ),
                (None, "no-trunc", "", "Don't truncate output"),
                (Some('q'), "quiet", "", "Only show image IDs"),
            ],
        ),
        "pull" => s(
            "pull",
            "[OPTIONS] NAME[:TAG|@DIGEST]",
            "Download an image from a registry",
            &["docker image pull", "docker pull"],
            Exactly(1),
            true,
            &[
                (
                    Some('a'),
                    "all-tags",
                    "",
                    "Download all tagged images in the repository",
                ),
                (
                    None,
                    "platform",
                    "string",
                    "Set platform if server is multi-platform capable",
                ),
                (Some('q'), "quiet", "", "Suppress verbose output"),
            ],
        ),
        "image inspect" => s(
            "image inspect",
            "[OPTIONS] IMAGE [IMAGE...]",
            "Display detailed information on one or more images",
            &[],
            AtLeast(1),
            true,
            &[(Some('f'), "format", "string", "")],
        ),
        "container inspect" => s(
            "container inspect",
            "[OPTIONS] CONTAINER [CONTAINER...]",
            "Display detailed information on one or more containers",
            &[],
            AtLeast(1),
            true,
            &[
                (Some('f'), "format", "string", ""),
                (Some('s'), "size", "", "Display total file sizes"),
            ],
        ),
        "version" => s(
            "version",
            "[OPTIONS]",
            "Show the Docker version information",
            &[],
            Zero,
            true,
            &[(Some('f'), "format", "string", "")],
        ),
        "info" => s(
            "info",
            "[OPTIONS]",
            "Display system-wide information",
            &["docker system info", "docker info"],
            Zero,
            true,
            &[(Some('f'), "format", "string", "")],
        ),
        _ => return Option::None,
    })
}
