//! `berth docker ...`: a docker-compatible CLI over the Engine API.
//! Parsing, help and errors follow docker 28; each command lives in its
//! own module under `commands/`.

mod commands;
pub mod help;
pub mod spec;
pub mod table;

use std::io::Write;

use clap::ArgMatches;
use clap::error::{ContextKind, ContextValue, ErrorKind};

use crate::engine::{Engine, EngineError};
use spec::Spec;

/// An error as docker prints it, with the process exit code.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub code: i32,
}

impl CliError {
    pub fn new(message: impl Into<String>, code: i32) -> Self {
        CliError {
            message: message.into(),
            code,
        }
    }
    pub fn daemon(message: impl std::fmt::Display) -> Self {
        CliError::new(format!("Error response from daemon: {message}"), 1)
    }
    /// What the engine answered with a failure: docker's `{"message":
    /// ...}`, else the body as text.
    pub fn from_answer(body: &[u8]) -> Self {
        let message = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("message")?.as_str().map(str::to_string))
            .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_string());
        CliError::daemon(message)
    }

    /// The same for a response whose body is still to be read.
    pub async fn from_response(response: hyper::Response<hyper::body::Incoming>) -> Self {
        use http_body_util::BodyExt;
        let body = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        CliError::from_answer(&body)
    }

    pub fn with_code(mut self, code: i32) -> Self {
        self.code = code;
        self
    }
}

impl From<bollard::errors::Error> for CliError {
    fn from(e: bollard::errors::Error) -> Self {
        use bollard::errors::Error as B;
        match e {
            B::DockerResponseServerError { message, .. } => CliError::daemon(message.trim_end()),
            B::JsonDataError { message, .. } => {
                CliError::new(format!("error decoding the engine's answer: {message}"), 1)
            }
            other => CliError::new(other.to_string(), 1),
        }
    }
}

impl From<EngineError> for CliError {
    fn from(e: EngineError) -> Self {
        CliError::new(e.to_string(), 1)
    }
}

impl From<crate::template::TemplateError> for CliError {
    fn from(e: crate::template::TemplateError) -> Self {
        CliError::new(e.to_string(), 1)
    }
}

pub type CmdResult = Result<i32, CliError>;

/// Writes to stdout; a closed pipe (`docker ps | head -1`) ends us quietly.
pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// Parsed arguments of one command.
pub struct Args {
    pub path: String,
    matches: ArgMatches,
    pub positional: Vec<String>,
}

impl Args {
    pub fn flag(&self, name: &str) -> bool {
        self.value(name).is_some_and(|v| go_bool(&v) == Some(true))
    }
    /// A switch whose default is true (`--sig-proxy`).
    pub fn flag_or(&self, name: &str, default: bool) -> bool {
        self.value(name)
            .and_then(|v| go_bool(&v))
            .unwrap_or(default)
    }
    pub fn value(&self, name: &str) -> Option<String> {
        self.matches
            .try_get_one::<String>(name)
            .ok()
            .flatten()
            .cloned()
    }
    pub fn values(&self, name: &str) -> Vec<String> {
        self.matches
            .try_get_many::<String>(name)
            .ok()
            .flatten()
            .map(|v| v.cloned().collect())
            .unwrap_or_default()
    }
    /// An int flag, with docker's message when it is not a number.
    pub fn int(&self, name: &str) -> Result<Option<i64>, CliError> {
        match self.value(name) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                self.invalid(
                    name,
                    &v,
                    &format!("strconv.ParseInt: parsing \"{v}\": invalid syntax"),
                )
            }),
        }
    }
    /// docker's "invalid argument" text for a bad flag value (exit 125).
    pub fn invalid(&self, name: &str, value: &str, why: &str) -> CliError {
        let key = self.key();
        let spec = spec::spec(key).expect("parsed commands have a spec");
        let flag = spec.flags.iter().find(|a| a.get_id() == name);
        let shown = match flag.and_then(|a| a.get_short()) {
            Some(s) => format!("-{s}, --{name}"),
            None => format!("--{name}"),
        };
        CliError::new(
            help::flag_error(
                &self.path,
                &spec,
                &format!("invalid argument \"{value}\" for \"{shown}\" flag: {why}"),
            ),
            125,
        )
    }
    fn key(&self) -> &'static str {
        resolve_path(&self.path).unwrap_or("run")
    }
}

/// Go's strconv.ParseBool.
fn go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// `docker container ls` → `ps`
fn resolve_path(path: &str) -> Option<&'static str> {
    let words: Vec<&str> = path.split_whitespace().skip(1).collect();
    match words.as_slice() {
        [group, sub] => spec::management(group, sub),
        [name] => spec::spec(name).map(|s| s.key),
        _ => None,
    }
}

