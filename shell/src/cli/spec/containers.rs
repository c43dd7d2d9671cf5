//! The container commands: run, create, start, stop, restart, kill, rm,
//! ps, logs, top, stats, inspect, exec, attach, wait, rename, port, prune.

use super::{Arity, FlagDef, Spec, build};

const CONTAINER_CREATE_FLAGS: &[FlagDef] = &[
    (
        Some('a'),
        "attach",
        "list",
        "Attach to STDIN, STDOUT or STDERR",
    ),
    (None, "cap-add", "list", "Add Linux capabilities"),
    (None, "cap-drop", "list", "Drop Linux capabilities"),
    (
        Some('c'),
        "cpu-shares",
        "int",
        "CPU shares (relative weight)",
    ),
    (None, "cpus", "decimal", "Number of CPUs"),
    (
        None,
        "entrypoint",
        "string",
        "Overwrite the default ENTRYPOINT of the image",
    ),
    (Some('e'), "env", "list", "Set environment variables"),
    (
        None,
        "env-file",
        "list",
        "Read in a file of environment variables",
    ),
    (Some('h'), "hostname", "string", "Container host name"),
    (
        Some('i'),
        "interactive",
        "",
        "Keep STDIN open even if not attached",
    ),
    (Some('l'), "label", "list", "Set meta data on a container"),
    (Some('m'), "memory", "bytes", "Memory limit"),
    (
        None,
        "memory-swap",
        "bytes",
        "Swap limit equal to memory plus swap: '-1' to enable unlimited swap",
    ),
    (None, "name", "string", "Assign a name to the container"),
    (
        None,
        "network",
        "network",
        "Connect a container to a network",
    ),
    (
        None,
        "pids-limit",
        "int",
        "Tune container pids limit (set -1 for unlimited)",
    ),
    (
        None,
        "privileged",
        "",
        "Give extended privileges to this container",
    ),
    (
        Some('p'),
        "publish",
        "list",
        "Publish a container's port(s) to the host",
    ),
    (
        None,
        "read-only",
        "",
        "Mount the container's root filesystem as read only",
    ),
    (
        None,
        "restart",
        "string",
        "Restart policy to apply when a container exits (default \"no\")",
    ),
    (
        None,
        "rm",
        "",
        "Automatically remove the container and its associated anonymous volumes when it exits",
    ),
    (None, "security-opt", "list", "Security Options"),
    (
        None,
        "stop-signal",
        "string",
        "Signal to stop the container",
    ),
    (
        None,
        "stop-timeout",
        "int",
        "Timeout (in seconds) to stop a container",
    ),
    (Some('t'), "tty", "", "Allocate a pseudo-TTY"),
    (
        Some('u'),
        "user",
        "string",
        "Username or UID (format: <name|uid>[:<group|gid>])",
    ),
    (Some('v'), "volume", "list", "Bind mount a volume"),
    (
        Some('w'),
        "workdir",
        "string",
        "Working directory inside the container",
    ),
];

const RUN_ONLY_FLAGS: &[FlagDef] = &[
    (
        Some('d'),
        "detach",
        "",
        "Run container in background and print container ID",
    ),
    (
        None,
        "detach-keys",
        "string",
        "Override the key sequence for detaching a container",
    ),
    (
        None,
        "sig-proxy",
        "",
        "Proxy received signals to the process (default true)",
    ),
];

