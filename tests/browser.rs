//! A real browser: headless Chromium follows applinkd's redirect to a second
//! local server and renders the index page. Chromium must be installed
//! (`scripts/test` installs it); a missing browser fails the test, never skips it.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::daemon::{DEADLINE, Daemon};
use crate::test::APPS;

fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Some(path) = std::env::var_os("PATH")
            .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join(name)).find(|p| p.is_file()))
        {
            return path;
        }
    }
    panic!("headless Chromium is needed for this test: `apt-get install chromium` (scripts/test does it)");
}

/// Loads `url` in headless Chromium and returns the DOM it ends on.
fn dump_dom(url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > DEADLINE * 3 {
            let _ = child.kill();
            panic!("chromium did not finish loading {url}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20)); // poll interval of a deadline-bounded wait
    }
    let output = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A second local web server: every request gets a page carrying `token`.
fn target_server(token: &'static str) -> u16 {
    let body = format!("<!doctype html><html><body><h1 id=\"landed\">{token}</h1></body></html>");
    crate::daemon::canned_server("text/html", body).port()
}

fn daemon(target: u16) -> Daemon {
    let people = format!(
        "[[person]]\nname = \"Ada Lovelace\"\nlinks = [\n  {{ app = \"mailchimp.com\", id = \"48616032\" }},\n  {{ app = \"intranet.example\", id = \"ada/1\", url = \"http://127.0.0.1:{target}/people/ada\" }},\n]\n"
    );
    Daemon::start(&[("links/apps.toml", APPS), ("links/people.toml", &people)])
}

#[test]
fn chromium_follows_the_redirect_to_the_target() {
    let target = target_server("landed-8f3a");
    let d = daemon(target);
    let dom = dump_dom(&d.url("/intranet.example/ada%2F1"));
    assert!(dom.contains("landed-8f3a"), "Chromium did not land on the target:\n{dom}");
}

#[test]
fn chromium_reaches_the_daemon_as_name_dot_localhost() {
    let target = target_server("landed-via-localhost");
    let d = daemon(target);
    let dom = dump_dom(&format!("http://applink.localhost:{}/intranet.example/ada%2F1", d.addr.port()));
    assert!(dom.contains("landed-via-localhost"), "{dom}");
}

#[test]
fn chromium_renders_the_index_and_its_links_lead_to_the_target() {
    let target = target_server("landed-from-index");
    let d = daemon(target);
    let dom = dump_dom(&d.url("/"));
    assert!(dom.contains("Ada Lovelace"), "{dom}");
    assert!(dom.contains("MailChimp"), "{dom}");
    let href = dom
        .split("href=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .find(|href| href.starts_with("/intranet.example/"))
        .unwrap_or_else(|| panic!("no link to the intranet record in the page:\n{dom}"));
    assert_eq!(href, "/intranet.example/ada%2F1");
    let landed = dump_dom(&d.url(href));
    assert!(landed.contains("landed-from-index"), "{landed}");
}
