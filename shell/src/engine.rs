//! Finding and reaching the engine: `-H`, then BERTH_HOST, then
//! DOCKER_HOST, then berth's default socket. When the default socket is
//! dead and we are root, berthd is started from berth's install directory.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

pub const DEFAULT_HOST: &str = "unix:///run/berth/berth.sock";

/// Long-lived requests (`logs -f`, `events`, `wait`, attach) must not time
/// out: docker's CLI has no client timeout either. bollard takes seconds.
const NO_TIMEOUT_SECS: u64 = 10 * 365 * 24 * 3600;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("unsupported host {0:?}: use unix:///path/to/socket or tcp://host:port")]
    BadHost(String),
    #[error("Cannot connect to the Docker daemon at {0}. Is the docker daemon running?")]
    Unreachable(String),
    #[error("{0}")]
    Http(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Endpoint {
    Unix(PathBuf),
    Tcp(String),
}

impl Endpoint {
    pub fn parse(host: &str) -> Result<Self, EngineError> {
        if let Some(path) = host.strip_prefix("unix://") {
            Ok(Endpoint::Unix(PathBuf::from(path)))
        } else if let Some(addr) = host
            .strip_prefix("tcp://")
            .or_else(|| host.strip_prefix("http://"))
        {
            Ok(Endpoint::Tcp(addr.trim_end_matches('/').to_string()))
        } else if host.starts_with('/') {
            Ok(Endpoint::Unix(PathBuf::from(host)))
        } else {
            Err(EngineError::BadHost(host.to_string()))
        }
    }

    pub fn url(&self) -> String {
        match self {
            Endpoint::Unix(p) => format!("unix://{}", p.display()),
            Endpoint::Tcp(a) => format!("tcp://{a}"),
        }
    }
}

/// Where the host came from: only the default may be started for the user.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HostSource {
    Flag,
    BerthHost,
    DockerHost,
    Default,
}

/// Where berth's own engine lives: the system one, or (BERTH_ENGINE_DIR)
/// a private one under a directory, as tests and `lab test` use.
#[derive(Debug, Clone)]
pub struct EngineHome {
    pub socket: PathBuf,
    /// berthd arguments beyond the socket.
    pub args: Vec<String>,
    pub log: PathBuf,
    pub pid_file: Option<PathBuf>,
}

impl EngineHome {
    pub fn current() -> Self {
        match std::env::var_os("BERTH_ENGINE_DIR").filter(|d| !d.is_empty()) {
            Some(dir) => {
                let dir = PathBuf::from(dir);
                let mut args = vec![
                    "--data-root".to_string(),
                    dir.join("data").to_string_lossy().into_owned(),
                    "--exec-root".to_string(),
                    dir.join("exec").to_string_lossy().into_owned(),
                ];
                if let Some(parent) = std::env::var("BERTH_CGROUP_PARENT")
                    .ok()
                    .filter(|p| !p.is_empty())
                {
                    args.extend(["--cgroup-parent".to_string(), parent]);
                }
                EngineHome {
                    socket: dir.join("berth.sock"),
                    args,
                    log: dir.join("berthd.log"),
                    pid_file: Some(dir.join("berthd.pid")),
                }
            }
            None => EngineHome {
                socket: PathBuf::from(DEFAULT_HOST.trim_start_matches("unix://")),
                args: Vec::new(),
                log: PathBuf::from("/var/log/berth/berthd.log"),
                pid_file: None,
            },
        }
    }
}

pub fn resolve(flag: Option<&str>) -> Result<(Endpoint, HostSource), EngineError> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (host, source) = if let Some(h) = flag {
        (h.to_string(), HostSource::Flag)
    } else if let Some(h) = env("BERTH_HOST") {
        (h, HostSource::BerthHost)
    } else if let Some(h) = env("DOCKER_HOST") {
        (h, HostSource::DockerHost)
    } else {
        let home = EngineHome::current();
        (
            format!("unix://{}", home.socket.display()),
            HostSource::Default,
        )
    };
    Ok((Endpoint::parse(&host)?, source))
}

