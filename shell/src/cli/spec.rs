//! The commands berth's docker CLI knows: usage lines, descriptions,
//! aliases, argument counts and flags, as docker 28 states them.

mod containers;
mod others;

use clap::{Arg, ArgAction};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arity {
    Zero,
    Exactly(usize),
    AtLeast(usize),
    Between(usize, usize),
}

pub struct Spec {
    /// Canonical command, e.g. `ps`.
    pub key: &'static str,
    /// Words after `docker` in the usage line, e.g. `[OPTIONS] IMAGE`.
    pub usage_args: &'static str,
    pub about: &'static str,
    pub aliases: &'static [&'static str],
    pub arity: Arity,
    /// false: flags end at the first argument (run, exec, top).
    pub interspersed: bool,
    pub flags: Vec<Arg>,
}

const FORMAT_HELP: &str = "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates";

/// `(short, long, value type or "" for a switch, help)`
pub(super) type FlagDef = (Option<char>, &'static str, &'static str, &'static str);

pub(super) fn build(defs: &[FlagDef]) -> Vec<Arg> {
    defs.iter()
        .map(|&(short, long, kind, help)| {
            let help = if long == "format" && help.is_empty() {
                FORMAT_HELP
            } else {
                help
            };
            let mut arg = Arg::new(long).long(long).help(help);
            if let Some(s) = short {
                arg = arg.short(s);
            }
            match kind {
                // a switch, which also takes `=false` as docker's do
                "" => arg
                    .action(ArgAction::Set)
                    .num_args(0..=1)
                    .require_equals(true)
                    .default_missing_value("true"),
                "list" | "filter" | "strings" => {
                    arg.value_name(kind).action(ArgAction::Append).num_args(1)
                }
                _ => arg
                    .value_name(kind)
                    .action(ArgAction::Set)
                    .num_args(1)
                    .allow_hyphen_values(kind == "int"),
            }
        })
        .collect()
}

/// One command's description; the tables in `containers.rs` and
/// `others.rs` are lists of these.
pub(super) fn command(
    key: &'static str,
    usage_args: &'static str,
    about: &'static str,
    aliases: &'static [&'static str],
    arity: Arity,
    interspersed: bool,
    flags: &[FlagDef],
) -> Spec {
    Spec {
        key,
        usage_args,
        about,
        aliases,
        arity,
        interspersed,
        flags: build(flags),
    }
}

/// The command `key` names (`ps`, `container prune`, ...).
pub fn spec(key: &str) -> Option<Spec> {
    containers::spec(key).or_else(|| others::spec(key))
}

/// `docker container X` / `docker image X` / `docker system X` to the
/// canonical command.
pub fn management(group: &str, sub: &str) -> Option<&'static str> {
    Some(match (group, sub) {
        ("container", "ls" | "list" | "ps") => "ps",
        ("container", "rm" | "remove") => "rm",
        ("container", "inspect") => "container inspect",
        ("container", "prune") => "container prune",
        (
            "container",
            "run" | "create" | "start" | "stop" | "restart" | "kill" | "logs" | "top" | "stats"
            | "exec" | "attach" | "wait" | "rename" | "port",
        ) => spec_key(sub)?,
        ("image", "ls" | "list") => "images",
        ("image", "rm" | "remove") => "rmi",
        ("image", "inspect") => "image inspect",
        ("image", "pull" | "tag" | "history") => spec_key(sub)?,
        ("system", "info") => "info",
        ("system", "events") => "events",
        _ => return None,
    })
}

fn spec_key(name: &str) -> Option<&'static str> {
    TOP_LEVEL.iter().find(|(n, _)| *n == name).map(|(n, _)| *n)
}

/// The commands `docker --help` lists, with their one-line descriptions.
pub const TOP_LEVEL: &[(&str, &str)] = &[
    ("run", "Create and run a new container from an image"),
    ("exec", "Execute a command in a running container"),
    ("ps", "List containers"),
    ("pull", "Download an image from a registry"),
    ("images", "List images"),
    ("version", "Show the Docker version information"),
    ("info", "Display system-wide information"),
    (
        "attach",
        "Attach local standard input, output, and error streams to a running container",
    ),
    ("create", "Create a new container"),
    ("events", "Get real time events from the server"),
    ("history", "Show the history of an image"),
    ("inspect", "Return low-level information on Docker objects"),
    ("kill", "Kill one or more running containers"),
    ("logs", "Fetch the logs of a container"),
    (
        "port",
        "List port mappings or a specific mapping for the container",
    ),
    ("rename", "Rename a container"),
    ("restart", "Restart one or more containers"),
    ("rm", "Remove one or more containers"),
    ("rmi", "Remove one or more images"),
    ("start", "Start one or more stopped containers"),
    (
        "stats",
        "Display a live stream of container(s) resource usage statistics",
    ),
    ("stop", "Stop one or more running containers"),
    (
        "tag",
        "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
    ),
    ("top", "Display the running processes of a container"),
    (
        "wait",
        "Block until one or more containers stop, then print their exit codes",
    ),
];

/// Subcommands of the management groups, for `docker container --help`.
pub fn group_commands(group: &str) -> Option<Vec<(&'static str, &'static str)>> {
    let names: &[&str] = match group {
        "container" => &[
            "attach", "create", "exec", "inspect", "kill", "logs", "ls", "port", "prune", "rename",
            "restart", "rm", "run", "start", "stats", "stop", "top", "wait",
        ],
        "image" => &["history", "inspect", "ls", "pull", "rm", "tag"],
        "system" => &["events", "info"],
        _ => return None,
    };
    Some(
        names
            .iter()
            .filter_map(|n| {
                let key = management(group, n)?;
                Some((*n, spec(key)?.about))
            })
            .collect(),
    )
}

pub const GROUPS: &[(&str, &str)] = &[
    ("container", "Manage containers"),
    ("image", "Manage images"),
    ("system", "Manage Docker"),
];
