//! A team's resolver (README: Running it for a team): replicas on one link directory answer alike, follow
//! an atomic swap of a symlinked config directory (what git-sync and ConfigMap
//! volumes do), keep following edits inside the new target, and a restarted replica
//! answers the same at once.

use crate::daemon::{Daemon, one_link, write};

fn replica(dir: &std::path::Path) -> Daemon {
    let home = tempfile::tempdir().unwrap();
    Daemon::start_in(home, &["-c", dir.join("links").to_str().unwrap(), "--allow-host", "links.team.example"], &[])
}

fn answers(d: &Daemon) -> (Result<String, u16>, u16, Result<String, u16>) {
    (d.location("/x.example/1"), d.get("/c.example/1").status, d.location("/y.example/2"))
}

#[test]
fn three_replicas_follow_a_symlink_swap_and_edits_after_it() {
    let shared = tempfile::tempdir().unwrap();
    let root = shared.path();
    // A conflict too: replicas must agree on it as on the rest.
    write(&root.join("v1/a.toml"), &one_link("x.example", "1", "https://x.example/one"));
    write(&root.join("v1/b.toml"), &one_link("c.example", "1", "https://c.example/b"));
    write(&root.join("v1/c.toml"), &one_link("c.example", "1", "https://c.example/c"));
    std::os::unix::fs::symlink(root.join("v1"), root.join("links")).unwrap();
    let replicas: Vec<Daemon> = (0..3).map(|_| replica(root)).collect();
    for d in &replicas {
        assert_eq!(answers(d), (Ok("https://x.example/one".into()), 300, Err(404)));
    }
    // The swap: a new directory, then the symlink replaced in one rename.
    write(&root.join("v2/a.toml"), &one_link("x.example", "1", "https://x.example/two"));
    write(&root.join("v2/y.toml"), &one_link("y.example", "2", "https://y.example/2"));
    std::os::unix::fs::symlink(root.join("v2"), root.join("links.new")).unwrap();
    std::fs::rename(root.join("links.new"), root.join("links")).unwrap();
    for d in &replicas {
        d.wait_location("/x.example/1", "https://x.example/two");
        assert_eq!(answers(d), (Ok("https://x.example/two".into()), 404, Ok("https://y.example/2".into())));
    }
    // An edit inside the new target: every replica sees it.
    write(&root.join("v2/a.toml"), &one_link("x.example", "1", "https://x.example/three"));
    for d in &replicas {
        d.wait_location("/x.example/1", "https://x.example/three");
    }
    // A replica restarted answers the same at once.
    let restarted = replica(root);
    assert_eq!(answers(&restarted), answers(&replicas[0]));
    // Behind the team's name too.
    let reply = restarted.raw(b"GET /x.example/1 HTTP/1.1\r\nHost: links.team.example\r\n\r\n");
    assert!(reply.starts_with("HTTP/1.1 302"), "{reply}");
}

