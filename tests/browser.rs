//! A real browser: headless Chromium follows applinkd's redirect to a second
//! local server and renders the index page. Chromium must be installed
//! (`scripts/test` installs it); a missing browser fails the test, never skips it.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::daemon::{DEADLINE, Daemon};
use crate::test::APPS;

/// How the tests run Chromium: headless, and quiet on a machine with no network.
pub const CHROMIUM_FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

pub fn chromium() -> PathBuf {
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
        .args(CHROMIUM_FLAGS)
        .arg("--virtual-time-budget=5000")
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

/// The bookmarklet, used as a person would: on an app's page (a stand-in served on
/// `crm.localhost`), it opens the record on the daemon; a click on another app's
/// link there goes, through the daemon's redirect, to that app's page.
#[test]
fn the_bookmarklet_leads_from_an_app_page_to_the_record_and_on() {
    let crm = target_server("crm-contact-page");
    let wiki = target_server("wiki-person-page");
    let apps = format!(
        "[apps.\"crm.localhost\"]\nname = \"CRM\"\nurl = \"http://crm.localhost:{}/contacts/{{id}}\"\n\n\
         [apps.\"wiki.localhost\"]\nname = \"Wiki\"\nurl = \"http://wiki.localhost:{}/people/{{id}}\"\n",
        crm, wiki
    );
    let people = "[[person]]\nname = \"Ada Lovelace\"\nlinks = [\n  { app = \"crm.localhost\", id = \"501\" },\n  \
                  { app = \"wiki.localhost\", id = \"ada\" },\n]\n";
    let d = Daemon::start(&[("links/apps.toml", &apps), ("links/people.toml", people)]);
    let daemon = format!("http://applink.localhost:{}", d.addr.port());
    let mut browser = crate::cdp::Browser::start();

    browser.navigate(&format!("{daemon}/"));
    browser.wait_until("the index page", |href| href.starts_with(&daemon));
    let bookmarklet = browser.eval("document.querySelector('a.bookmarklet').href");
    let bookmarklet = bookmarklet.as_str().expect("the index page offers a bookmarklet").to_owned();
    assert!(bookmarklet.starts_with("javascript:"), "{bookmarklet}");
    assert!(bookmarklet.contains(&format!("{daemon}/show?url=")), "the daemon's real name and port: {bookmarklet}");

    let contact = format!("http://crm.localhost:{crm}/contacts/501?tab=notes");
    browser.navigate(&contact);
    browser.wait_until("the CRM page", |href| href == contact);
    assert!(browser.text().contains("crm-contact-page"));
    // What clicking a bookmark does: the page's location becomes the javascript: URL.
    browser.eval(&format!("location.href = {}", serde_json::to_string(&bookmarklet).unwrap()));
    let shown = browser.wait_until("the record page", |href| href.starts_with(&format!("{daemon}/show?url=")));
    assert!(shown.contains("crm.localhost%3A"), "{shown}");
    let page = browser.text();
    assert!(page.contains("Ada Lovelace") && page.contains("Wiki") && page.contains("this page"), "{page}");

    browser.eval("document.querySelector('a[data-app=\"wiki.localhost\"]').click()");
    let landed = browser.wait_until("the wiki page", |href| href.starts_with("http://wiki.localhost"));
    assert_eq!(landed, format!("http://wiki.localhost:{wiki}/people/ada"));
    assert!(browser.text().contains("wiki-person-page"));
}
