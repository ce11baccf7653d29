//! A failed `open` run from a click (no terminal) is shown where the person is:
//! a desktop notification, sent over a private D-Bus session bus to a stand-in
//! notification service (zbus); or, with a daemon running, the daemon's page about it.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};

use crate::daemon::{DEADLINE, Daemon, write};
use crate::open::{applinkd, received, stub};
use crate::test::APPS;

/// A private session bus (dbus-daemon) with a stand-in notification service.
struct Bus {
    daemon: Child,
    address: String,
    notes: Receiver<(String, String)>,
    _service: zbus::blocking::Connection,
    _dir: tempfile::TempDir,
}

struct Notifications {
    sent: Mutex<Sender<(String, String)>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Notifications {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        _app_name: &str,
        _replaces_id: u32,
        _app_icon: &str,
        summary: &str,
        body: &str,
        _actions: Vec<&str>,
        _hints: HashMap<&str, zbus::zvariant::Value<'_>>,
        _expire_timeout: i32,
    ) -> u32 {
        let _ = self.sent.lock().unwrap().send((summary.to_owned(), body.to_owned()));
        1
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        ("stand-in".into(), "applinkd tests".into(), "1".into(), "1.2".into())
    }
}

impl Bus {
    fn start() -> Bus {
        let dir = tempfile::tempdir().unwrap();
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .arg(format!("--address=unix:path={}", dir.path().join("bus").display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon is needed for this test: `apt-get install dbus-daemon` (scripts/test does it)");
        let mut address = String::new();
        BufReader::new(daemon.stdout.take().unwrap()).read_line(&mut address).unwrap();
        let address = address.trim().to_owned();
        let (tx, notes) = channel();
        let service = zbus::blocking::connection::Builder::address(address.as_str())
            .unwrap()
            .name("org.freedesktop.Notifications")
            .unwrap()
            .serve_at("/org/freedesktop/Notifications", Notifications { sent: Mutex::new(tx) })
            .unwrap()
            .build()
            .expect("connect the stand-in notification service");
        Bus { daemon, address, notes, _service: service, _dir: dir }
    }

    fn next(&self) -> (String, String) {
        self.notes.recv_timeout(DEADLINE).expect("no desktop notification came")
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

#[test]
fn a_link_not_found_is_a_desktop_notification() {
    let bus = Bus::start();
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("links/apps.toml"), APPS);
    let (browser, _) = stub(dir.path(), "browser");
    let run = applinkd(
        dir.path(),
        &["open", "-c", "links", "applink://zendesk.co/991"],
        &[("BROWSER", browser.to_str().unwrap()), ("DBUS_SESSION_BUS_ADDRESS", &bus.address)],
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(run.stderr.contains("not an App ID"), "{}", run.stderr);
    let (summary, body) = bus.next();
    assert_eq!(summary, "applinkd cannot open the link");
    assert!(body.contains("`zendesk.co` is not an App ID"), "{body}");
}

#[test]
fn a_browser_that_cannot_start_or_fails_is_an_error_and_a_notification() {
    let bus = Bus::start();
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("links/apps.toml"), APPS);
    // A program that cannot start is an error at once; one that fails is an error when
    // it exits: the opener waits for that event (an hour at most), not a race with its
    // usual 1.5 s.
    for browser in ["/nonexistent/browser", "false"] {
        let run = applinkd(
            dir.path(),
            &["open", "-c", "links", "applink://zendesk.com/991"],
            &[("BROWSER", browser), ("DBUS_SESSION_BUS_ADDRESS", &bus.address), ("APPLINKD_OPEN_WAIT", "3600")],
        );
        assert_eq!(run.status, 1, "{browser}: {}", run.stderr);
        assert!(run.stderr.contains("error: cannot open https://acme.zendesk.com/agent/users/991"), "{}", run.stderr);
        let (_, body) = bus.next();
        assert!(body.contains("https://acme.zendesk.com/agent/users/991"), "{body}");
    }
}

#[test]
fn with_a_daemon_running_the_browser_shows_its_page_about_the_failure() {
    let d = Daemon::start(&[("links/apps.toml", APPS)]);
    let dir = tempfile::tempdir().unwrap();
    let (browser, out) = stub(dir.path(), "browser");
    let base = d.url("");
    let run = applinkd(
        dir.path(),
        &["open", "applink://zendesk.co/991"],
        &[("BROWSER", browser.to_str().unwrap()), ("APPLINKD_URL", base.as_str())],
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    let page = received(&out);
    assert_eq!(page, [format!("{base}/zendesk.co/991")]);
    assert_eq!(d.get("/zendesk.co/991").status, 404, "the page says what is close");
}

/// Issue 18: when applinkd is the registered web browser, a failure with a daemon
/// running is a desktop notification: the daemon's page "in the browser" would come
/// back to applinkd.
#[test]
fn when_applinkd_is_the_browser_a_failure_is_a_notification_not_a_page() {
    let bus = Bus::start();
    let d = Daemon::start(&[("links/apps.toml", APPS)]);
    let dir = tempfile::tempdir().unwrap();
    let (browser, out) = stub(dir.path(), "browser");
    // What `register --browser` keeps in the (throw-away) data directory.
    write(&dir.path().join("xdg-data/applinkd/browser-registration.json"), "{\"handler\": \"firefox.desktop\"}\n");
    let base = d.url("");
    let run = applinkd(
        dir.path(),
        &["open", "applink://zendesk.co/991"],
        &[
            ("BROWSER", browser.to_str().unwrap()),
            ("APPLINKD_URL", base.as_str()),
            ("DBUS_SESSION_BUS_ADDRESS", &bus.address),
        ],
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    let (_, body) = bus.next();
    assert!(body.contains("`zendesk.co` is not an App ID"), "{body}");
    assert!(!out.exists(), "the daemon's page was opened through the browser, which is applinkd");
}