/// A connection to the engine: bollard for typed calls, and raw requests
/// where the CLI must show the engine's JSON as it came (inspect).
#[derive(Clone)]
pub struct Engine {
    pub docker: bollard::Docker,
    pub endpoint: Endpoint,
}

impl Engine {
    pub async fn connect(endpoint: Endpoint, source: HostSource) -> Result<Self, EngineError> {
        match Self::negotiated(&endpoint).await {
            Err(_) if source == HostSource::Default => {
                start_berthd(&endpoint, &EngineHome::current()).await?;
                Self::negotiated(&endpoint).await
            }
            result => result,
        }
    }

    /// The client at the API version both ends speak (1.41 with berthd and
    /// Debian's dockerd). The negotiation is also the check that the
    /// engine answers.
    async fn negotiated(endpoint: &Endpoint) -> Result<Self, EngineError> {
        let unreachable = || EngineError::Unreachable(endpoint.url());
        let docker = match endpoint {
            Endpoint::Unix(p) => bollard::Docker::connect_with_unix(
                &p.to_string_lossy(),
                NO_TIMEOUT_SECS,
                bollard::API_DEFAULT_VERSION,
            ),
            Endpoint::Tcp(a) => {
                bollard::Docker::connect_with_http(a, NO_TIMEOUT_SECS, bollard::API_DEFAULT_VERSION)
            }
        }
        .map_err(|_| unreachable())?;
        let docker = tokio::time::timeout(Duration::from_secs(5), docker.negotiate_version())
            .await
            .map_err(|_| unreachable())?
            .map_err(|_| unreachable())?;
        Ok(Engine {
            docker,
            endpoint: endpoint.clone(),
        })
    }

    /// Sends a request and returns once the response headers are in; the
    /// body is read later (`wait` must be registered before `start`).
    pub async fn open(
        &self,
        method: Method,
        path: &str,
    ) -> Result<Response<Incoming>, EngineError> {
        send(&self.endpoint, request(method, path, None, false)?, false).await
    }

    /// One request with the body as the engine sent it.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<(StatusCode, Bytes), EngineError> {
        raw_request(&self.endpoint, method, path, body).await
    }

    /// A request asking to take over the connection (attach, exec start):
    /// the response, whose connection hyper hands over on 101.
    pub async fn upgrade(
        &self,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Response<Incoming>, EngineError> {
        send(
            &self.endpoint,
            request(Method::POST, path, body, true)?,
            true,
        )
        .await
    }
}

fn request(
    method: Method,
    path: &str,
    body: Option<Vec<u8>>,
    upgrade: bool,
) -> Result<Request<Full<Bytes>>, EngineError> {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header("Host", "localhost")
        .header("Content-Type", "application/json");
    if upgrade {
        builder = builder
            .header("Connection", "Upgrade")
            .header("Upgrade", "tcp");
    }
    builder
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| EngineError::Http(e.to_string()))
}

/// One connection per request: berth's requests are few, and a
/// long-lived one (logs -f, wait, an attach) must not hold up others.
async fn send(
    endpoint: &Endpoint,
    request: Request<Full<Bytes>>,
    upgrades: bool,
) -> Result<Response<Incoming>, EngineError> {
    let unreachable = |_| EngineError::Unreachable(endpoint.url());
    match endpoint {
        Endpoint::Unix(p) => {
            let io = tokio::net::UnixStream::connect(p)
                .await
                .map_err(unreachable)?;
            send_on(TokioIo::new(io), request, upgrades).await
        }
        Endpoint::Tcp(a) => {
            let io = tokio::net::TcpStream::connect(a)
                .await
                .map_err(unreachable)?;
            send_on(TokioIo::new(io), request, upgrades).await
        }
    }
}

async fn send_on<IO>(
    io: IO,
    request: Request<Full<Bytes>>,
    upgrades: bool,
) -> Result<Response<Incoming>, EngineError>
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let http = |e: hyper::Error| EngineError::Http(e.to_string());
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(http)?;
    if upgrades {
        tokio::spawn(connection.with_upgrades());
    } else {
        tokio::spawn(connection);
    }
    sender.send_request(request).await.map_err(http)
}

