//! berthd: berth's container engine daemon.

mod api;
mod catalog;
mod container;
mod engine;
mod error;
mod events;
mod host;
mod netns;
mod paths;
mod sealed_helper;
mod shim_client;
mod timefmt;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;

#[derive(Parser, Debug)]
#[command(name = "berthd", version, about = "berth's container engine daemon")]
struct Args {
    /// Root of persistent state (images, containers).
    #[arg(long, default_value = "/var/lib/berth")]
    data_root: PathBuf,
    /// Root of runtime state (shim sockets, namespaces).
    #[arg(long, default_value = "/run/berth")]
    exec_root: PathBuf,
    /// Where to listen: unix:///PATH.
    #[arg(
        short = 'H',
        long = "host",
        default_value = "unix:///run/berth/berth.sock"
    )]
    host: String,
    /// Parent cgroup of every container.
    #[arg(long, default_value = "berth")]
    cgroup_parent: String,
    /// Do not build the offline image catalog into an empty data root.
    #[arg(long)]
    no_seed: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BERTHD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let socket = args
        .host
        .strip_prefix("unix://")
        .with_context(|| format!("-H {}: only unix:///PATH is supported", args.host))?;
    let paths = paths::Paths::new(
        args.data_root,
        args.exec_root,
        PathBuf::from(socket),
        args.cgroup_parent,
    )?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let engine = Arc::new(engine::Engine::open(paths, !args.no_seed).await?);
        api::serve(engine).await
    })
}
