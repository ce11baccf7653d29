//! `applinkd open`: the browser gets exactly the resolved URL as one argument,
//! with and without a daemon; refusals never reach a browser.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::daemon::{DEADLINE, Daemon, write};
use crate::test::APPS;

/// A stand-in browser: records its arguments, NUL-separated, in `out`.
pub fn stub(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let program = dir.join(name);
    let out = dir.join(format!("{name}.args"));
    let script = format!(
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done > '{out}.tmp' && mv '{out}.tmp' '{out}'\n",
        out = out.display()
    );
    std::fs::write(&program, script).unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    (program, out)
}

/// The arguments the stub received, once it has run.
pub fn received(out: &Path) -> Vec<String> {
    let started = Instant::now();
    while !out.exists() {
        assert!(started.elapsed() < DEADLINE, "the stub was never run");
        std::thread::sleep(std::time::Duration::from_millis(10)); // poll interval of a deadline-bounded wait
    }
    let bytes = std::fs::read(out).unwrap();
    bytes.split(|&b| b == 0).filter(|a| !a.is_empty()).map(|a| String::from_utf8(a.to_vec()).unwrap()).collect()
}

pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `applinkd ARGS` in `dir` with a stub `$BROWSER` and `env`.
pub fn applinkd(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    // No desktop notifications from tests unless a test brings its own bus.
    let mut command = crate::test::clean(crate::test::binary(), dir);
    command.args(args).current_dir(dir);
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("links/apps.toml"), APPS);
    let (browser, out) = stub(dir.path(), "browser");
    (dir, browser, out)
}

#[test]
fn dry_run_prints_the_url_and_how() {
    let (dir, browser, out) = setup();
    let run = applinkd(
        dir.path(),
        &["open", "-c", "links", "--dry-run", "applink://zendesk.com/991"],
        &[("BROWSER", browser.to_str().unwrap())],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    // One format on stdout for every kind of target (issue 20): the URL, then how and why.
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "https://acme.zendesk.com/agent/users/991", "{}", run.stdout);
    assert!(lines[1].starts_with("  with: the web browser ($BROWSER: "), "{}", run.stdout);
    assert_eq!(lines[2], "  record: zendesk.com (Zendesk) 991", "{}", run.stdout);
    assert!(lines[3].starts_with("  why: `zendesk.com 991`"), "{}", run.stdout);
    assert_eq!(lines[4], "  via: the link files");
    assert_eq!(run.stderr, "");
    assert!(!out.exists(), "a dry run opens nothing");
}

#[test]
fn the_browser_gets_exactly_the_url_as_one_argument() {
    for (target, url) in [
        ("applink://zendesk.com/991", "https://acme.zendesk.com/agent/users/991"),
        ("applink://zendesk.com/a%2Fb", "https://acme.zendesk.com/agent/users/a%2Fb"),
        ("applink://zendesk.com/a%20b%3Bc", "https://acme.zendesk.com/agent/users/a%20b%3Bc"),
        ("applink://zendesk.com/%24(touch%20x)", "https://acme.zendesk.com/agent/users/%24%28touch%20x%29"),
        ("applink://zendesk.com/%60id%60", "https://acme.zendesk.com/agent/users/%60id%60"),
        ("applink://zendesk.com/-rf", "https://acme.zendesk.com/agent/users/-rf"),
        ("applink://zendesk.com/zo%C3%AB", "https://acme.zendesk.com/agent/users/zo%C3%AB"),
        ("applink://MailChimp.com/48616032", "https://us1.admin.mailchimp.com/lists/members/view?id=48616032"),
    ] {
        let (dir, browser, out) = setup();
        let run = applinkd(dir.path(), &["open", "-c", "links", target], &[("BROWSER", browser.to_str().unwrap())]);
        assert_eq!(run.status, 0, "{target}: {}", run.stderr);
        assert_eq!(received(&out), [url], "{target}");
        assert!(!dir.path().join("x").exists(), "nothing ran through a shell");
    }
}