fn build_parser(spec: &Spec) -> clap::Command {
    let command = clap::Command::new(spec.key)
        .no_binary_name(true)
        .disable_help_flag(true)
        .disable_version_flag(true)
        .args_override_self(true)
        .args(spec.flags.clone());
    // run, exec and top get only their flags: `flags_then_arguments` cut
    // the line at the first argument
    if spec.interspersed {
        command.arg(
            clap::Arg::new("ARGS")
                .num_args(0..)
                .action(clap::ArgAction::Append),
        )
    } else {
        command
    }
}

/// For commands whose flags end at the first argument (`run IMAGE CMD
/// -x`): the words up to it, and it with everything after. A flag that
/// takes a value keeps the next word; `--` ends the flags and goes.
fn flags_then_arguments<'a>(spec: &Spec, argv: &'a [String]) -> (&'a [String], &'a [String]) {
    let takes_value = |f: &clap::Arg| f.get_value_names().is_some();
    let mut i = 0;
    while i < argv.len() {
        let a = argv[i].as_str();
        if a == "--" {
            return (&argv[..i], &argv[i + 1..]);
        }
        if !a.starts_with('-') || a == "-" {
            break;
        }
        let value_follows = !a.contains('=')
            && match a.strip_prefix("--") {
                Some(long) => spec
                    .flags
                    .iter()
                    .any(|f| f.get_long() == Some(long) && takes_value(f)),
                None => a.chars().last().is_some_and(|c| {
                    spec.flags
                        .iter()
                        .any(|f| f.get_short() == Some(c) && takes_value(f))
                }),
            };
        i += if value_follows { 2 } else { 1 };
    }
    let i = i.min(argv.len());
    (&argv[..i], &argv[i..])
}

/// What the user typed for the flag clap complains about: a flag lacks
/// its value only at the end of the line, so it is the last word.
fn typed_flag(err: &clap::Error, argv: &[String]) -> String {
    match argv.last() {
        Some(last) if last.starts_with('-') => last.split('=').next().unwrap_or(last).to_string(),
        _ => match err.get(ContextKind::InvalidArg) {
            Some(ContextValue::String(s)) => {
                s.split([' ', '=']).next().unwrap_or_default().to_string()
            }
            _ => String::new(),
        },
    }
}

fn unknown_flag(token: &str, argv: &[String]) -> String {
    if token.starts_with("--") {
        format!("unknown flag: {}", token.split('=').next().unwrap_or(token))
    } else {
        let c = token.chars().nth(1).unwrap_or('?');
        let whole = argv
            .iter()
            .find(|a| !a.starts_with("--") && a.starts_with('-') && a.contains(c));
        format!(
            "unknown shorthand flag: '{c}' in {}",
            whole.map(String::as_str).unwrap_or(token)
        )
    }
}

fn parse(path: &str, spec: &Spec, argv: &[String]) -> Result<Args, CliError> {
    let (argv, arguments) = if spec.interspersed {
        (argv, &[][..])
    } else {
        flags_then_arguments(spec, argv)
    };
    let flag_error = |message: String| CliError::new(help::flag_error(path, spec, &message), 125);
    let matches = build_parser(spec)
        .try_get_matches_from(argv)
        .map_err(|err| match err.kind() {
            ErrorKind::UnknownArgument => {
                let token = match err.get(ContextKind::InvalidArg) {
                    Some(ContextValue::String(s)) => s.clone(),
                    _ => argv.first().cloned().unwrap_or_default(),
                };
                flag_error(unknown_flag(&token, argv))
            }
            ErrorKind::InvalidValue | ErrorKind::NoEquals | ErrorKind::WrongNumberOfValues => {
                let typed = typed_flag(&err, argv);
                if typed.starts_with("--") {
                    flag_error(format!("flag needs an argument: {typed}"))
                } else {
                    let c = typed.chars().last().unwrap_or('?');
                    flag_error(format!("flag needs an argument: '{c}' in {typed}"))
                }
            }
            _ => flag_error(
                err.to_string()
                    .trim()
                    .trim_start_matches("error: ")
                    .to_string(),
            ),
        })?;
    let positional: Vec<String> = match matches.try_get_many::<String>("ARGS") {
        Ok(Some(values)) => values.cloned().collect(),
        _ => arguments.to_vec(),
    };
    // switches given a value (`--rm=false`) must say true or false
    for arg in spec.flags.iter().filter(|a| a.get_value_names().is_none()) {
        let id = arg.get_id().as_str();
        if let Ok(Some(v)) = matches.try_get_one::<String>(id)
            && go_bool(v).is_none()
        {
            let shown = match arg.get_short() {
                Some(c) => format!("-{c}, --{id}"),
                None => format!("--{id}"),
            };
            return Err(flag_error(format!(
                "invalid argument \"{v}\" for \"{shown}\" flag: strconv.ParseBool: parsing \"{v}\": invalid syntax"
            )));
        }
    }
    if let Some(message) = help::arity_error(path, spec, positional.len()) {
        return Err(CliError::new(message, 1));
    }
    Ok(Args {
        path: path.to_string(),
        matches,
        positional,
    })
}