pub(super) fn spec(key: &str) -> Option<Spec> {
    let s = super::command;
    use Arity::*;
    Some(match key {
        "run" => {
            let mut spec = s(
                "run",
                "[OPTIONS] IMAGE [COMMAND] [ARG...]",
                "Create and run a new container from an image",
                &["docker container run", "docker run"],
                AtLeast(1),
                false,
                CONTAINER_CREATE_FLAGS,
            );
            spec.flags.extend(build(RUN_ONLY_FLAGS));
            spec
        }
        "create" => s(
            "create",
            "[OPTIONS] IMAGE [COMMAND] [ARG...]",
            "Create a new container",
            &["docker container create", "docker create"],
            AtLeast(1),
            false,
            CONTAINER_CREATE_FLAGS,
        ),
        "start" => s(
            "start",
            "[OPTIONS] CONTAINER [CONTAINER...]",
            "Start one or more stopped containers",
            &["docker container start", "docker start"],
            AtLeast(1),
            true,
            &[
                (
                    Some('a'),
                    "attach",
                    "",
                    "Attach STDOUT/STDERR and forward signals",
                ),
                (
                    None,
                    "detach-keys",
                    "string",
                    "Override the key sequence for detaching a container",
                ),
                (Some('i'), "interactive", "", "Attach container's STDIN"),
            ],
        ),
        "stop" | "restart" => s(
            if key == "stop" { "stop" } else { "restart" },
            "[OPTIONS] CONTAINER [CONTAINER...]",
            if key == "stop" {
                "Stop one or more running containers"
            } else {
                "Restart one or more containers"
            },
            if key == "stop" {
                &["docker container stop", "docker stop"]
            } else {
                &["docker container restart", "docker restart"]
            },
            AtLeast(1),
            true,
            &[
                (
                    Some('s'),
                    "signal",
                    "string",
                    "Signal to send to the container",
                ),
                (
                    Some('t'),
                    "timeout",
                    "int",
                    "Seconds to wait before killing the container",
                ),
            ],
        ),
        "kill" => s(
            "kill",
            "[OPTIONS] CONTAINER [CONTAINER...]",
            "Kill one or more running containers",
            &["docker container kill", "docker kill"],
            AtLeast(1),
            true,
            &[(
                Some('s'),
                "signal",
                "string",
                "Signal to send to the container",
            )],
        ),
        "rm" => s(
            "rm",
            "[OPTIONS] CONTAINER [CONTAINER...]",
            "Remove one or more containers",
            &[
                "docker container rm",
                "docker container remove",
                "docker rm",
            ],
            AtLeast(1),
            true,
            &[
                (
                    Some('f'),
                    "force",
                    "",
                    "Force the removal of a running container (uses SIGKILL)",
                ),
                (Some('l'), "link", "", "Remove the specified link"),
                (
                    Some('v'),
                    "volumes",
                    "",
                    "Remove anonymous volumes associated with the container",
                ),
            ],
        ),
        "ps" => s(
            "ps",
            "[OPTIONS]",
            "List containers",
            &[
                "docker container ls",
                "docker container list",
                "docker container ps",
                "docker ps",
            ],
            Zero,
            true,
            &[
                (
                    Some('a'),
                    "all",
                    "",
                    "Show all containers (default shows just running)",
                ),
                (
                    Some('f'),
                    "filter",
                    "filter",
                    "Filter output based on conditions provided",
                ),
                (None, "format", "string", ""),
                (
                    Some('n'),
                    "last",
                    "int",
                    "Show n last created containers (includes all states) (default -1)",
                ),
                (
                    Some('l'),
                    "latest",
                    "",
                    "Show the latest created container (includes all states)",
                ),
                (None, "no-trunc", "", "Don't truncate output"),
                (Some('q'), "quiet", "", "Only display container IDs"),
                (Some('s'), "size", "", "Display total file sizes"),
            ],
        ),
        "logs" => s(
            "logs",
            "[OPTIONS] CONTAINER",
            "Fetch the logs of a container",
            &["docker container logs", "docker logs"],
            Exactly(1),
            true,
            &[
                (None, "details", "", "Show extra details provided to logs"),
                (Some('f'), "follow", "", "Follow log output"),
                (
                    None,
                    "since",
                    "string",
                    "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)",
                ),
                (
                    Some('n'),
                    "tail",
                    "string",
                    "Number of lines to show from the end of the logs (default \"all\")",
                ),
                (Some('t'), "timestamps", "", "Show timestamps"),
                (
                    None,
                    "until",
                    "string",
                    "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)",
                ),
            ],
        ),
        "top" => s(
            "top",
            "CONTAINER [ps OPTIONS]",
            "Display the running processes of a container",
            &["docker container top", "docker top"],
            AtLeast(1),
            false,
            &[],
        ),
        "stats" => s(
            "stats",
            "[OPTIONS] [CONTAINER...]",
            "Display a live stream of container(s) resource usage statistics",
            &["docker container stats", "docker stats"],
            AtLeast(0),
            true,
            &[
                (
                    Some('a'),
                    "all",
                    "",
                    "Show all containers (default shows just running)",
                ),
                (None, "format", "string", ""),
                (
                    None,
                    "no-stream",
                    "",
                    "Disable streaming stats and only pull the first result",
                ),
                (None, "no-trunc", "", "Do not truncate output"),
            ],
        ),
        "inspect" => s(
            "inspect",
            "[OPTIONS] NAME|ID [NAME|ID...]",
            "Return low-level information on Docker objects",
            &[],
            AtLeast(1),
            true,
            &[
                (Some('f'), "format", "string", ""),
                (
                    Some('s'),
                    "size",
                    "",
                    "Display total file sizes if the type is container",
                ),
                (
                    None,
                    "type",
                    "string",
                    "Only inspect objects of the given type",
                ),
            ],
        ),
        "exec" => s(
            "exec",
            "[OPTIONS] CONTAINER COMMAND [ARG...]",
            "Execute a command in a running container",
            &["docker container exec", "docker exec"],
            AtLeast(2),
            false,
            &[
                (
                    Some('d'),
                    "detach",
                    "",
                    "Detached mode: run command in the background",
                ),
                (
                    None,
                    "detach-keys",
                    "string",
                    "Override the key sequence for detaching a container",
                ),
                (Some('e'), "env", "list", "Set environment variables"),
                (
                    None,
                    "env-file",
                    "list",
                    "Read in a file of environment variables",
                ),
                (
                    Some('i'),
                    "interactive",
                    "",
                    "Keep STDIN open even if not attached",
                ),
                (
                    None,
                    "privileged",
                    "",
                    "Give extended privileges to the command",
                ),
                (Some('t'), "tty", "", "Allocate a pseudo-TTY"),
                (
                    Some('u'),
                    "user",
                    "string",
                    "Username or UID (format: \"<name|uid>[:<group|gid>]\")",
                ),
                (
                    Some('w'),
                    "workdir",
                    "string",
                    "Working directory inside the container",
                ),
            ],
        ),
        "attach" => s(
            "attach",
            "[OPTIONS] CONTAINER",
            "Attach local standard input, output, and error streams to a running container",
            &["docker container attach", "docker attach"],
            Exactly(1),
            true,
            &[
                (
                    None,
                    "detach-keys",
                    "string",
                    "Override the key sequence for detaching a container",
                ),
                (None, "no-stdin", "", "Do not attach STDIN"),
                (
                    None,
                    "sig-proxy",
                    "",
                    "Proxy all received signals to the process (default true)",
                ),
            ],
        ),
        "wait" => s(
            "wait",
            "CONTAINER [CONTAINER...]",
            "Block until one or more containers stop, then print their exit codes",
            &["docker container wait", "docker wait"],
            AtLeast(1),
            true,
            &[],
        ),
        "rename" => s(
            "rename",
            "CONTAINER NEW_NAME",
            "Rename a container",
            &["docker container rename", "docker rename"],
            Exactly(2),
            true,
            &[],
        ),
        "port" => s(
            "port",
            "CONTAINER [PRIVATE_PORT[/PROTO]]",
            "List port mappings or a specific mapping for the container",
            &["docker container port", "docker port"],
            Between(1, 2),
            true,
            &[],
        ),
        "container prune" => s(
            "container prune",
            "[OPTIONS]",
            "Remove all stopped containers",
            &[],
            Zero,
            true,
            &[
                (
                    None,
                    "filter",
                    "filter",
                    "Provide filter values (e.g. \"until=<timestamp>\")",
                ),
                (Some('f'), "force", "", "Do not prompt for confirmation"),
            ],
        ),
        _ => return Option::None,
    })
}