#[test]
fn with_a_daemon_it_asks_the_daemon() {
    let d = Daemon::start(&[("links/apps.toml", APPS)]);
    let (browser, out) = stub(d.dir.path(), "browser");
    let base = d.url("");
    let env = [("BROWSER", browser.to_str().unwrap()), ("APPLINKD_URL", base.as_str())];
    let run = applinkd(d.dir.path(), &["open", "--dry-run", "applink://zendesk.com/a%2Fb"], &env);
    assert!(run.stdout.starts_with("https://acme.zendesk.com/agent/users/a%2Fb\n"), "{}", run.stderr);
    assert!(run.stdout.ends_with(&format!("  via: the daemon at {base}\n")), "{}", run.stdout);
    let run = applinkd(d.dir.path(), &["open", "applink://zendesk.com/a%2Fb"], &env);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(received(&out), ["https://acme.zendesk.com/agent/users/a%2Fb"]);
    // resolve asks the daemon too, and the daemon's not-found is the answer.
    let run = applinkd(d.dir.path(), &["resolve", "nope.example", "1"], &env);
    assert_eq!(run.status, 1);
    assert!(run.stderr.contains("`nope.example` is not an App ID any link file knows"), "{}", run.stderr);
}

#[test]
fn without_a_daemon_it_reads_the_default_files() {
    let (dir, browser, out) = setup();
    let config = dir.path().join("links");
    let env = [("BROWSER", browser.to_str().unwrap()), ("APPLINKD_CONFIG", config.to_str().unwrap())];
    let run = applinkd(dir.path(), &["open", "applink://zendesk.com/7"], &env);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(received(&out), ["https://acme.zendesk.com/agent/users/7"]);
}

#[test]
fn daemon_down_and_files_broken_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("links/apps.toml"), "[apps.\"zendesk.com\"\n");
    let (browser, out) = stub(dir.path(), "browser");
    let config = dir.path().join("links");
    let env = [("BROWSER", browser.to_str().unwrap()), ("APPLINKD_CONFIG", config.to_str().unwrap())];
    let run = applinkd(dir.path(), &["open", "applink://zendesk.com/7"], &env);
    assert_eq!(run.status, 1);
    assert!(run.stderr.contains("warning: 1 error(s) in the link files"), "{}", run.stderr);
    assert!(run.stderr.contains("error: `zendesk.com` is not an App ID any link file knows"), "{}", run.stderr);
    assert!(!out.exists());
}

#[test]
fn no_browser_fails_clearly() {
    let (dir, _, _) = setup();
    let run = applinkd(
        dir.path(),
        &["open", "-c", "links", "applink://zendesk.com/7"],
        &[("BROWSER", "/nonexistent/browser"), ("PATH", "/nonexistent")],
    );
    assert_eq!(run.status, 1);
    assert!(
        run.stderr
            .contains("error: cannot open https://acme.zendesk.com/agent/users/7: $BROWSER is `/nonexistent/browser`, and none of its commands could be started"),
        "{}",
        run.stderr
    );
}

#[test]
fn open_with_names_the_program() {
    let dir = tempfile::tempdir().unwrap();
    let (program, out) = stub(dir.path(), "firefox");
    write(
        &dir.path().join("links/apps.toml"),
        &format!(
            "[apps.\"a.example\"]\nurl = \"https://a.example/{{id}}\"\nopen_with = [\"{}\", \"--new-window\"]\n",
            program.display()
        ),
    );
    let run = applinkd(dir.path(), &["open", "-c", "links", "--dry-run", "a.example", "x y"], &[]);
    assert!(run.stdout.starts_with("https://a.example/x%20y\n"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("  with: {} --new-window (the app's `open_with`)", program.display())),
        "{}",
        run.stdout
    );
    let run = applinkd(dir.path(), &["open", "-c", "links", "a.example", "x y"], &[]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(received(&out), ["--new-window", "https://a.example/x%20y"]);
}

#[test]
fn other_schemes_go_to_the_system_opener() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("links/apps.toml"),
        "[apps.\"slack.com\"]\nurl = \"slack://user?team=T1&id={id}\"\nschemes = [\"slack\"]\n",
    );
    let run = applinkd(dir.path(), &["open", "-c", "links", "--dry-run", "applink://slack.com/U1"], &[]);
    assert!(run.stdout.starts_with("slack://user?team=T1&id=U1\n"), "{}", run.stdout);
    assert!(run.stdout.contains("  with: xdg-open"), "{}", run.stdout);
}