/// Global options before the command word.
struct Global {
    host: Option<String>,
}

fn split_global(argv: &[String]) -> Result<(Global, &[String]), CliError> {
    let mut host = None;
    let mut i = 0;
    while i < argv.len() && argv[i].starts_with('-') {
        let a = argv[i].as_str();
        let takes_value = |i: &mut usize| -> Result<String, CliError> {
            *i += 1;
            argv.get(*i).cloned().ok_or_else(|| {
                CliError::new(
                    format!(
                        "flag needs an argument: {a}\n\nRun 'docker --help' for more information"
                    ),
                    125,
                )
            })
        };
        match a {
            "-H" | "--host" => host = Some(takes_value(&mut i)?),
            _ if a.starts_with("--host=") => host = Some(a["--host=".len()..].to_string()),
            "-l" | "--log-level" | "--context" | "-c" | "--config" => {
                takes_value(&mut i)?;
            }
            "-D" | "--debug" => {}
            "--help" | "-h" | "-v" | "--version" => break,
            _ => {
                return Err(CliError::new(
                    format!(
                        "{}\n\nRun 'docker --help' for more information",
                        unknown_flag(a, argv)
                    ),
                    125,
                ));
            }
        }
        i += 1;
    }
    Ok((Global { host }, &argv[i..]))
}

/// Runs one docker command line; returns the exit code.
pub fn main(argv: Vec<String>) -> i32 {
    match run(&argv) {
        Ok(code) => code,
        Err(e) => {
            if !e.message.is_empty() {
                eprintln!("{}", e.message);
            }
            e.code
        }
    }
}

fn run(argv: &[String]) -> CmdResult {
    let (global, rest) = split_global(argv)?;
    let Some(word) = rest.first() else {
        out(&help::top_help());
        return Ok(0);
    };
    match word.as_str() {
        "--help" | "-h" | "help" => {
            out(&help::top_help());
            return Ok(0);
        }
        "-v" | "--version" => {
            out(&format!(
                "Docker version {} (berth), build berth\n",
                env!("CARGO_PKG_VERSION")
            ));
            return Ok(0);
        }
        _ => {}
    }
    let (key, path, args) = if spec::GROUPS.iter().any(|(g, _)| g == word) {
        let group_help = help::group_help(word).unwrap_or_default();
        match rest.get(1).map(String::as_str) {
            None | Some("--help") => {
                out(&group_help);
                return Ok(0);
            }
            Some(sub) => match spec::management(word, sub) {
                Some(key) => (key, format!("docker {word} {sub}"), &rest[2..]),
                None => {
                    return Err(CliError::new(
                        format!(
                            "docker: unknown command: docker {word} {sub}\n\nUsage:  docker {word}\n\nRun 'docker {word} --help' for more information"
                        ),
                        1,
                    ));
                }
            },
        }
    } else {
        match spec::spec(word) {
            Some(s) => (s.key, format!("docker {word}"), &rest[1..]),
            None => {
                return Err(CliError::new(
                    format!(
                        "docker: unknown command: docker {word}\n\nRun 'docker --help' for more information"
                    ),
                    1,
                ));
            }
        }
    };
    let spec = spec::spec(key).expect("every resolvable key has a spec");
    if wants_help(&spec, args) {
        out(&help::command_help(&path, &spec));
        return Ok(0);
    }
    let parsed = parse(&path, &spec, args)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("cannot start the async runtime: {e}"), 1))?;
    runtime.block_on(async {
        let (endpoint, source) = crate::engine::resolve(global.host.as_deref())?;
        let engine = Engine::connect(endpoint, source).await?;
        commands::dispatch(key, &engine, &parsed).await
    })
}

/// `--help` among the flags (not after the image of `run`).
fn wants_help(spec: &Spec, args: &[String]) -> bool {
    let flags = if spec.interspersed {
        let end = args.iter().position(|a| a == "--").unwrap_or(args.len());
        &args[..end]
    } else {
        flags_then_arguments(spec, args).0
    };
    let h_is_help = !spec.flags.iter().any(|f| f.get_short() == Some('h'));
    flags
        .iter()
        .any(|a| a == "--help" || (a == "-h" && h_is_help))
}

#[cfg(test)]
mod tests;
