//! applinkd as the desktop's web-link router (README: The web-link router, issue 13), end to end on Linux:
//! `register --browser` in throw-away XDG directories, then the real `xdg-open` and
//! `gio open` deliver clicked links to applinkd, which hands each to a stand-in
//! program (recording its argv): the app's `native` deep link, its `open_with`, or
//! the fallback browser with the URL byte for byte.

use std::path::Path;
use std::process::Command;

use crate::daemon::Daemon;
use crate::desktop::Desktop;

const ROUTER: &str = r#"
[apps."zoom.us"]
name = "Zoom"
url = "https://zoom.us/j/{id}{?pwd}"
native = "zoommtg://zoom.us/join?confno={id}{&pwd}"
schemes = ["https", "zoommtg"]

[apps."github.com"]
name = "GitHub"
url = "https://github.com/{+id}"
open_with = ["work-browser", "--profile-directory=Work"]

[apps."zendesk.com"]
name = "Zendesk"
url = "https://acme.zendesk.com/agent/users/{id}"
"#;

/// The URL that is no App URL, with everything a rewrite could spoil.
const OTHER: &str = "https://example.org/page?a=1&b=%20#frag";

fn desktop() -> Desktop {
    Desktop::new(&[("router.toml", ROUTER)]).firefox_default()
}