/// A fake daemon answering every request with `body` as a resolution.
fn fake_daemon(body: String) -> String {
    format!("http://{}", crate::daemon::canned_server("application/json", body))
}

#[test]
fn refuses_what_a_daemon_must_never_make_it_open() {
    for url in [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,x",
        "applink://a.example/1",
        "-x",
        "--new-window",
        "/relative",
        "vbscript:x",
        "blob:https://a/b",
    ] {
        let (dir, browser, out) = setup();
        let body = serde_json::json!({"url": url, "app": "a.example", "id": "1"}).to_string();
        let base = fake_daemon(body);
        let run = applinkd(
            dir.path(),
            &["open", "applink://a.example/1"],
            &[("BROWSER", browser.to_str().unwrap()), ("APPLINKD_URL", &base)],
        );
        assert_eq!(run.status, 1, "{url} was not refused: {}", run.stderr);
        assert!(run.stderr.contains("error: refusing the answer"), "{url}: {}", run.stderr);
        assert!(!out.exists(), "{url} reached the browser");
    }
}

#[test]
fn refuses_an_applink_target_in_the_files() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("links/a.toml"),
        "[[person]]\nname = \"x\"\nlinks = [{ app = \"a.example\", id = \"1\", url = \"applink://a.example/1\" }]\n",
    );
    let (browser, out) = stub(dir.path(), "browser");
    let run = applinkd(
        dir.path(),
        &["open", "-c", "links", "applink://a.example/1"],
        &[("BROWSER", browser.to_str().unwrap())],
    );
    assert_eq!(run.status, 1);
    assert!(!out.exists());
    let run = applinkd(dir.path(), &["check", "-c", "links"], &[]);
    assert!(run.stderr.contains("`applink:` URLs would loop back into applinkd"), "{}", run.stderr);
}

#[test]
fn open_with_from_another_users_daemon_is_ignored() {
    // Another user's applinkd squatting the port must not choose what program runs.
    let root = nix_uid() == 0;
    if !root {
        assert!(std::env::var_os("CI").is_none(), "CI runs as root: this test must run there");
        eprintln!("not root: cannot start a daemon as another user; test not run");
        return;
    }
    let shared = tempfile::Builder::new().prefix("applinkd-other-user").tempdir().unwrap();
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (evil, evil_out) = stub(shared.path(), "evil");
    let (browser, browser_out) = stub(shared.path(), "browser");
    write(
        &shared.path().join("links/apps.toml"),
        &format!("[apps.\"a.example\"]\nurl = \"https://a.example/{{id}}\"\nopen_with = [\"{}\"]\n", evil.display()),
    );
    for path in [shared.path().join("links"), shared.path().join("links/apps.toml")] {
        let mode = if path.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    // A copy the other user can run, wherever the build directory is (CI's may be private).
    let binary = shared.path().join("applinkd");
    std::fs::copy(env!("CARGO_BIN_EXE_applinkd"), &binary).unwrap();
    std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut child = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&binary)
        .args(["serve", "--listen", "127.0.0.1:0", "-c"])
        .arg(shared.path().join("links"))
        .env("HOME", shared.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("setpriv (util-linux)");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("the daemon started").unwrap();
        if let Some(addr) = line.split("serving on ").nth(1) {
            break addr.trim_end_matches('/').split(' ').next().unwrap().trim_end_matches('/').to_owned();
        }
    };
    let run = applinkd(
        shared.path(),
        &["open", "applink://a.example/1"],
        &[("BROWSER", browser.to_str().unwrap()), ("APPLINKD_URL", &base)],
    );
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(received(&browser_out), ["https://a.example/1"]);
    assert!(!evil_out.exists(), "another user's open_with was run");
}

fn nix_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").unwrap().uid()
}

/// A listener that answers like applinkd would, naming `open_with` for every pair, but
/// cannot prove whose it is: any process of any user could be this on the port.
fn impostor(open_with: &Path) -> (String, std::thread::JoinHandle<()>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let program = open_with.display().to_string();
    let server = std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut stream) = stream else { continue };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head);
            let path = head.split(' ').nth(1).unwrap_or("/");
            let (kind, body) = if path == "/healthz" {
                ("text/plain", "ok\n".to_owned())
            } else if path.starts_with("/api/v1/proof") {
                ("application/json", format!("{{\"proof\": \"{}\"}}", "ab".repeat(32)))
            } else {
                let answer = serde_json::json!({
                    "url": "https://a.example/1", "app": "a.example", "id": "1", "open_with": [program],
                });
                ("application/json", answer.to_string())
            };
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (base, server)
}

