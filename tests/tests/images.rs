//! The offline catalog, pull, and image commands.

use berth_tests::{TestDaemon, stderr};

#[test]
fn fresh_data_roots_get_identical_catalog_ids() {
    let a = TestDaemon::start();
    let b = TestDaemon::start();
    let ids = |d: &TestDaemon| {
        d.ok(&[
            "images",
            "--no-trunc",
            "--format",
            "{{.Repository}} {{.ID}}",
        ])
    };
    let (ia, ib) = (ids(&a), ids(&b));
    assert_eq!(ia.lines().count(), 3, "{ia}");
    assert_eq!(ia, ib);
}

#[test]
fn pull_works_offline_for_catalog_images() {
    let d = TestDaemon::start();
    let out = d.ok(&["pull", "busybox"]);
    assert!(
        out.contains("Image is up to date for busybox:latest"),
        "{out}"
    );
    d.ok(&["image", "pull", "busybox"]);
    d.ok(&["rmi", "hello-world"]);
    let out = d.docker(&["run", "hello-world"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("Unable to find image 'hello-world:latest' locally"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Hello from berth!"));
    let out = d.docker(&["pull", "nginx"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not in its image catalog"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn tag_history_and_rmi() {
    let d = TestDaemon::start();
    d.ok(&["tag", "busybox", "mybox:v1"]);
    let images = d.ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert!(images.contains("mybox:v1"), "{images}");
    let history = d.ok(&["history", "docker/whalesay"]);
    assert_eq!(history.lines().count(), 3, "{history}");
    assert!(history.contains("cowsay"), "{history}");
    let out = d.ok(&["rmi", "mybox:v1"]);
    assert_eq!(out.trim(), "Untagged: mybox:v1");
    d.ok(&["create", "busybox"]);
    let out = d.docker(&["rmi", "busybox"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("conflict"), "{}", stderr(&out));
    let out = d.ok(&["rmi", "hello-world"]);
    assert!(
        out.contains("Untagged: hello-world:latest") && out.contains("Deleted: sha256:"),
        "{out}"
    );
    assert!(!d.ok(&["images"]).contains("hello-world"));
}