async fn raw_request(
    endpoint: &Endpoint,
    method: Method,
    path: &str,
    body: Option<Vec<u8>>,
) -> Result<(StatusCode, Bytes), EngineError> {
    let response = send(endpoint, request(method, path, body, false)?, false).await?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| EngineError::Http(e.to_string()))?
        .to_bytes();
    Ok((status, body))
}

async fn ping(endpoint: &Endpoint) -> Result<(), EngineError> {
    let (status, _) = tokio::time::timeout(
        Duration::from_secs(5),
        raw_request(endpoint, Method::GET, "/_ping", None),
    )
    .await
    .map_err(|_| EngineError::Unreachable(endpoint.url()))??;
    if status.is_success() {
        Ok(())
    } else {
        Err(EngineError::Unreachable(endpoint.url()))
    }
}

/// berthd installed next to this binary (the install directory), else on PATH.
fn berthd_path() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?.canonicalize().ok()?;
    let beside = exe.parent()?.join("berthd");
    if beside.is_file() {
        return Some(beside);
    }
    let installed = Path::new("/usr/local/lib/berth/berthd");
    installed.is_file().then(|| installed.to_path_buf())
}

async fn start_berthd(endpoint: &Endpoint, home: &EngineHome) -> Result<(), EngineError> {
    let url = endpoint.url();
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let Some(berthd) = berthd_path() else {
        return Err(EngineError::Http(format!(
            "Cannot connect to the berth engine at {url}, and berthd is not installed next to berth. \
             Install both with ./scripts/install.sh (as root), or point DOCKER_HOST at a running engine."
        )));
    };
    if !root {
        return Err(EngineError::Http(format!(
            "Cannot connect to the berth engine at {url}. Start it as root with `sudo {}` \
             (or run berth as root once, which starts it), or point DOCKER_HOST at a running engine.",
            berthd.display()
        )));
    }
    let cannot_log =
        |e: std::io::Error| EngineError::Http(format!("cannot open {}: {e}", home.log.display()));
    if let Some(dir) = home.log.parent() {
        std::fs::create_dir_all(dir).map_err(cannot_log)?;
    }
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&home.log)
        .map_err(cannot_log)?;
    let log_err = log.try_clone().map_err(cannot_log)?;
    let mut command = std::process::Command::new(&berthd);
    command
        .arg("--host")
        .arg(&url)
        .args(&home.args)
        .stdin(std::process::Stdio::null())
        .stdout(log)
        .stderr(log_err);
    // berthd outlives this CLI: its own session, away from our terminal
    // (Ctrl-C on the shell must not reach it).
    use std::os::unix::process::CommandExt;
    // SAFETY: setsid and unshare are async-signal-safe and touch no memory.
    // `lab test` engines also get a network namespace of their own.
    let private_net = std::env::var_os("BERTH_ENGINE_PRIVATE_NET").is_some_and(|v| v == "1");
    unsafe {
        command.pre_exec(move || {
            libc::setsid();
            if private_net && libc::unshare(libc::CLONE_NEWNET) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = command
        .spawn()
        .map_err(|e| EngineError::Http(format!("cannot start {}: {e}", berthd.display())))?;
    if let Some(pid_file) = &home.pid_file {
        std::fs::write(pid_file, child.id().to_string())
            .map_err(|e| EngineError::Http(format!("cannot write {}: {e}", pid_file.display())))?;
    }
    eprintln!(
        "berth: no engine answered on {url}; started {} (pid {}, log {})",
        berthd.display(),
        child.id(),
        home.log.display()
    );
    // The first start builds the offline catalog: allow it some time.
    for _ in 0..300 {
        if ping(endpoint).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(EngineError::Http(format!(
        "started berthd, but it did not answer on {url} within 30 s; see {}",
        home.log.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_parse() {
        assert_eq!(
            Endpoint::parse("unix:///run/x.sock").unwrap(),
            Endpoint::Unix("/run/x.sock".into())
        );
        assert_eq!(
            Endpoint::parse("tcp://127.0.0.1:2375").unwrap(),
            Endpoint::Tcp("127.0.0.1:2375".into())
        );
        assert!(Endpoint::parse("ssh://me@host").is_err());
    }
}
