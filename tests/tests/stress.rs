//! Concurrency and bad input.

use berth_tests::TestDaemon;

#[test]
fn fifty_concurrent_runs_succeed_and_leave_nothing() {
    let d = TestDaemon::start();
    let results: Vec<std::process::Output> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|_| s.spawn(|| d.docker(&["run", "--rm", "busybox", "true"])))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for out in &results {
        assert!(
            out.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&out.stderr),
            berth_tests::tail(&d.log(), 30)
        );
    }
    assert_eq!(d.ok(&["ps", "-a", "-q"]), "");
    assert_eq!(d.leftovers(), Vec::<String>::new());
}

#[test]
fn malformed_create_bodies_get_400_with_a_message() {
    let d = TestDaemon::start();
    for body in [
        &b"{not json"[..],
        b"",
        b"[1,2]",
        b"{\"Image\": 42}",
        b"{\"Cmd\": [\"true\"]}",
    ] {
        let (status, text) = d
            .api("POST", "/v1.41/containers/create", Some(body))
            .unwrap();
        assert_eq!(
            status,
            400,
            "{:?} -> {status} {text}",
            String::from_utf8_lossy(body)
        );
        let json: serde_json::Value = serde_json::from_str(text.trim()).unwrap_or_default();
        assert!(
            json["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{text}"
        );
    }
    // unknown fields are ignored, as Docker does
    let (status, text) = d
        .api(
            "POST",
            "/containers/create",
            Some(br#"{"Image":"busybox","NoSuchField":1}"#),
        )
        .unwrap();
    assert_eq!(status, 201, "{text}");
    let (status, text) = d.api("GET", "/containers/nope/json", None).unwrap();
    assert_eq!(status, 404);
    assert!(text.contains("No such container: nope"), "{text}");
}
