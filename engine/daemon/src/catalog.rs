//! The offline image catalog: images berthd builds itself, deterministically
//! (sorted entries, fixed times and owners), so every fresh data root gets
//! the same IDs and `docker pull` of them works without a network.

use berth_store::{
    ContainerDefaults, Digest, History, ImageConfigFile, ImageStore, LayerBuilder, NewLayer,
    Reference, StoreError,
};

/// 2026-01-01T00:00:00Z: the fixed creation time of catalog images.
const CREATED_UNIX: u64 = 1_767_225_600;
const CREATED: &str = "2026-01-01T00:00:00Z";
const CATALOG_LABEL: &str = "io.berth.catalog";
const HOST_BUSYBOX: &str = "/bin/busybox";
const PATH_ENV: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const HELLO_BINARY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/hello"));
const COWSAY: &str = include_str!("../../../courseware/catalog/cowsay.sh");

/// The images the guide uses, by their familiar names.
pub const NAMES: [&str; 3] = ["busybox", "hello-world", "docker/whalesay"];

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{0} is not in berth's offline catalog (it has: {list})", list = NAMES.join(", "))]
    Unknown(String),
    #[error(
        "the busybox image is built from the host's {HOST_BUSYBOX} (Debian package busybox-static): {0}"
    )]
    NoBusybox(std::io::Error),
    #[error("the busybox binary at {HOST_BUSYBOX} has no applet table berth can read")]
    NoApplets,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing a layer: {0}")]
    Layer(std::io::Error),
}

/// The catalog entry a reference names, if any (only `latest` tags).
pub fn lookup(reference: &Reference) -> Option<&'static str> {
    if reference.digest.is_some() || reference.tag.as_deref() != Some("latest") {
        return None;
    }
    let name = reference.familiar_name();
    NAMES.into_iter().find(|n| *n == name)
}

fn labels() -> std::collections::BTreeMap<String, String> {
    [(CATALOG_LABEL.to_string(), "true".to_string())].into()
}

fn history(created_by: &str) -> History {
    History {
        created: Some(CREATED.into()),
        created_by: Some(created_by.into()),
        comment: Some("berth offline catalog".into()),
        ..Default::default()
    }
}

fn config(env: bool, cmd: &[&str], history: Vec<History>) -> ImageConfigFile {
    ImageConfigFile {
        architecture: crate::host::docker_arch().to_string(),
        os: "linux".into(),
        created: Some(CREATED.into()),
        config: Some(ContainerDefaults {
            env: env.then(|| vec![PATH_ENV.to_string()]),
            cmd: Some(cmd.iter().map(|s| s.to_string()).collect()),
            labels: Some(labels()),
            ..Default::default()
        }),
        history,
        ..Default::default()
    }
}

/// The applet names compiled into busybox: a sorted, NUL-separated table
/// starting "[\0[[\0". Read from the file, so no binary is ever run.
fn busybox_applets(binary: &[u8]) -> Option<Vec<String>> {
    let start = binary.windows(5).position(|w| w == b"[\0[[\0")?;
    let mut names = Vec::new();
    for raw in binary[start..].split(|b| *b == 0) {
        if raw.is_empty() {
            break;
        }
        let name = std::str::from_utf8(raw).ok()?;
        if !name.bytes().all(|b| b.is_ascii_graphic()) || name.contains('/') {
            return None;
        }
        names.push(name.to_string());
    }
    let sorted = names.windows(2).all(|w| w[0] < w[1]);
    (names.len() > 10 && sorted).then_some(names)
}