#[test]
fn xdg_open_routes_clicked_links_after_register_browser() {
    let desktop = desktop();
    let list = desktop.path("config/mimeapps.list");
    let before = std::fs::read(&list).unwrap();
    let (status, _, stderr) = desktop.applinkd(&["register", "--browser"]);
    assert_eq!(status, 0, "{stderr}");
    for scheme in ["http", "https"] {
        let (_, default, _) = desktop.run("xdg-mime", &["query", "default", &format!("x-scheme-handler/{scheme}")]);
        assert_eq!(default.trim(), "applinkd-browser.desktop", "{scheme}");
    }
    let file = desktop.path("data/applications/applinkd-browser.desktop");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("\nCategories=Network;WebBrowser;\n"), "{text}");
    assert!(text.contains("\nMimeType=x-scheme-handler/http;x-scheme-handler/https;\n"), "{text}");
    let (status, _, stderr) = desktop.run("desktop-file-validate", &[file.to_str().unwrap()]);
    assert_eq!(status, 0, "desktop-file-validate: {stderr}");

    // A Zoom meeting link opens the Zoom app's deep link, password and all.
    let (status, _, stderr) = desktop.run("xdg-open", &["https://zoom.us/j/85?pwd=x"]);
    assert_eq!(status, 0, "xdg-open: {stderr}");
    assert_eq!(desktop.got("zoom"), ["zoommtg://zoom.us/join?confno=85&pwd=x"]);
    // A GitHub link reaches the app's `open_with` program with its arguments.
    let (status, _, stderr) = desktop.run("xdg-open", &["https://github.com/acme/website?tab=readme"]);
    assert_eq!(status, 0, "xdg-open: {stderr}");
    assert_eq!(desktop.got("work-browser"), ["--profile-directory=Work", "https://github.com/acme/website?tab=readme"]);
    // Any other link reaches the browser that was the default before, byte for byte.
    let (status, _, stderr) = desktop.run("gio", &["open", OTHER]);
    assert_eq!(status, 0, "gio open: {stderr}");
    assert_eq!(desktop.got("firefox"), ["--new-window", OTHER]);

    let (status, _, stderr) = desktop.applinkd(&["unregister", "--browser"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(std::fs::read(&list).unwrap(), before, "mimeapps.list restored byte for byte");
    assert!(!file.exists());
    let (_, default, _) = desktop.run("xdg-mime", &["query", "default", "x-scheme-handler/https"]);
    assert_eq!(default.trim(), "firefox.desktop");
}

#[test]
fn register_browser_twice_keeps_the_first_handler_and_restores_exactly() {
    let desktop = desktop();
    let list = desktop.path("config/mimeapps.list");
    let before = "# kept\n[Added Associations]\ntext/html=firefox.desktop;\n\n[Default Applications]\nx-scheme-handler/https = firefox.desktop;\ntext/html=firefox.desktop;\n";
    std::fs::write(&list, before).unwrap();
    assert_eq!(desktop.applinkd(&["register", "--browser"]).0, 0);
    let registered = std::fs::read_to_string(&list).unwrap();
    assert_eq!(desktop.applinkd(&["register", "--browser"]).0, 0);
    assert_eq!(std::fs::read_to_string(&list).unwrap(), registered, "idempotent");
    // The remembered handler is still Firefox, not applinkd.
    let (status, stdout, stderr) = desktop.applinkd(&["open", "--dry-run", OTHER]);
    assert_eq!(status, 0, "{stderr}");
    assert!(stdout.contains("firefox --new-window"), "{stdout}");
    assert_eq!(desktop.applinkd(&["unregister", "--browser"]).0, 0);
    assert_eq!(std::fs::read_to_string(&list).unwrap(), before);
}

#[test]
fn a_configured_fallback_comes_first_and_gets_the_url_unchanged() {
    let desktop = desktop();
    let links = desktop.path("links/browser.toml");
    std::fs::write(&links, "[browser]\nfallback = [\"work-browser\", \"-P\", \"personal\"]\n").unwrap();
    assert_eq!(desktop.applinkd(&["register", "--browser"]).0, 0);
    for url in [OTHER, "HTTPS://Example.ORG:443/%7euser/a%2fb?q=a+b&q=%E2%82%AC#x%20y"] {
        std::fs::remove_file(desktop.path("bin/work-browser.args")).ok();
        let (status, _, stderr) = desktop.applinkd(&["open", url]);
        assert_eq!(status, 0, "{stderr}");
        assert_eq!(desktop.got("work-browser"), ["-P", "personal", url]);
    }
    assert!(!desktop.ran("firefox"));
}

#[test]
fn dry_run_says_what_opens_with_what_and_why() {
    let desktop = desktop();
    let (status, stdout, stderr) =
        desktop.applinkd(&["open", "--dry-run", "https://zoom.us/j/85?pwd=x&utm_source=chat"]);
    assert_eq!(status, 0, "{stderr}");
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("zoommtg://zoom.us/join?confno=85&pwd=x"));
    assert!(stdout.contains("native"), "{stdout}");
    assert!(stdout.contains("zoom.us (Zoom) 85"), "{stdout}");
    assert!(stdout.contains("pwd=x"), "{stdout}");
    // `--web` keeps the web page: no open_with either, so the fallback browser.
    let (status, stdout, _) = desktop.applinkd(&["open", "--dry-run", "--web", "https://zoom.us/j/85?pwd=x"]);
    assert_eq!(status, 0);
    assert!(stdout.starts_with("https://zoom.us/j/85?pwd=x\n"), "{stdout}");
    assert!(stdout.contains("--web"), "{stdout}");
    // An App URL of an app that says nothing about opening: the fallback, and why.
    let (_, stdout, _) = desktop.applinkd(&["open", "--dry-run", "https://acme.zendesk.com/agent/users/991"]);
    assert!(stdout.contains("zendesk.com (Zendesk) 991"), "{stdout}");
    assert!(stdout.contains("no `native` or `open_with`"), "{stdout}");
    let (_, stdout, _) = desktop.applinkd(&["open", "--dry-run", OTHER]);
    assert!(stdout.starts_with(&format!("{OTHER}\n")), "{stdout}");
    assert!(stdout.contains("not an App URL"), "{stdout}");
    for name in ["firefox", "zoom", "work-browser"] {
        assert!(!desktop.ran(name), "--dry-run started {name}");
    }
}

