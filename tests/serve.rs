//! `applinkd serve` over real HTTP: every route, every status, the guards.

use crate::daemon::{Daemon, one_link};
use crate::test::{ADA, APPS};

const ACME: &str = r#"
[[company]]
name = "Acme <Corp> & \"Sons\""
links = [{ app = "salesforce.com", id = "0015g", url = "https://acme.lightning.force.com/r/0015g" }]
"#;

fn daemon() -> Daemon {
    Daemon::start(&[("links/apps.toml", APPS), ("links/people.toml", &format!("{ADA}{ACME}"))])
}

#[test]
fn redirect() {
    let d = daemon();
    let reply = d.get("/mailchimp.com/48616032");
    assert_eq!(reply.status, 302);
    assert_eq!(reply.header("location"), Some("https://us1.admin.mailchimp.com/lists/members/view?id=48616032"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(d.location("/github.com/ada"), Ok("https://github.com/ada".into()));
    assert_eq!(d.location("/MailChimp.COM/7"), Ok("https://us1.admin.mailchimp.com/lists/members/view?id=7".into()));
    assert_eq!(d.location("/mailchimp.net/7"), Ok("https://us1.admin.mailchimp.com/lists/members/view?id=7".into()));
}

#[test]
fn head_redirects_without_a_body() {
    let d = daemon();
    let reply = d.head("/zendesk.com/991");
    assert_eq!(reply.status, 302);
    assert_eq!(reply.header("location"), Some("https://acme.zendesk.com/agent/users/991"));
    assert_eq!(reply.body, "");
}

#[test]
fn to_another_app() {
    let d = daemon();
    assert_eq!(d.location("/zendesk.com/991?to=github.com"), Ok("https://github.com/ada".into()));
    assert_eq!(d.location("/zendesk.com/991?to=asana.com"), Err(404));
}

#[test]
fn hostile_ids_get_exact_locations() {
    let d = daemon();
    for (path, url) in [
        ("/zendesk.com/a%2Fb", "https://acme.zendesk.com/agent/users/a%2Fb"),
        ("/zendesk.com/a/b", "https://acme.zendesk.com/agent/users/a%2Fb"),
        ("/zendesk.com/..%2Fx", "https://acme.zendesk.com/agent/users/..%2Fx"),
        ("/zendesk.com/%252F", "https://acme.zendesk.com/agent/users/%252F"),
        ("/zendesk.com/a%3Fb%23c", "https://acme.zendesk.com/agent/users/a%3Fb%23c"),
        ("/zendesk.com/zo%C3%AB", "https://acme.zendesk.com/agent/users/zo%C3%AB"),
        ("/zendesk.com/%40evil.example", "https://acme.zendesk.com/agent/users/%40evil.example"),
        ("/zendesk.com/a%20b", "https://acme.zendesk.com/agent/users/a%20b"),
    ] {
        assert_eq!(d.location(path), Ok(url.to_owned()), "{path}");
    }
    let long = "x".repeat(1024);
    assert_eq!(d.location(&format!("/zendesk.com/{long}")), Ok(format!("https://acme.zendesk.com/agent/users/{long}")));
}

#[test]
fn bad_requests_get_400_and_the_next_one_is_served() {
    let d = daemon();
    for path in [
        "/zendesk.com/%zz",
        "/zendesk.com/%f",
        "/zendesk.com/%ff%fe",
        "/zendesk.com/%00",
        "/zendesk.com/%20x",
        "/zendesk.com/..",
    ] {
        assert_eq!(d.get(path).status, 400, "{path}");
        assert_eq!(d.location("/zendesk.com/1"), Ok("https://acme.zendesk.com/agent/users/1".into()));
    }
    assert_eq!(d.get(&format!("/zendesk.com/{}", "x".repeat(1025))).status, 400);
    assert_eq!(d.get(&format!("/zendesk.com/{}", "%41".repeat(1400))).status, 400);
    let huge_header =
        format!("GET /zendesk.com/1 HTTP/1.1\r\nHost: {}\r\nX-Big: {}\r\n\r\n", d.addr, "y".repeat(20_000));
    assert!(d.raw(huge_header.as_bytes()).starts_with("HTTP/1.1 431"), "oversize head");
    assert!(d.raw(b"NONSENSE\r\n\r\n").starts_with("HTTP/1.1 400"));
    assert_eq!(d.location("/zendesk.com/1"), Ok("https://acme.zendesk.com/agent/users/1".into()));
}

#[test]
fn other_methods_get_405() {
    let d = daemon();
    let reply = d.post("/zendesk.com/1");
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("GET, HEAD"));
    for method in ["PUT", "DELETE", "OPTIONS", "PATCH"] {
        let answer = d.raw(
            format!(
                "{method} /zendesk.com/1 HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
                d.addr
            )
            .as_bytes(),
        );
        assert!(answer.starts_with("HTTP/1.1 405"), "{method}: {answer}");
    }
}

#[test]
fn not_found_page_names_the_lookup_and_what_is_close() {
    let d = daemon();
    let reply = d.get("/mailchimp.co/48616032");
    assert_eq!(reply.status, 404);
    assert!(reply.header("content-type").unwrap().starts_with("text/html"));
    assert!(reply.body.contains("<code>mailchimp.co</code> <code>48616032</code>"), "{}", reply.body);
    assert!(reply.body.contains("href=\"/mailchimp.com/48616032\""), "{}", reply.body);
    let reply = d.get("/github.com/nobody");
    assert_eq!(reply.status, 404);
    assert!(reply.body.contains("has no URL template"));
    assert_eq!(d.get("/mailchimp.com").status, 404);
    assert_eq!(d.get("/favicon.ico").status, 404);
}

#[test]
fn json_api() {
    let d = daemon();
    let reply = d.get("/api/v1/resolve/zendesk.com/991");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(json["url"], "https://acme.zendesk.com/agent/users/991");
    assert_eq!(json["app"], "zendesk.com");
    assert_eq!(json["id"], "991");
    assert_eq!(json["record"]["name"], "Ada Lovelace");
    let json: serde_json::Value =
        serde_json::from_str(&d.get("/api/v1/resolve/zendesk.com/991?to=github.com").body).unwrap();
    assert_eq!(json["url"], "https://github.com/ada");
    let reply = d.get("/api/v1/resolve/nope.example/1");
    assert_eq!(reply.status, 404);
    let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(json["error"]["code"], "unknown_app");
    assert_eq!(d.get("/api/v1/resolve/zendesk.com/%zz").status, 400);
    assert_eq!(d.get("/api/v2/anything").status, 404);

    let status = d.status_json();
    assert_eq!(status["ok"], true);
    assert_eq!(status["links"], 4);
    assert_eq!(status["records"], 2);
    assert_eq!(status["files"].as_array().unwrap().len(), 2);
    assert_eq!(status["last_reload"]["generation"], 0);

    let apps: serde_json::Value = serde_json::from_str(&d.get("/api/v1/apps").body).unwrap();
    assert_eq!(apps["apps"][0]["id"], "mailchimp.com");
    assert_eq!(apps["apps"][0]["formerly"][0], "mailchimp.net");
    let records: serde_json::Value = serde_json::from_str(&d.get("/api/v1/records?q=acme").body).unwrap();
    assert_eq!(records["total"], 1);
    assert_eq!(records["records"][0]["kind"], "company");
}

#[test]
fn healthz() {
    let d = daemon();
    let reply = d.get("/healthz");
    assert_eq!((reply.status, reply.body.as_str()), (200, "ok\n"));
}

#[test]
fn index_page_lists_records_escaped_and_searches() {
    let d = daemon();
    let reply = d.get("/");
    assert_eq!(reply.status, 200);
    assert!(reply.header("content-security-policy").unwrap().contains("default-src 'none'"));
    let page = reply.body;
    assert!(page.contains("Ada Lovelace"));
    assert!(page.contains("href=\"/mailchimp.com/48616032\""));
    assert!(page.contains("Acme &lt;Corp&gt; &amp; &quot;Sons&quot;"), "names are escaped");
    assert!(!page.contains("<Corp>"));
    let found = d.get("/?q=ACME").body;
    assert!(found.contains("Acme &lt;Corp&gt;") && !found.contains("Ada Lovelace"));
    let found = d.get("/?q=%3Cscript%3E").body;
    assert!(found.contains("&lt;script&gt;") && !found.contains("<script>"));
}

#[test]
fn host_guard() {
    let d = daemon();
    let request = |host: &str| {
        d.raw(format!("GET /zendesk.com/1 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes())
    };
    let port = d.addr.port();
    for allowed in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        format!("applink.localhost:{port}"),
    ] {
        assert!(request(&allowed).starts_with("HTTP/1.1 302"), "{allowed}");
    }
    for refused in [
        "evil.example".to_owned(),
        format!("evil.example:{port}"),
        format!("127.0.0.1.evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        "".to_owned(),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
    ] {
        let answer = request(&refused);
        assert!(answer.starts_with("HTTP/1.1 403"), "{refused}: {answer}");
        assert!(answer.contains("--allow-host"));
    }
    let no_host = d.raw(b"GET /zendesk.com/1 HTTP/1.0\r\n\r\n");
    assert!(no_host.starts_with("HTTP/1.0 403") || no_host.starts_with("HTTP/1.1 403"), "{no_host}");
    let absolute = d.raw(
        format!(
            "GET http://evil.example/zendesk.com/1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    );
    assert!(absolute.starts_with("HTTP/1.1 403"), "{absolute}");
    assert_eq!(d.location("/zendesk.com/1"), Ok("https://acme.zendesk.com/agent/users/1".into()));
}

#[test]
fn allow_host() {
    let dir = tempfile::tempdir().unwrap();
    crate::daemon::write(&dir.path().join("links/apps.toml"), APPS);
    let d = Daemon::start_in(
        dir,
        &["-c", "links", "--allow-host", "links.example", "--allow-host", "pinned.example:8443"],
        &[],
    );
    let request = |host: &str| {
        d.raw(format!("GET /zendesk.com/1 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes())
    };
    // A name alone: with any port, or none (a proxy in front sends `links.example:443`).
    let port = d.addr.port();
    for host in [
        format!("links.example:{port}"),
        "links.example:443".into(),
        "links.example".into(),
        "pinned.example:8443".into(),
    ] {
        let answer = request(&host);
        assert!(answer.starts_with("HTTP/1.1 302"), "{host}: {answer}");
    }
    // A name with a port: that port only; other names never.
    for host in ["pinned.example:443", "pinned.example", "sub.links.example:443", "links.example.evil:443"] {
        let answer = request(host);
        assert!(answer.starts_with("HTTP/1.1 403"), "{host}: {answer}");
    }
}

#[test]
fn no_cors_headers() {
    let d = daemon();
    let answer = d.raw(
        format!(
            "GET /api/v1/status HTTP/1.1\r\nHost: {}\r\nOrigin: https://evil.example\r\nConnection: close\r\n\r\n",
            d.addr
        )
        .as_bytes(),
    );
    assert!(answer.starts_with("HTTP/1.1 200"));
    assert!(!answer.to_ascii_lowercase().contains("access-control-"), "{answer}");
}

#[test]
fn sigterm_stops_cleanly() {
    let d = daemon();
    assert_eq!(d.get("/healthz").status, 200);
    assert_eq!(d.terminate(), Some(0));
}

#[test]
fn first_run_creates_a_starter_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start_in(dir, &[], &[]);
    let starter = d.path("xdg-config/applinkd/links.toml");
    assert!(starter.is_file(), "{}", d.log());
    assert!(d.log().contains(&format!("created {}", starter.display())), "{}", d.log());
    assert_eq!(d.status_json()["errors"], 0);
}

#[test]
fn a_broken_file_shows_its_error_and_keeps_nothing_else_from_working() {
    let d = Daemon::start(&[
        ("links/apps.toml", APPS),
        ("links/bad.toml", "[[person]\n"),
        ("links/ok.toml", &one_link("a.example", "1", "https://a.example/1")),
    ]);
    assert_eq!(d.location("/a.example/1"), Ok("https://a.example/1".into()));
    let status = d.status_json();
    assert_eq!(status["ok"], false);
    assert_eq!(status["diagnostics"][0]["labels"][0]["line"], 1);
    let page = d.get("/").body;
    assert!(page.contains("bad.toml:1:10: error: unclosed array table"), "{page}");
}

#[test]
fn a_flood_of_connections_leaves_descriptors_for_reloads() {
    // Issue 10.2: connection slots come from the descriptor limit, with a reserve,
    // so a reload during a flood reads its files (a failed walk once emptied the index).
    let dir = tempfile::tempdir().unwrap();
    crate::daemon::write(&dir.path().join("links/apps.toml"), APPS);
    let d = Daemon::start_with_fd_limit(dir, 64, &["-c", "links"]);
    let held: Vec<_> = (0..120).map(|_| std::net::TcpStream::connect(d.addr).unwrap()).collect();
    crate::daemon::write(
        &d.path("links/people.toml"),
        &crate::daemon::one_link("x.example", "1", "https://x.example/1"),
    );
    d.wait_for("the reload during the flood", |d| d.log().contains("reloaded"));
    drop(held);
    d.wait_for("the daemon to serve again", |d| d.get("/healthz").status == 200);
    assert_eq!(d.location("/x.example/1"), Ok("https://x.example/1".into()));
    assert_eq!(d.location("/zendesk.com/1"), Ok("https://acme.zendesk.com/agent/users/1".into()));
    assert!(!d.log().contains("accept failed"), "{}", d.log());
    assert_eq!(d.status_json()["errors"], 0, "{}", d.log());
}

#[test]
fn debug_logs_one_line_per_request() {
    let dir = tempfile::tempdir().unwrap();
    crate::daemon::write(&dir.path().join("links/apps.toml"), APPS);
    let d = Daemon::start_in(dir, &["-c", "links"], &[("RUST_LOG", "debug")]);
    d.get("/zendesk.com/77");
    d.wait_for("the request line in the log", |d| d.log().contains("target=/zendesk.com/77 status=302"));
}