/// Issues 12 and 18: a replica that patched its index through edits (records inserted
/// above others, removed, an app added above the file's other apps, a new App ID)
/// lists exactly what a replica started on the same files lists, in the same order:
/// records, apps, identify's answers, and where each app's links go.
#[test]
fn a_replica_that_patched_lists_what_a_fresh_one_lists() {
    let shared = tempfile::tempdir().unwrap();
    let root = shared.path();
    let record = |name: &str, app: &str, id: &str| {
        format!(
            "\n[[person]]\nname = \"{name}\"\nlinks = [{{ app = \"{app}\", id = \"{id}\", url = \"https://{app}/same\" }}]\n"
        )
    };
    let app = |host: &str, extra: &str| format!("[apps.\"{host}\"]\nurl = \"https://{host}/t/{{id}}\"\n{extra}\n");
    let apps =
        [app("x.example", "schemes = [\"https\", \"xapp\"]\nnative = \"xapp://open/{id}\"\n"), app("y.example", "")]
            .concat();
    let (r1, r2, r3) =
        (record("One", "x.example", "1"), record("Two", "x.example", "2"), record("Three", "y.example", "3"));
    write(&root.join("links/a.toml"), &[apps.as_str(), &r1, &r2, &r3].concat());
    write(&root.join("links/b.toml"), &record("Other", "z.example", "9"));
    let running = replica(root);
    let new = record("New", "v.example", "4");
    let has = |d: &Daemon, name: &str| d.get("/api/v1/records").body.contains(&format!(r#""{name}""#));
    write(&root.join("links/a.toml"), &[apps.as_str(), &new, &r1, &r2, &r3].concat());
    running.wait_for("a record inserted", |d| has(d, "New"));
    write(&root.join("links/a.toml"), &[apps.as_str(), &new, &r1, &r3].concat());
    running.wait_for("a record removed", |d| !has(d, "Two"));
    let above = app("w.example", "open_with = [\"w-program\"]\n");
    write(
        &root.join("links/a.toml"),
        &[above.as_str(), &apps, &new, &r1, &r3, &record("W", "w.example", "5")].concat(),
    );
    running.wait_for("an app added above the others", |d| has(d, "W"));
    assert_eq!(running.status_json()["last_reload"]["patched"], true, "the edits were patched");
    let fresh = replica(root);
    let mut paths: Vec<String> =
        ["/api/v1/records", "/api/v1/apps", "/go?url=https://x.example/same", "/go?url=https://w.example/5"]
            .map(String::from)
            .into();
    for host in ["w.example", "x.example", "y.example"] {
        paths.push(format!("/{host}/7"));
        paths.push(format!("/api/v1/resolve/{host}/7"));
        paths.push(format!("/go?url=https://{host}/t/8"));
    }
    for path in &paths {
        let (a, b) = (running.get(path), fresh.get(path));
        assert_eq!((a.status, a.header("location"), &a.body), (b.status, b.header("location"), &b.body), "{path}");
    }
    for host in ["w.example", "x.example", "y.example"] {
        assert_eq!(running.location(&format!("/{host}/7")), Ok(format!("https://{host}/t/7")), "{host}");
    }
}

#[test]
fn metrics_in_the_prometheus_text_format_and_bounded() {
    let shared = tempfile::tempdir().unwrap();
    write(&shared.path().join("links/a.toml"), &one_link("x.example", "1", "https://x.example/one"));
    write(&shared.path().join("links/broken.toml"), "[[person]\n");
    let d = replica(shared.path());
    d.location("/x.example/1").unwrap();
    assert_eq!(d.get("/x.example/404").status, 404);
    let first = d.get("/metrics");
    assert_eq!(first.status, 200);
    assert!(first.header("content-type").unwrap().starts_with("text/plain; version=0.0.4"));
    for line in [
        "applinkd_requests_total{route=\"redirect\",status=\"302\"} 1",
        "applinkd_requests_total{route=\"redirect\",status=\"404\"} 1",
        "applinkd_links 1",
        "applinkd_records 1",
        "applinkd_files 2",
        "applinkd_files_with_errors 1",
        "applinkd_reloads 0",
        "applinkd_build_info{version=\"",
        "# TYPE applinkd_request_duration_seconds histogram",
        "applinkd_last_reload_duration_seconds ",
    ] {
        assert!(first.body.contains(line), "{line}:\n{}", first.body);
    }
    // Many different ids and paths make no new series.
    for n in 0..200 {
        d.get(&format!("/x.example/{n}"));
        d.get(&format!("/nowhere-{n}"));
    }
    let series = |body: &str| body.lines().filter(|l| !l.starts_with('#')).count();
    let after = d.get("/metrics").body;
    assert!(series(&after) <= series(&first.body) + 30, "{after}");
    // Behind the Host guard like everything else.
    let refused = d.raw(b"GET /metrics HTTP/1.1\r\nHost: evil.example\r\n\r\n");
    assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
}