#[test]
fn the_daemon_routes_too() {
    let daemon = Daemon::start(&[("links/router.toml", ROUTER)]);
    let base = daemon.url("");
    let desktop = desktop();
    let run = |url: &str| {
        let mut command = crate::test::clean(crate::test::binary(), desktop.dir.path());
        command
            .args(["open", "--dry-run", url])
            .env_remove("APPLINKD_CONFIG")
            .env("APPLINKD_URL", base.trim_end_matches('/'));
        for (k, v) in desktop.env.iter().filter(|(k, _)| k.starts_with("XDG_") || k == "HOME") {
            command.env(k, v);
        }
        let out = command.output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (status, stdout) = run("https://zoom.us/j/85?pwd=x");
    assert_eq!(status, Some(0));
    assert!(stdout.starts_with("zoommtg://zoom.us/join?confno=85&pwd=x\n"), "{stdout}");
    assert!(stdout.contains("via: the daemon"), "{stdout}");
    let reply = daemon.get(&format!("/api/v1/route?url={}", "https%3A%2F%2Fgithub.com%2Fada"));
    assert_eq!(reply.status, 200);
    let route: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(route["route"], "open_with", "{}", reply.body);
    assert_eq!(route["open_with"][0], "work-browser", "{}", reply.body);
}

#[test]
fn a_fallback_that_is_applinkd_is_refused_not_looped() {
    let desktop = desktop();
    assert_eq!(desktop.applinkd(&["register", "--browser"]).0, 0);
    // The remembered browser's desktop file now runs applinkd itself.
    let exe = std::fs::canonicalize(env!("CARGO_BIN_EXE_applinkd")).unwrap();
    std::fs::write(
        desktop.path("data/applications/firefox.desktop"),
        format!("[Desktop Entry]\nType=Application\nName=Firefox\nExec={} open %u\n", exe.display()),
    )
    .unwrap();
    let (status, _, stderr) = desktop.applinkd(&["open", OTHER]);
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("applinkd itself"), "{stderr}");
    // So is a configured fallback naming applinkd.
    std::fs::write(desktop.path("links/browser.toml"), format!("[browser]\nfallback = [\"{}\"]\n", exe.display()))
        .unwrap();
    let (status, _, stderr) = desktop.applinkd(&["open", OTHER]);
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("applinkd itself"), "{stderr}");
}

#[test]
fn a_url_coming_back_from_its_own_launch_is_a_loop() {
    let desktop = desktop();
    // What `open` starts carries a fresh marker of the URL; the same URL coming back is refused.
    let with_marker = |marker: String| {
        let mut env = desktop.env.clone();
        env.push(("APPLINKD_OPENING".into(), marker));
        crate::desktop::run_desktop(
            &crate::test::binary().display().to_string(),
            &["open", OTHER],
            desktop.dir.path(),
            &env,
        )
    };
    let now = std::time::SystemTime::now();
    let (status, _, stderr) = with_marker(applinkd::opener::marker(OTHER, now));
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("loop"), "{stderr}");
    assert!(!desktop.ran("firefox"));
    // A marker of a minute ago is a later, genuine click on the same link: it opens.
    let (status, _, stderr) = with_marker(applinkd::opener::marker(OTHER, now - std::time::Duration::from_secs(60)));
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(desktop.got("firefox"), ["--new-window", OTHER]);
    // With applinkd registered and no handler remembered, the fallback is unknown: said, not looped.
    let empty = Desktop::new(&[("router.toml", ROUTER)]);
    std::fs::remove_file(empty.path("data/applications/firefox.desktop")).unwrap();
    assert_eq!(empty.applinkd(&["register", "--browser"]).0, 0);
    let (status, _, stderr) = empty.applinkd(&["open", OTHER]);
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("[browser] fallback"), "{stderr}");
}

#[test]
fn native_is_checked_like_url() {
    let dir = tempfile::tempdir().unwrap();
    for (native, message) in [
        ("https://zoom.us/join/{id}", "not a web URL"),
        ("zoommtg://zoom.us/join?confno={id}\", schemes = [\"https\"]#", "not allowed"),
        ("zoommtg://{id}.zoom.us/", "expression in its host"),
        ("javascript:{id}", "never allowed"),
    ] {
        let (native, schemes) = match native.split_once("\", schemes = ") {
            Some((n, s)) => (n.to_owned(), s.trim_end_matches('#').to_owned()),
            None => (native.to_owned(), "[\"https\", \"zoommtg\", \"javascript\"]".to_owned()),
        };
        let file = dir.path().join("links.toml");
        std::fs::write(
            &file,
            format!(
                "[apps.\"zoom.us\"]\nurl = \"https://zoom.us/j/{{id}}\"\nnative = \"{native}\"\nschemes = {schemes}\n"
            ),
        )
        .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_applinkd")).args(["check", "-c"]).arg(&file).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{native}: {stderr}");
        assert!(stderr.contains(message), "{native}: {stderr}");
    }
}