fn busybox_layer() -> Result<NewLayer, CatalogError> {
    let binary = std::fs::read(HOST_BUSYBOX).map_err(CatalogError::NoBusybox)?;
    let applets = busybox_applets(&binary).ok_or(CatalogError::NoApplets)?;
    let mut layer = LayerBuilder::new(CREATED_UNIX);
    layer.file("bin/busybox", 0o755, binary);
    for applet in applets.iter().filter(|a| *a != "busybox") {
        layer.hardlink(&format!("bin/{applet}"), "bin/busybox");
    }
    for (dir, mode) in [
        ("dev", 0o755),
        ("etc", 0o755),
        ("home", 0o755),
        ("proc", 0o555),
        ("root", 0o700),
        ("sys", 0o555),
        ("tmp", 0o1777),
        ("usr/bin", 0o755),
        ("usr/sbin", 0o755),
        ("var", 0o755),
        ("var/spool/mail", 0o755),
        ("var/www", 0o755),
    ] {
        layer.dir(dir, mode);
    }
    layer.file(
        "etc/passwd",
        0o644,
        "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nbin:x:2:2:bin:/bin:/bin/false\nsys:x:3:3:sys:/dev:/bin/false\nsync:x:4:100:sync:/bin:/bin/sync\nmail:x:8:8:mail:/var/spool/mail:/bin/false\nwww-data:x:33:33:www-data:/var/www:/bin/false\noperator:x:37:37:Operator:/var:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
    );
    layer.file(
        "etc/group",
        0o644,
        "root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nadm:x:4:\ntty:x:5:\ndisk:x:6:\nwheel:x:10:root\nmail:x:12:\nwww-data:x:33:\noperator:x:37:\nusers:x:100:\nnogroup:x:65534:\n",
    );
    Ok(NewLayer {
        tar: layer.build().map_err(CatalogError::Layer)?,
    })
}

fn build(name: &str) -> Result<(ImageConfigFile, Vec<NewLayer>), CatalogError> {
    let busybox_history = "ADD busybox (the host's busybox-static) and its applets in /bin";
    match name {
        "busybox" => Ok((
            config(true, &["sh"], vec![history(busybox_history)]),
            vec![busybox_layer()?],
        )),
        "hello-world" => {
            let mut layer = LayerBuilder::new(CREATED_UNIX);
            layer.file("hello", 0o755, HELLO_BINARY);
            Ok((
                config(false, &["/hello"], vec![history("COPY hello /")]),
                vec![NewLayer {
                    tar: layer.build().map_err(CatalogError::Layer)?,
                }],
            ))
        }
        "docker/whalesay" => {
            let mut layer = LayerBuilder::new(CREATED_UNIX);
            layer.file("usr/local/bin/cowsay", 0o755, COWSAY);
            Ok((
                config(
                    true,
                    &["/bin/sh"],
                    vec![
                        history(busybox_history),
                        history("COPY cowsay /usr/local/bin/cowsay"),
                    ],
                ),
                vec![
                    busybox_layer()?,
                    NewLayer {
                        tar: layer.build().map_err(CatalogError::Layer)?,
                    },
                ],
            ))
        }
        other => Err(CatalogError::Unknown(other.to_string())),
    }
}

/// Builds one catalog image into the store and tags it `NAME:latest`.
pub fn install(store: &ImageStore, name: &str) -> Result<Digest, CatalogError> {
    let (config, layers) = build(name)?;
    let id = store.commit_image(config, layers)?;
    let reference = Reference::parse(name)?;
    store.tag(&reference, &id)?;
    Ok(id)
}

pub fn seed(store: &ImageStore) -> Result<(), CatalogError> {
    for name in NAMES {
        install(store, name)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applet_table_is_found_and_validated() {
        let mut fake = b"junk\0\x7fELF".to_vec();
        fake.extend_from_slice(b"[\0[[\0");
        for n in [
            "ash", "cat", "echo", "ls", "mkdir", "mv", "rm", "sh", "sleep", "top", "true",
        ] {
            fake.extend_from_slice(n.as_bytes());
            fake.push(0);
        }
        fake.push(0);
        let applets = busybox_applets(&fake).unwrap();
        assert_eq!(applets.first().unwrap(), "[");
        assert_eq!(applets.last().unwrap(), "true");
        assert!(busybox_applets(b"no table here").is_none());
    }

    #[test]
    fn catalog_references() {
        assert_eq!(
            lookup(&Reference::parse("busybox").unwrap()),
            Some("busybox")
        );
        assert_eq!(
            lookup(&Reference::parse("docker.io/docker/whalesay:latest").unwrap()),
            Some("docker/whalesay")
        );
        assert_eq!(lookup(&Reference::parse("busybox:1.0").unwrap()), None);
        assert_eq!(lookup(&Reference::parse("ubuntu").unwrap()), None);
    }

    #[test]
    fn hello_world_is_tiny_and_static() {
        assert!(HELLO_BINARY.starts_with(b"\x7fELF"));
        assert!(HELLO_BINARY.len() < 64 * 1024);
    }
}