/// Issue 18: a loopback listener of this very user that cannot prove it is applinkd's
/// daemon (with the secret only the user can read) chooses no program: the URL goes to
/// the browser. (The `sock_diag` check trusted any listener this user owned.)
#[test]
fn a_daemon_that_cannot_prove_it_is_ours_chooses_no_program() {
    let dir = tempfile::tempdir().unwrap();
    let (evil, evil_out) = stub(dir.path(), "evil");
    let (browser, browser_out) = stub(dir.path(), "browser");
    let (base, _server) = impostor(&evil);
    let run = applinkd(
        dir.path(),
        &["open", "applink://a.example/1"],
        &[("BROWSER", browser.to_str().unwrap()), ("APPLINKD_URL", &base)],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(received(&browser_out), ["https://a.example/1"]);
    assert!(!evil_out.exists(), "an unproven daemon's open_with was run");
    assert!(run.stderr.contains("ignoring `open_with`"), "{}", run.stderr);
}

/// Issue 18: this user's own daemon proves it (HMAC of a fresh nonce with the secret in
/// a private file), and its `open_with` runs; the secret never crosses the socket; a
/// client holding another secret does not take its programs.
#[test]
fn our_own_daemon_proves_it_and_its_programs_run() {
    let dir = tempfile::tempdir().unwrap();
    let (program, program_out) = stub(dir.path(), "work-browser");
    let (browser, browser_out) = stub(dir.path(), "browser");
    write(
        &dir.path().join("links/apps.toml"),
        &format!("[apps.\"a.example\"]\nurl = \"https://a.example/{{id}}\"\nopen_with = [\"{}\"]\n", program.display()),
    );
    let cache = dir.path().join("cache");
    let cache = cache.to_str().unwrap().to_owned();
    let d = Daemon::start_in(dir, &["-c", "links"], &[("XDG_CACHE_HOME", &cache)]);
    let secret = Path::new(&cache).join("applinkd/secret");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&secret), 0o600);
    assert_eq!(mode(secret.parent().unwrap()), 0o700);
    let hex: String = std::fs::read(&secret).unwrap().iter().map(|b| format!("{b:02x}")).collect();
    let proof = d.get(&format!("/api/v1/proof?nonce={}", "01".repeat(16)));
    assert_eq!(proof.status, 200, "{}", proof.body);
    assert!(proof.body.contains("\"proof\""), "{}", proof.body);
    assert!(!proof.body.contains(&hex), "the secret crossed the socket");
    assert_eq!(d.get("/api/v1/proof?nonce=xyz").status, 400);
    assert_eq!(d.get("/api/v1/proof").status, 400);

    let base = d.url("");
    let env = [("BROWSER", browser.to_str().unwrap()), ("APPLINKD_URL", base.as_str()), ("XDG_CACHE_HOME", &cache)];
    let run = applinkd(d.dir.path(), &["open", "applink://a.example/1"], &env);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(received(&program_out), ["https://a.example/1"]);
    assert!(!browser_out.exists());

    // A client whose secret is another cannot check the proof: no program of that daemon.
    let other = tempfile::tempdir().unwrap();
    let other_cache = other.path().join("cache/applinkd");
    std::fs::create_dir_all(&other_cache).unwrap();
    std::fs::set_permissions(&other_cache, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::write(other_cache.join("secret"), [9u8; 32]).unwrap();
    std::fs::set_permissions(other_cache.join("secret"), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::remove_file(&program_out).unwrap();
    let other_cache = other.path().join("cache");
    let env = [
        ("BROWSER", browser.to_str().unwrap()),
        ("APPLINKD_URL", base.as_str()),
        ("XDG_CACHE_HOME", other_cache.to_str().unwrap()),
    ];
    let run = applinkd(d.dir.path(), &["open", "applink://a.example/1"], &env);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(received(&browser_out), ["https://a.example/1"]);
    assert!(!program_out.exists(), "a daemon that proved nothing to this client chose a program");
}