/// The recipes in `config/router.toml` and `config/apps.toml` do what they say.
#[test]
fn config_recipes() {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    for (url, opened) in [
        ("https://zoom.us/j/85?pwd=x", "zoommtg://zoom.us/join?confno=85&pwd=x"),
        ("https://zoom.us/j/85", "zoommtg://zoom.us/join?confno=85"),
        (
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NzY4%40thread.v2/0?context=%7b%22Tid%22%3a%22t1%22%7d",
            "msteams:/l/meetup-join/19:meeting_NzY4@thread.v2/0?context=%7B%22Tid%22%3A%22t1%22%7D",
        ),
        ("https://app.slack.com/client/T0ACME/C0CHAN", "slack://channel?team=T0ACME&id=C0CHAN"),
        ("https://app.slack.com/team/U0ADA", "slack://user?team=T0ACME&id=U0ADA"),
        ("https://github.com/acme/website/pulls", "https://github.com/acme/website/pulls"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_applinkd"))
            .args(["open", "--dry-run", "-c"])
            .arg(&config)
            .arg(url)
            .env_remove("APPLINKD_OPENING")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{url}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(stdout.lines().next(), Some(opened), "{url}: {stdout}");
        if url.contains("github.com") {
            assert!(stdout.contains("chromium --profile-directory=Work"), "{stdout}");
        }
    }
}

/// A stand-in program that runs a shell command: `open_with = ["sh", "-c", ...]` as
/// a teammate would write it, leaving `marker` behind if it ever runs.
fn marker_program(marker: &Path) -> String {
    format!("[\"sh\", \"-c\", \"echo ran > '{}'\", \"sh\"]", marker.display())
}

/// Issue 18: a teammate's second app on GitHub's template, in a file that sorts
/// first, with a program of its own, does not take over GitHub links: equal matches
/// that open differently are ambiguous, and the link goes to the fallback browser.
#[test]
fn a_teammates_app_on_the_same_template_does_not_take_over_the_router() {
    let desktop = desktop();
    let marker = desktop.path("teammate-ran");
    let teammate = format!(
        "[apps.\"git.teammate.example\"]\nname = \"Teammate's Git\"\nurl = \"https://github.com/{{+id}}\"\nopen_with = {}\n",
        marker_program(&marker)
    );
    std::fs::write(desktop.path("links/a-teammate.toml"), teammate).unwrap();
    assert_eq!(desktop.applinkd(&["register", "--browser"]).0, 0);
    let url = "https://github.com/acme/website";
    let (_, stdout, stderr) = desktop.applinkd(&["open", "--dry-run", url]);
    assert!(stdout.contains("ambiguous"), "{stdout}\n{stderr}");
    assert!(stdout.contains("(the fallback browser"), "{stdout}");
    let (status, _, stderr) = desktop.run("xdg-open", &[url]);
    assert_eq!(status, 0, "xdg-open: {stderr}");
    assert_eq!(desktop.got("firefox"), ["--new-window", url]);
    assert!(!marker.exists(), "the teammate's program ran");
    assert!(!desktop.ran("work-browser"), "neither app's program runs");
    // `check` says why.
    let (_, _, stderr) = desktop.applinkd(&["check"]);
    assert!(stderr.contains("same URL template up to variable names"), "{stderr}");
}

/// Issue 18: only the best match routes: the template with more literal text wins
/// over a catch-all one in a file that sorts first, whatever program that one names,
/// and even when the best match names no program (then the fallback browser).
#[test]
fn only_the_best_match_routes() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("catch-all-ran");
    let repos = "[apps.\"repos.code.example\"]\nurl = \"https://code.example/repos/{id}\"\n\n\
                 [apps.\"pulls.code.example\"]\nurl = \"https://code.example/pulls/{id}\"\nopen_with = [\"work-browser\"]\n";
    let catch_all = format!(
        "[apps.\"code.example\"]\nurl = \"https://code.example/{{+id}}\"\nopen_with = {}\n",
        marker_program(&marker)
    );
    let desktop = Desktop::new(&[("a-catch-all.toml", &catch_all), ("repos.toml", repos)]).firefox_default();
    assert_eq!(desktop.applinkd(&["register", "--browser"]).0, 0);
    let (status, stdout, stderr) = desktop.applinkd(&["open", "--dry-run", "https://code.example/repos/42"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(stdout.contains("record: repos.code.example 42"), "{stdout}");
    let (status, _, stderr) = desktop.applinkd(&["open", "https://code.example/repos/42"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(desktop.got("firefox"), ["--new-window", "https://code.example/repos/42"]);
    let (status, _, stderr) = desktop.applinkd(&["open", "https://code.example/pulls/7"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(desktop.got("work-browser"), ["https://code.example/pulls/7"]);
    assert!(!marker.exists(), "a worse match ran its program");
    // What only the catch-all matches is its own.
    let (_, stdout, _) = desktop.applinkd(&["open", "--dry-run", "https://code.example/wiki/1"]);
    assert!(stdout.contains("record: code.example wiki/1"), "{stdout}");
}

/// Issue 18: an encoded `?`, `&`, `=`, `#` in a Teams link never becomes a query of the
/// desktop app's deep link: only a reading that expands back to the clicked URL routes.
#[test]
fn a_link_cannot_add_parameters_to_a_desktop_app() {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let url = "https://teams.microsoft.com/l/meetup-join/abc%3Fevil%3D1%26launchAgent%3Dx%23frag";
    let dir = tempfile::tempdir().unwrap();
    let mut command = crate::test::clean(crate::test::binary(), dir.path());
    let out = command.args(["open", "--dry-run", "-c"]).arg(&config).arg(url).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let opened = stdout.lines().next().unwrap_or_default();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    for added in ["?evil", "&launchAgent", "=x", "#frag"] {
        assert!(!opened.contains(added), "`{added}` was added to the deep link: {opened}");
    }
    assert!(opened == url || opened.starts_with("msteams:/l/meetup-join/abc%3F"), "{stdout}");
}

/// Issue 18: URLs in schemes that run code, read local files or reach file shares are
/// refused by `open`, never passed to the fallback browser.
#[test]
fn never_allowed_schemes_are_refused_not_passed_on() {
    let desktop = desktop();
    assert_eq!(desktop.applinkd(&["register", "--browser"]).0, 0);
    for url in [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "smb://evil.example/share",
        "search-ms:query=x",
    ] {
        let (status, _, stderr) = desktop.applinkd(&["open", url]);
        assert_eq!(status, 1, "{url}: {stderr}");
        assert!(stderr.contains("never"), "{url}: {stderr}");
        assert!(!desktop.ran("firefox"), "{url} was passed to the browser");
    }
}

/// Issue 18: the marker in what `open` starts holds a digest and a time, never the URL
/// (a Zoom password would sit in every program's environment below the browser).
#[test]
fn the_loop_marker_holds_no_url() {
    let desktop = desktop();
    let spy = desktop.path("bin/spy");
    std::fs::write(&spy, format!("#!/bin/sh\nprintf '%s' \"$APPLINKD_OPENING\" > '{}.env'\n", spy.display())).unwrap();
    std::fs::set_permissions(&spy, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::write(desktop.path("links/browser.toml"), format!("[browser]\nfallback = [\"{}\"]\n", spy.display()))
        .unwrap();
    let url = "https://example.org/join?pwd=s3cr3t-token";
    let (status, _, stderr) = desktop.applinkd(&["open", url]);
    assert_eq!(status, 0, "{stderr}");
    let env = desktop.path("bin/spy.env");
    let started = std::time::Instant::now();
    while !env.exists() {
        assert!(started.elapsed() < crate::daemon::DEADLINE, "the fallback never ran");
        std::thread::sleep(std::time::Duration::from_millis(10)); // poll interval of a deadline-bounded wait
    }
    let marker = std::fs::read_to_string(&env).unwrap();
    assert!(!marker.is_empty(), "the fallback got no marker");
    assert!(!marker.contains("s3cr3t") && !marker.contains("example.org"), "{marker}");
    // The same marker sends that URL back as a loop, and only that URL.
    let with = |url: &str| {
        let mut env = desktop.env.clone();
        env.push(("APPLINKD_OPENING".into(), marker.clone()));
        crate::desktop::run_desktop(
            &crate::test::binary().display().to_string(),
            &["open", "--dry-run", url],
            desktop.dir.path(),
            &env,
        )
    };
    let (status, _, stderr) = with(url);
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("loop"), "{stderr}");
    assert_eq!(with("https://example.org/other").0, 0);
}

/// Issue 18: with applinkd the registered browser and a daemon running, a click on a
/// not-found `applink://` link launches applinkd a bounded number of times: the failure
/// is a notification, never the daemon's page opened "in the browser", which is
/// applinkd. Launches are counted by a wrapper that the desktop files run; the click is
/// over when every program it started has closed its output (bounded by a deadline).
#[test]
fn a_not_found_click_with_a_daemon_running_does_not_loop() {
    use std::os::unix::process::CommandExt;
    let daemon = Daemon::start(&[("links/apps.toml", crate::test::APPS)]);
    let desktop = desktop().with("APPLINKD_URL", daemon.url("").trim_end_matches('/'));
    for args in [&["register"][..], &["register", "--browser"]] {
        let (status, _, stderr) = desktop.applinkd(args);
        assert_eq!(status, 0, "{args:?}: {stderr}");
    }
    let real = std::fs::canonicalize(crate::test::binary()).unwrap().display().to_string();
    let count = desktop.path("launches");
    let wrapper = desktop.path("bin/applinkd-counted");
    std::fs::write(&wrapper, format!("#!/bin/sh\necho launch >> '{}'\nexec '{real}' \"$@\"\n", count.display()))
        .unwrap();
    std::fs::set_permissions(&wrapper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    for file in ["applinkd.desktop", "applinkd-browser.desktop"] {
        let path = desktop.path(&format!("data/applications/{file}"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(&format!("Exec={real} ")), "{text}");
        std::fs::write(&path, text.replace(&format!("Exec={real} "), &format!("Exec={} ", wrapper.display()))).unwrap();
    }
    let mut command = crate::test::clean("xdg-open", desktop.dir.path());
    command.arg("applink://zendesk.co/991").current_dir(desktop.dir.path()).process_group(0);
    for (k, v) in &desktop.env {
        command.env(k, v);
    }
    let child = command.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let group = child.id();
    let output = child.wait_with_output().unwrap();
    // Programs the click started may outlive it (a browser launcher detaches): the
    // click is over when no process of its group is alive.
    let over = group_ends(group);
    let launches = std::fs::read_to_string(&count).unwrap_or_default().lines().count();
    if !over {
        let pid = rustix::process::Pid::from_raw(group as i32).unwrap();
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        panic!("the click was still launching programs after {:?}: {launches} launches", crate::daemon::DEADLINE);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The click itself, and no daemon page opened through applinkd after it.
    assert_eq!(launches, 1, "applinkd was launched {launches} times\n{stderr}");
    assert!(stderr.contains("zendesk.co"), "{stderr}");
    assert!(!desktop.ran("firefox"), "nothing opened the page in a browser");
}

/// Whether every process of process group `group` has ended (zombies aside) within the
/// deadline; polled, as a deadline-bounded wait.
fn group_ends(group: u32) -> bool {
    let alive = || {
        std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { return false };
            // pid (comm) state ppid pgrp ...: comm may hold spaces, so read after its `)`.
            let Some((_, rest)) = stat.rsplit_once(") ") else { return false };
            let fields: Vec<&str> = rest.split(' ').collect();
            fields.len() > 2 && fields[0] != "Z" && fields[2] == group.to_string()
        })
    };
    let started = std::time::Instant::now();
    while alive() {
        if started.elapsed() > crate::daemon::DEADLINE {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(10)); // poll interval of a deadline-bounded wait
    }
    true
}

/// Issue 18: a template or link on the daemon's own origin would send a click back into
/// applinkd: an error in the files; other loopback services are apps like any other.
#[test]
fn a_template_or_link_on_the_daemons_own_origin_is_an_error() {
    let own = "this URL is applinkd's own daemon (127.0.0.1:7133)";
    crate::test::check_error("[apps.\"a.example\"]\nurl = \"http://127.0.0.1:7133/{id}\"\n", "2:7", own);
    crate::test::check_error(
        "[apps.\"a.example\"]\nurl = \"http://applink.localhost:7133/b.example/{id}\"\n",
        "2:7",
        own,
    );
    crate::test::check_error(
        "[[person]]\nname = \"A\"\nlinks = [{ app = \"a.example\", id = \"1\", url = \"http://localhost:7133/a/1\" }]\n",
        "3:47",
        own,
    );
    crate::test::check("[apps.\"a.example\"]\nurl = \"http://127.0.0.1:8080/{id}\"\n").status(0);
}
