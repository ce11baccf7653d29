//! The browser extension (`packaging/browser-extension/`, README: In the browser) in a real
//! headless Chromium, loaded unpacked, driven over the DevTools protocol: its
//! service worker is evaluated in (`Runtime.evaluate`), pages are opened as tabs.
//! A real daemon serves the link files; stand-in app pages run on `*.localhost`
//! ports; a counting proxy in front of the daemon records every request the
//! extension makes (and stands in for `/api/v1/origins` where the daemon has none).
//! The native host is not installed here, so nothing is routed.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

use crate::daemon::{DEADLINE, Daemon, canned_server};

fn extension_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("packaging/browser-extension")
}

/// The extension id the Rust side allows, as the packaging says it.
fn chromium_id() -> String {
    let ids: Value = serde_json::from_str(&std::fs::read_to_string(extension_dir().join("ids.json")).unwrap()).unwrap();
    ids["chromium"].as_str().unwrap().to_owned()
}

/// A proxy in front of the daemon that logs each request's target. `/api/v1/origins`
/// goes to the daemon too; if it answers 404 (a daemon without the route), the
/// proxy answers it itself, in the route's shape, with `routed` as given.
struct Proxy {
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    fn start(daemon: &Daemon, routed: Value) -> Proxy {
        Proxy::start_on(TcpListener::bind("127.0.0.1:0").unwrap(), daemon, routed)
    }

    fn start_on(listener: TcpListener, daemon: &Daemon, routed: Value) -> Proxy {
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        let upstream = format!("http://{}", daemon.addr);
        std::thread::spawn(move || {
            let agent = ureq::Agent::new_with_config(
                ureq::config::Config::builder()
                    .max_redirects(0)
                    .http_status_as_error(false)
                    .timeout_global(Some(DEADLINE))
                    .build(),
            );
            for stream in listener.incoming().flatten() {
                let (agent, upstream, log, routed) = (agent.clone(), upstream.clone(), log.clone(), routed.clone());
                std::thread::spawn(move || forward(stream, &agent, &upstream, &log, &routed));
            }
        });
        Proxy { port, requests }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// What `/api/v1/origins` answers, made from the daemon's `/api/v1/apps` (the
/// origins of the apps' templates) for a daemon that does not have the route yet.
fn stand_in_origins(agent: &ureq::Agent, upstream: &str, routed: &Value) -> Value {
    let get = |path: &str| -> Value {
        agent
            .get(format!("{upstream}{path}"))
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_to_string().ok())
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or(Value::Null)
    };
    let mut origins: Vec<String> = get("/api/v1/apps")["apps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|app| app["template"].as_str())
        .filter_map(|template| {
            let (scheme, rest) = template.split_once("://")?;
            let host = rest.split(['/', '?', '#', '{']).next()?;
            matches!(scheme, "http" | "https").then(|| format!("{scheme}://{host}").to_lowercase())
        })
        .collect();
    origins.sort();
    origins.dedup();
    json!({ "generation": get("/api/v1/status")["last_reload"]["generation"], "origins": origins, "routed": routed })
}

fn forward(stream: TcpStream, agent: &ureq::Agent, upstream: &str, log: &Mutex<Vec<String>>, routed: &Value) {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let target = request_line.split(' ').nth(1).unwrap_or("/").to_owned();
    log.lock().unwrap().push(target.clone());
    let (mut status, mut content_type, mut location, mut body) = (502, "text/plain".to_owned(), None, String::new());
    if let Ok(mut reply) = agent.get(format!("{upstream}{target}")).call() {
        status = reply.status().as_u16();
        let header = |name: &str| reply.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        content_type = header("content-type").unwrap_or_default();
        location = header("location");
        body = reply.body_mut().read_to_string().unwrap_or_default();
    }
    if target == "/api/v1/origins" && status == 404 {
        (status, content_type, body) =
            (200, "application/json".into(), stand_in_origins(agent, upstream, routed).to_string());
    }
    let location = location.map(|l| format!("Location: {l}\r\n")).unwrap_or_default();
    let _ = write!(
        reader.get_mut(),
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n{location}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// Headless Chromium with the extension loaded, connected to the browser target.
struct Chromium {
    child: Child,
    socket: WebSocket<TcpStream>,
    next_id: u64,
    worker: String,
    extension_id: String,
    _profile: Option<tempfile::TempDir>,
}

impl Chromium {
    fn start() -> Chromium {
        Chromium::start_with(|_| {})
    }

    /// Like `start`, with `setup` run on the new profile directory first.
    fn start_with(setup: impl FnOnce(&std::path::Path)) -> Chromium {
        let profile = tempfile::tempdir().unwrap();
        setup(profile.path());
        let path = profile.path().to_path_buf();
        Chromium::launch(&path, Some(profile), &extension_dir(), &[], &[])
    }

    /// Chromium on the profile `dir` (which the caller keeps) with the extension at
    /// `extension`, `env` over the test's environment and `args` besides the usual ones.
    fn start_in(
        dir: &std::path::Path,
        extension: &std::path::Path,
        env: &[(String, String)],
        args: &[String],
    ) -> Chromium {
        Chromium::launch(dir, None, extension, env, args)
    }

    fn launch(
        dir: &std::path::Path,
        profile: Option<tempfile::TempDir>,
        extension: &std::path::Path,
        env: &[(String, String)],
        args: &[String],
    ) -> Chromium {
        let mut child = Command::new("/usr/lib/chromium/chromium")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .args(args)
            .args(["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"])
            .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
            .arg("--remote-debugging-port=0")
            .arg(format!("--user-data-dir={}", dir.display()))
            .arg(format!("--load-extension={}", extension.display()))
            .arg(format!("--disable-extensions-except={}", extension.display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start /usr/lib/chromium/chromium (apt-get install chromium; scripts/test does it)");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("ws://") {
                    let _ = tx.send(line[at..].trim().to_owned());
                }
            }
        });
        let browser_ws = rx.recv_timeout(DEADLINE).expect("Chromium printed no DevTools address");
        let port: u16 = browser_ws["ws://127.0.0.1:".len()..].split('/').next().unwrap().parse().unwrap();
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(DEADLINE * 3)).unwrap();
        let (socket, _) = tungstenite::client(browser_ws.as_str(), stream).expect("DevTools WebSocket");
        let mut browser = Chromium {
            child,
            socket,
            next_id: 0,
            worker: String::new(),
            extension_id: String::new(),
            _profile: profile,
        };
        let started = Instant::now();
        let target = loop {
            let targets = browser.call(None, "Target.getTargets", json!({}));
            let worker = targets["targetInfos"].as_array().unwrap().iter().find(|t| {
                t["type"] == "service_worker" && t["url"].as_str().is_some_and(|u| u.starts_with("chrome-extension://"))
            });
            if let Some(worker) = worker {
                break worker.clone();
            }
            assert!(started.elapsed() < DEADLINE, "the extension's service worker never started: {targets}");
            std::thread::sleep(Duration::from_millis(20)); // poll interval of a deadline-bounded wait
        };
        let url = target["url"].as_str().unwrap();
        browser.extension_id = url["chrome-extension://".len()..].split('/').next().unwrap().to_owned();
        browser.worker = browser.attach(target["targetId"].as_str().unwrap());
        // The worker's target exists before its module has run.
        let session = browser.worker.clone();
        let started = Instant::now();
        while browser.eval_in(&session, "return typeof globalThis.applinkd") != "object" {
            assert!(started.elapsed() < DEADLINE, "the extension's background module never ran");
            std::thread::sleep(Duration::from_millis(20)); // poll interval of a deadline-bounded wait
        }
        browser
    }

    fn attach(&mut self, target_id: &str) -> String {
        let attached = self.call(None, "Target.attachToTarget", json!({ "targetId": target_id, "flatten": true }));
        attached["sessionId"].as_str().unwrap().to_owned()
    }

    /// One DevTools command, to the browser or to an attached session; events are skipped.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.socket.send(Message::text(message.to_string())).expect("send to Chromium");
        loop {
            let Message::Text(text) = self.socket.read().expect("read from Chromium") else { continue };
            let value: Value = serde_json::from_str(&text).unwrap();
            if value["id"] == id {
                assert!(value["error"].is_null(), "{method} failed: {value}");
                return value["result"].clone();
            }
        }
    }

    /// Evaluates `body` (the inside of an async function) in `session`; returns its value.
    fn eval_in(&mut self, session: &str, body: &str) -> Value {
        self.evaluate(session, body, false)
    }

    /// `eval_in` as if a person had acted (a click that may open a tab).
    fn eval_as_user(&mut self, session: &str, body: &str) -> Value {
        self.evaluate(session, body, true)
    }

    fn evaluate(&mut self, session: &str, body: &str, user: bool) -> Value {
        let expression = format!("(async () => {{ {body} }})()");
        let result = self.call(
            Some(session),
            "Runtime.evaluate",
            json!({ "expression": expression, "awaitPromise": true, "returnByValue": true, "userGesture": user }),
        );
        assert!(result["exceptionDetails"].is_null(), "{body}\nthrew: {}", result["exceptionDetails"]);
        result["result"]["value"].clone()
    }

    /// Evaluates in the extension's service worker, once it has started.
    fn worker(&mut self, body: &str) -> Value {
        let session = self.worker.clone();
        self.eval_in(&session, &format!("await applinkd.ready; {body}"))
    }

    /// Polls `body` in the worker until it returns something truthy; returns that.
    fn wait_worker(&mut self, what: &str, body: &str) -> Value {
        let started = Instant::now();
        loop {
            let value = self.worker(body);
            if !(value.is_null() || value == json!(false) || value == json!("")) {
                return value;
            }
            assert!(started.elapsed() < DEADLINE, "timed out waiting for {what} ({body})");
            std::thread::sleep(Duration::from_millis(20)); // poll interval of a deadline-bounded wait
        }
    }

    /// Points the extension at `daemon` as the options page would, and waits for its list.
    fn use_daemon(&mut self, daemon: &str) {
        self.worker(&format!("await applinkd.useDaemon({}); return true", json!(daemon)));
    }

    /// Opens `url` in a new tab; returns the extension's id for that tab once it has loaded.
    fn open_tab(&mut self, url: &str) -> i64 {
        self.call(None, "Target.createTarget", json!({ "url": url }));
        self.wait_tab(url, |u| u == url)
    }

    /// Waits for a loaded tab whose URL satisfies `at`; returns its id.
    fn wait_tab(&mut self, what: &str, at: impl Fn(&str) -> bool) -> i64 {
        let started = Instant::now();
        loop {
            let tabs = self.worker("return (await chrome.tabs.query({})).map(t => [t.id, t.url, t.status])");
            let found = tabs.as_array().unwrap().iter().find(|t| t[2] == "complete" && t[1].as_str().is_some_and(&at));
            if let Some(tab) = found {
                return tab[0].as_i64().unwrap();
            }
            assert!(started.elapsed() < DEADLINE, "no tab reached {what}: {tabs}");
            std::thread::sleep(Duration::from_millis(20)); // poll interval of a deadline-bounded wait
        }
    }

    /// The badge of `tab` once the extension has looked the tab's URL up: (text, state).
    fn badge(&mut self, tab: i64, url: &str) -> (String, String) {
        self.wait_worker(
            "the extension to look the tab up",
            &format!("return applinkd.state.tabs.get({tab})?.url === {}", json!(url)),
        );
        let answer = self.worker(&format!(
            "return [await chrome.action.getBadgeText({{ tabId: {tab} }}), applinkd.state.tabs.get({tab}).result.state]"
        ));
        (answer[0].as_str().unwrap().to_owned(), answer[1].as_str().unwrap().to_owned())
    }

    /// The URL and text of the loaded page whose URL starts with `prefix`.
    fn page_text(&mut self, prefix: &str) -> (String, String) {
        let targets = self.call(None, "Target.getTargets", json!({}));
        let target = targets["targetInfos"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["type"] == "page" && t["url"].as_str().is_some_and(|u| u.starts_with(prefix)))
            .unwrap_or_else(|| panic!("no page at {prefix}: {targets}"))
            .clone();
        let session = self.attach(target["targetId"].as_str().unwrap());
        let text = self.eval_in(&session, "return document.body.innerText");
        (target["url"].as_str().unwrap().to_owned(), text.as_str().unwrap_or("").to_owned())
    }

    /// The text of a page of the extension opened in a tab, once `ready` holds in it.
    fn extension_page(&mut self, path: &str, ready: &str) -> (String, String) {
        let url = format!("chrome-extension://{}/{path}", self.extension_id);
        let created = self.call(None, "Target.createTarget", json!({ "url": url }));
        let session = self.attach(created["targetId"].as_str().unwrap());
        let started = Instant::now();
        loop {
            let value = self.eval_in(&session, &format!("return ({ready}) ? document.body.innerText : null"));
            if let Some(text) = value.as_str() {
                return (session, text.to_owned());
            }
            assert!(started.elapsed() < DEADLINE, "{path} never became ready ({ready})");
            std::thread::sleep(Duration::from_millis(20)); // poll interval of a deadline-bounded wait
        }
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Two stand-in apps on `*.localhost` ports, a record in both, a daemon and its proxy.
struct World {
    crm: u16,
    wiki: u16,
    wiki_hits: Arc<std::sync::atomic::AtomicUsize>,
    other: u16,
    daemon: Daemon,
    proxy: Proxy,
}

/// A stand-in web server that counts the requests it gets.
fn counting_server(body: String) -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            // A connection the browser opens ahead (preconnect) and closes unused is no
            // request, and the favicon is not the page.
            if !reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                continue;
            }
            let page = !line.starts_with("GET /favicon.ico ");
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            if page {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            let _ = write!(
                reader.get_mut(),
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (port, hits)
}

fn world() -> World {
    world_with(Proxy::start)
}

fn world_with(proxy: impl FnOnce(&Daemon, Value) -> Proxy) -> World {
    let page = |token: &str| format!("<!doctype html><html><body><h1>{token}</h1></body></html>");
    let (wiki, wiki_hits) = counting_server(page("wiki-person-page"));
    let crm = canned_server(
        "text/html",
        page(&format!(
            "crm-contact-page <a id=\"wiki\" href=\"http://wiki.localhost:{wiki}/people/ada\">Ada in the wiki</a>"
        )),
    )
    .port();
    let other = canned_server("text/html", page("some-other-site")).port();
    let apps = format!(
        "[apps.\"crm.localhost\"]\nname = \"CRM\"\nurl = \"http://crm.localhost:{crm}/contacts/{{id}}\"\n\n\
         [apps.\"wiki.localhost\"]\nname = \"Wiki\"\nurl = \"http://wiki.localhost:{wiki}/people/{{id}}\"\nopen_with = [\"/bin/true\"]\n"
    );
    let people = "[[person]]\nname = \"Ada Lovelace\"\nlinks = [\n  { app = \"crm.localhost\", id = \"501\" },\n  \
                  { app = \"wiki.localhost\", id = \"ada\" },\n]\n";
    let daemon = Daemon::start(&[("links/apps.toml", &apps), ("links/people.toml", people)]);
    // As main's route answers: each app with the list of its origins.
    let routed = json!([{ "app": "wiki.localhost", "app_name": "Wiki", "origins": [format!("http://wiki.localhost:{wiki}")], "native": false, "open_with": true }]);
    let proxy = proxy(&daemon, routed);
    World { crm, wiki, wiki_hits, other, daemon, proxy }
}

#[test]
fn the_extension_id_is_the_one_the_packaging_names() {
    let browser = Chromium::start();
    assert_eq!(browser.extension_id, chromium_id(), "the manifest's key gives another id than ids.json says");
}

#[test]
fn the_badge_counts_the_other_apps_and_unknown_sites_are_never_sent() {
    let w = world();
    let mut browser = Chromium::start();
    browser.use_daemon(&w.proxy.url());

    let contact = format!("http://crm.localhost:{}/contacts/501", w.crm);
    let tab = browser.open_tab(&contact);
    assert_eq!(browser.badge(tab, &contact), ("1".to_owned(), "record".to_owned()));

    let elsewhere = format!("http://other.localhost:{}/contacts/501", w.other);
    let tab = browser.open_tab(&elsewhere);
    assert_eq!(browser.badge(tab, &elsewhere), (String::new(), "unknown-origin".to_owned()));

    let requests = w.proxy.requests();
    let asked = |port: u16| requests.iter().any(|r| r.contains(&format!("localhost%3A{port}")));
    let times = |port: u16| requests.iter().filter(|r| r.contains(&format!("localhost%3A{port}"))).count();
    // Once: the lookup started with the navigation is the one its commit uses.
    assert_eq!(times(w.crm), 1, "the known page was looked up once: {requests:?}");
    assert!(!asked(w.other), "the daemon was asked about a site no app names: {requests:?}");
    assert!(requests.iter().all(|r| !r.contains("other.localhost")), "{requests:?}");
}

#[test]
fn the_popup_shows_the_record_and_a_click_opens_the_other_app() {
    let w = world();
    let mut browser = Chromium::start();
    browser.use_daemon(&w.proxy.url());
    let contact = format!("http://crm.localhost:{}/contacts/501", w.crm);
    let tab = browser.open_tab(&contact);

    let (popup, text) = browser.extension_page(&format!("popup.html?tab={tab}"), "document.body?.dataset.state");
    assert!(text.contains("person Ada Lovelace"), "{text}");
    assert!(text.contains("CRM (this page)"), "the current link is marked: {text}");
    assert!(text.contains("Wiki") && !text.contains("Wiki (this page)"), "{text}");

    browser.eval_in(&popup, "document.querySelector('li[data-app=\"wiki.localhost\"] button').click(); return true");
    let wiki = format!("http://wiki.localhost:{}/people/ada", w.wiki);
    browser.wait_tab("the wiki page, through the daemon's redirect", |u| u == wiki);
    assert!(w.proxy.requests().iter().any(|r| r == "/wiki.localhost/ada"), "{:?}", w.proxy.requests());
}

#[test]
fn the_context_menu_shows_the_record_and_opens_the_other_app() {
    let w = world();
    let mut browser = Chromium::start();
    browser.use_daemon(&w.proxy.url());
    let contact = format!("http://crm.localhost:{}/contacts/501", w.crm);
    let tab = browser.open_tab(&contact);
    browser.badge(tab, &contact);

    // "Show the record" on a link: the daemon's record page of the link's URL.
    let wiki = format!("http://wiki.localhost:{}/people/ada", w.wiki);
    browser.worker(&format!(
        "await applinkd.onMenuClicked({{ menuItemId: 'show-record', linkUrl: {}, pageUrl: {} }}, await chrome.tabs.get({tab})); return true",
        json!(wiki),
        json!(contact)
    ));
    let shown = format!("{}/show?url=", w.proxy.url());
    browser.wait_tab("the record page", |u| u.starts_with(&shown));
    let (url, text) = browser.page_text(&shown);
    assert!(url.contains("wiki.localhost%3A"), "{url}");
    assert!(text.contains("Ada Lovelace") && text.contains("CRM"), "{text}");

    // "Show the record" on selected words: the records search.
    browser.worker(
        "await applinkd.onMenuClicked({ menuItemId: 'show-record', selectionText: ' Ada Lovelace ' }); return true",
    );
    let search = format!("{}/?q=Ada%20Lovelace", w.proxy.url());
    browser.wait_tab("the search page", |u| u == search);

    // Chromium's "Open in <App>" items are those of the active tab's record.
    browser.worker(&format!("await chrome.tabs.update({tab}, {{ active: true }}); return true"));
    let items = browser.wait_worker(
        "the Open in items",
        "await applinkd.updateOpenInMenu(); const k = [...applinkd.state.menuLinks.keys()]; return k.length ? k : null",
    );
    assert_eq!(items, json!(["open-in:wiki.localhost"]));
    browser.worker("await applinkd.onMenuClicked({ menuItemId: 'open-in:wiki.localhost' }); return true");
    browser.wait_tab("the wiki page", |u| u == wiki);
}

/// The DevTools target of the page at `url` (its URL there may lag the tab's a little).
fn target_of(browser: &mut Chromium, url: &str) -> String {
    let started = Instant::now();
    loop {
        let targets = browser.call(None, "Target.getTargets", json!({}));
        let found = targets["targetInfos"].as_array().unwrap().iter().find(|t| t["url"] == url);
        if let Some(target) = found {
            return target["targetId"].as_str().unwrap().to_owned();
        }
        assert!(started.elapsed() < DEADLINE, "no DevTools target at {url}: {targets}");
        std::thread::sleep(Duration::from_millis(20)); // poll interval of a deadline-bounded wait
    }
}

#[test]
fn the_omnibox_suggests_records_by_name_and_opens_pairs_and_urls() {
    let w = world();
    let mut browser = Chromium::start();
    browser.use_daemon(&w.proxy.url());

    let suggestions = browser.worker("return await applinkd.suggest('ada')");
    let first = &suggestions[0];
    assert!(first["description"].as_str().unwrap().contains("person Ada Lovelace"), "{suggestions}");
    assert_eq!(first["content"], "crm.localhost 501", "{suggestions}");

    browser.worker("await applinkd.onOmniboxEntered('crm.localhost 501', 'newForegroundTab'); return true");
    let pair = format!("{}/show/crm.localhost/501", w.proxy.url());
    browser.wait_tab("the record page of the pair", |u| u == pair);

    let wiki = format!("http://wiki.localhost:{}/people/ada", w.wiki);
    browser.worker(&format!("await applinkd.onOmniboxEntered({}, 'newForegroundTab'); return true", json!(wiki)));
    let shown = format!("{}/show?url=http%3A%2F%2Fwiki.localhost%3A{}%2Fpeople%2Fada", w.proxy.url(), w.wiki);
    browser.wait_tab("the record page of the URL", |u| u == shown);
}

/// Points the extension at the daemon on `port` (down, silent or not applinkd), opens a
/// record's page, waits for the `!` mark; the tab, the page and the popup's text.
fn down_mark_then_popup(browser: &mut Chromium, w: &World, port: u16) -> (i64, String, String) {
    browser.use_daemon(&format!("http://127.0.0.1:{port}"));
    let contact = format!("http://crm.localhost:{}/contacts/501", w.crm);
    let tab = browser.open_tab(&contact);
    let badge = browser.wait_worker(
        "the down mark",
        &format!("const t = await chrome.action.getBadgeText({{ tabId: {tab} }}); return t === '!' ? t : null"),
    );
    assert_eq!(badge, "!");
    let (_, text) = browser.extension_page(&format!("popup.html?tab={tab}"), "document.body?.dataset.state");
    (tab, contact, text)
}

#[test]
fn a_daemon_that_is_down_is_said_plainly_and_nothing_is_sent() {
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let w = world();
    let mut browser = Chromium::start();
    let (tab, contact, text) = down_mark_then_popup(&mut browser, &w, closed);
    assert!(text.contains("not answering"), "{text}");
    assert!(w.proxy.requests().is_empty(), "{:?}", w.proxy.requests());

    // The daemon comes back (here: the extension is pointed at one): the badge follows.
    browser.use_daemon(&w.proxy.url());
    assert_eq!(browser.badge(tab, &contact), ("1".to_owned(), "record".to_owned()));
}

#[test]
fn a_change_of_the_files_is_picked_up_by_the_reload_generation() {
    let w = world();
    let mut browser = Chromium::start();
    browser.use_daemon(&w.proxy.url());
    let contact = format!("http://crm.localhost:{}/contacts/501", w.crm);
    let tab = browser.open_tab(&contact);
    assert_eq!(browser.badge(tab, &contact), ("1".to_owned(), "record".to_owned()));

    let notes = canned_server("text/html", "<h1>notes</h1>".to_owned()).port();
    let before = w.daemon.status_json()["last_reload"]["generation"].clone();
    crate::daemon::write(
        &w.daemon.path("links/notes.toml"),
        &format!(
            "[apps.\"notes.localhost\"]\nname = \"Notes\"\nurl = \"http://notes.localhost:{notes}/n/{{id}}\"\n\n\
             [[person]]\nname = \"Ada Lovelace\"\nlinks = [{{ app = \"crm.localhost\", id = \"501\" }}, {{ app = \"notes.localhost\", id = \"7\" }}]\n"
        ),
    );
    let generation = |d: &Daemon| d.status_json()["last_reload"]["generation"].clone();
    w.daemon.wait_for("the reload", |d| generation(d) != before);
    let origins_fetched = |p: &Proxy| p.requests().iter().filter(|r| *r == "/api/v1/origins").count();
    let fetched = origins_fetched(&w.proxy);
    // What the poll alarm does (the watcher may reload more than once for one write).
    browser.worker("await applinkd.refresh(); return true");
    assert!(origins_fetched(&w.proxy) > fetched, "a new generation fetches the list again");
    let started = Instant::now();
    while browser.worker("return applinkd.state.generation") != generation(&w.daemon) {
        assert!(started.elapsed() < DEADLINE, "the extension never caught up with the daemon's generation");
        browser.worker("await applinkd.refresh(); return true");
    }
    assert_eq!(browser.badge(tab, &contact), ("2".to_owned(), "record".to_owned()));
    let note = format!("http://notes.localhost:{notes}/n/7");
    let tab = browser.open_tab(&note);
    assert_eq!(browser.badge(tab, &note), ("2".to_owned(), "record".to_owned()), "the new app's site is known");

    // The poll that does this by itself: an alarm every 30 s (the shortest Chromium allows).
    let alarm = browser.worker("return (await chrome.alarms.get('applinkd-poll'))?.periodInMinutes");
    assert_eq!(alarm, 0.5);

    // The same generation again: one cheap status request, no new list.
    let (fetched, now) = (origins_fetched(&w.proxy), generation(&w.daemon));
    browser.worker("await applinkd.refresh(); return true");
    if generation(&w.daemon) == now {
        assert_eq!(origins_fetched(&w.proxy), fetched);
    }
}

#[test]
fn files_with_errors_and_bad_pages_get_a_plain_mark_and_the_browser_keeps_working() {
    let w = world();
    crate::daemon::write(&w.daemon.path("links/broken.toml"), "[[person]\nname = \n");
    w.daemon.wait_for("the error to count", |d| d.status_json()["errors"].as_u64() > Some(0));
    let mut browser = Chromium::start();
    browser.use_daemon(&w.proxy.url());

    let contact = format!("http://crm.localhost:{}/contacts/501", w.crm);
    let tab = browser.open_tab(&contact);
    assert_eq!(browser.badge(tab, &contact), ("1".to_owned(), "record".to_owned()));
    let colour = browser.worker(&format!("return await chrome.action.getBadgeBackgroundColor({{ tabId: {tab} }})"));
    assert_eq!(colour, json!([199, 120, 0, 255]), "files with errors colour the badge");
    let (_, text) = browser.extension_page(&format!("popup.html?tab={tab}"), "document.body?.dataset.state");
    assert!(text.contains("error(s)") && text.contains("Ada Lovelace"), "{text}");

    // 8 KiB of %XX on a known site: a clear state, then the next page works.
    let long = format!("http://crm.localhost:{}/contacts/{}", w.crm, "%41".repeat(2731));
    let tab = browser.open_tab(&long);
    let (badge, state) = browser.badge(tab, &long);
    assert!(badge.parse::<u32>().is_err(), "{badge}");
    assert!(state == "not-a-record" || state == "error", "{state}");
    let other = format!("http://crm.localhost:{}/contacts/501?again", w.crm);
    let tab = browser.open_tab(&other);
    assert_eq!(browser.badge(tab, &other).0, "1");
}

#[test]
fn a_daemon_that_never_answers_is_said_plainly() {
    // Accepts connections and holds them, answering nothing.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let held: Vec<TcpStream> = listener.incoming().flatten().collect();
        drop(held);
    });
    let w = world();
    let mut browser = Chromium::start();
    let (_, _, text) = down_mark_then_popup(&mut browser, &w, port);
    assert!(text.contains("not answering") && text.contains("TimeoutError"), "{text}");
}

#[test]
fn a_daemon_answering_garbage_is_said_plainly() {
    let garbage = canned_server("text/html", "<html>not applinkd</html>".to_owned()).port();
    let w = world();
    let mut browser = Chromium::start();
    let (_, _, text) = down_mark_then_popup(&mut browser, &w, garbage);
    assert!(text.contains("not JSON"), "{text}");
}

#[test]
fn without_the_native_host_nothing_is_intercepted() {
    let w = world();
    let mut browser = Chromium::start();
    browser.use_daemon(&w.proxy.url());
    let routed = browser.worker("return [applinkd.state.native, applinkd.state.routed.map(r => r.app)]");
    assert_eq!(routed, json!([false, ["wiki.localhost"]]), "the daemon names a routed app, and there is no host");
    let rules = browser.worker("return await chrome.declarativeNetRequest.getDynamicRules()");
    assert_eq!(rules, json!([]));
    let wiki = format!("http://wiki.localhost:{}/people/ada", w.wiki);
    browser.open_tab(&wiki);
    let (_, text) = browser.page_text(&wiki);
    assert!(text.contains("wiki-person-page"), "{text}");
}

#[test]
fn the_options_page_accepts_loopback_daemons_only() {
    let w = world();
    let mut browser = Chromium::start();
    let (options, _) = browser.extension_page("options.html", "document.getElementById('status')?.textContent");
    let save = |address: &str| {
        format!(
            "document.getElementById('saved').textContent = ''; document.getElementById('daemon').value = {}; \
             document.getElementById('form').requestSubmit(); return true",
            json!(address)
        )
    };
    let saved = "const t = document.getElementById('saved').textContent; return t || null";
    for refused in
        ["http://192.168.1.2:7133", "https://127.0.0.1:7133", "http://example.com:7133", "http://127.0.0.1:7133/x"]
    {
        browser.eval_in(&options, &save(refused));
        let said = wait_in(&mut browser, &options, saved);
        assert!(said.starts_with("Not saved"), "{refused}: {said}");
    }
    browser.eval_in(&options, &save(&format!("http://applink.localhost:{}", w.proxy.port)));
    assert_eq!(wait_in(&mut browser, &options, saved), "Saved.");
    let daemon = browser.worker("return applinkd.state.daemon.base");
    assert_eq!(daemon, format!("http://applink.localhost:{}", w.proxy.port));
}

fn wait_in(browser: &mut Chromium, session: &str, body: &str) -> String {
    let started = Instant::now();
    loop {
        if let Some(text) = browser.eval_in(session, body).as_str() {
            return text.to_owned();
        }
        assert!(started.elapsed() < DEADLINE, "timed out: {body}");
        std::thread::sleep(Duration::from_millis(20)); // poll interval of a deadline-bounded wait
    }
}

/// A stand-in for `applinkd native-host` (for the extension's side alone; the real one
/// is driven by `a_zoom_link_goes_through_the_real_native_host_to_the_desktop_app`): the
/// native messaging framing, answers carrying the request's `id`, `route` answering `open_with` for the wiki's URLs and
/// `fallback` otherwise, `open` writing the URL it got to `opened`, one a line.
const STAND_IN_HOST: &str = r#"#!/usr/bin/python3
import json, struct, sys
opened = sys.argv[0] + ".opened"
while True:
    head = sys.stdin.buffer.read(4)
    if len(head) < 4:
        break
    request = json.loads(sys.stdin.buffer.read(struct.unpack("=I", head)[0]))
    url = request.get("url", "")
    if request.get("op") == "route" and "wiki.localhost" in url and "/people/" in url:
        answer = {"ok": True, "answer": {"route": "open_with", "app": "wiki.localhost", "app_name": "Wiki", "url": url}}
    elif request.get("op") == "route":
        answer = {"ok": True, "answer": {"route": "fallback", "url": url}}
    elif request.get("op") == "open":
        with open(opened, "a") as f:
            f.write(url + "\n")
        answer = {"ok": True, "answer": {"opened": url, "with": "stand-in"}}
    else:
        answer = {"ok": False, "error": {"code": "bad_request", "message": "unknown op"}}
    answer["id"] = request.get("id")
    data = json.dumps(answer).encode()
    sys.stdout.buffer.write(struct.pack("=I", len(data)) + data)
    sys.stdout.buffer.flush()
"#;

/// Installs the stand-in host for `profile` (Chromium reads host manifests from
/// `USER_DATA_DIR/NativeMessagingHosts/` when given a `--user-data-dir`); returns
/// the file where it writes what it opened.
fn install_stand_in_host(profile: &std::path::Path) -> PathBuf {
    install_host_program(profile, STAND_IN_HOST)
}

fn install_host_program(profile: &std::path::Path, source: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let program = profile.join("stand-in-host");
    std::fs::write(&program, source).unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    let manifest = json!({
        "name": "dev.applinkd.host",
        "description": "stand-in applinkd native host",
        "path": program,
        "type": "stdio",
        "allowed_origins": [format!("chrome-extension://{}/", chromium_id())],
    });
    crate::daemon::write(&profile.join("NativeMessagingHosts/dev.applinkd.host.json"), &manifest.to_string());
    profile.join("stand-in-host.opened")
}

/// The stand-in host for Firefox: `$HOME/.mozilla/native-messaging-hosts/`.
fn install_stand_in_host_for_firefox(home: &std::path::Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let program = home.join("stand-in-host");
    std::fs::write(&program, STAND_IN_HOST).unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    let manifest = json!({
        "name": "dev.applinkd.host",
        "description": "stand-in applinkd native host",
        "path": program,
        "type": "stdio",
        "allowed_extensions": ["applinkd@applinkd.dev"],
    });
    crate::daemon::write(&home.join(".mozilla/native-messaging-hosts/dev.applinkd.host.json"), &manifest.to_string());
    home.join("stand-in-host.opened")
}

fn opened(file: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(file).unwrap_or_default().lines().map(str::to_owned).collect()
}

/// A routed link clicked in a page goes to the desktop program through the host,
/// the tab goes back and never loads the web page; "Open in browser anyway" loads
/// it once; the next click routes again; an app switched off stays in the browser.
#[test]
fn a_routed_link_goes_through_the_native_host_and_the_tab_goes_back() {
    let w = world();
    let mut opened_file = PathBuf::new();
    let mut browser = Chromium::start_with(|profile| opened_file = install_stand_in_host(profile));
    browser.use_daemon(&w.proxy.url());
    assert_eq!(browser.worker("return applinkd.state.native"), true, "the stand-in host answers");
    let rules = browser.worker("return (await chrome.declarativeNetRequest.getDynamicRules()).length");
    assert_eq!(rules, 1, "one rule for the routed origin");

    let contact = format!("http://crm.localhost:{}/contacts/501", w.crm);
    let created = browser.call(None, "Target.createTarget", json!({ "url": contact }));
    let page = browser.attach(created["targetId"].as_str().unwrap());
    browser.wait_tab(&contact, |u| u == contact);
    let wiki = format!("http://wiki.localhost:{}/people/ada", w.wiki);
    let click = "document.getElementById('wiki').click(); return true";

    browser.eval_in(&page, click);
    wait_until("the host to open the wiki URL", || opened(&opened_file).len() == 1);
    assert_eq!(opened(&opened_file), vec![wiki.clone()]);
    browser.wait_tab("the CRM page again", |u| u == contact);
    let hits = |w: &World| w.wiki_hits.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(hits(&w), 0, "the tab never loaded the routed page");

    // "Open in browser anyway" (the link's context menu): loads once, no loop.
    browser.worker(&format!(
        "await applinkd.onMenuClicked({{ menuItemId: 'open-anyway', linkUrl: {} }}); return true",
        json!(wiki)
    ));
    browser.wait_tab("the wiki page in the browser", |u| u == wiki);
    assert_eq!(hits(&w), 1);
    assert_eq!(opened(&opened_file).len(), 1, "the bypass did not route");

    let target = target_of(&mut browser, &contact);
    let page = browser.attach(&target);
    browser.eval_in(&page, click);
    wait_until("the second click to be routed", || opened(&opened_file).len() == 2);

    // A link opened in a new tab: routed, and the tab it opened closes.
    let tabs = |browser: &mut Chromium| browser.worker("return (await chrome.tabs.query({})).length");
    let before = tabs(&mut browser);
    let target = target_of(&mut browser, &contact);
    let page = browser.attach(&target);
    browser.eval_as_user(
        &page,
        &format!(
            "const a = document.createElement('a'); a.href = {}; a.target = '_blank'; document.body.append(a); a.click(); return true",
            json!(format!("{wiki}?new-tab"))
        ),
    );
    wait_until("the new tab's link to be routed", || opened(&opened_file).len() == 3);
    assert_eq!(opened(&opened_file)[2], format!("{wiki}?new-tab"));
    browser.wait_worker(
        "the tab opened for the link to close",
        &format!("return (await chrome.tabs.query({{}})).length === {before}"),
    );

    // A page that sends a tab to route.html itself (it is web-accessible) routes nothing.
    let forged = format!("chrome-extension://{}/route.html#{wiki}?forged", browser.extension_id);
    let page = browser.attach(&target);
    browser.eval_in(&page, &format!("location.href = {}; return true", json!(forged)));
    wait_until("the forged route to load the page instead", || hits(&w) == 2);
    assert_eq!(opened(&opened_file).len(), 3, "route.html without the rules' key opened nothing");
    let forged_page = format!("{wiki}?forged");
    browser.wait_tab("the page the forged route names", |u| u == forged_page);
    let target = target_of(&mut browser, &forged_page);
    browser.call(None, "Target.closeTarget", json!({ "targetId": target }));
    browser.call(None, "Target.createTarget", json!({ "url": contact }));
    browser.wait_tab(&contact, |u| u == contact);

    // Switched off in the options: the link stays in the browser.
    browser.worker(
        "await chrome.storage.local.set({ disabledApps: ['wiki.localhost'] }); await applinkd.useDaemon(applinkd.state.daemon.base); \
         return true",
    );
    assert_eq!(browser.worker("return (await chrome.declarativeNetRequest.getDynamicRules()).length"), 0);
    let target = target_of(&mut browser, &contact);
    let page = browser.attach(&target);
    browser.eval_in(&page, click);
    wait_until("the wiki page to load in the tab", || hits(&w) == 3);
    assert_eq!(opened(&opened_file).len(), 3);
}

/// Routing keeps the tab's history as a person expects and leaves forms alone: a page of a
/// routed site that is no App URL replaces route.html (before, Back from it came to route.html,
/// which loaded the page again: the person could not go back); Forward onto route.html opens
/// nothing by itself and offers the app; a form posted to a routed site is never redirected
/// (a POST turned into a GET of route.html loses its data).
#[test]
fn routing_keeps_the_history_and_leaves_forms_alone() {
    let w = world();
    let mut opened_file = PathBuf::new();
    let mut browser = Chromium::start_with(|profile| opened_file = install_stand_in_host(profile));
    browser.use_daemon(&w.proxy.url());
    let contact = format!("http://crm.localhost:{}/contacts/501", w.crm);
    let created = browser.call(None, "Target.createTarget", json!({ "url": contact }));
    let target = created["targetId"].as_str().unwrap().to_owned();
    browser.wait_tab(&contact, |u| u == contact);
    let hits = |w: &World| w.wiki_hits.load(std::sync::atomic::Ordering::SeqCst);

    let about = format!("http://wiki.localhost:{}/about", w.wiki);
    let page = browser.attach(&target);
    browser.eval_in(&page, &format!("location.href = {}; return true", json!(about)));
    browser.wait_tab("the wiki's page that is no App URL", |u| u == about);
    assert_eq!(hits(&w), 1);
    let page = browser.attach(&target);
    assert_eq!(browser.eval_in(&page, "return history.length"), 2, "route.html stayed in the history");
    browser.eval_in(&page, "history.back(); return true");
    browser.wait_tab("the CRM page after Back", |u| u == contact);
    assert_eq!(hits(&w), 1, "Back came round to the page again");

    let wiki = format!("http://wiki.localhost:{}/people/ada", w.wiki);
    let page = browser.attach(&target);
    browser.eval_in(&page, "document.getElementById('wiki').click(); return true");
    wait_until("the host to open the wiki URL", || opened(&opened_file).len() == 1);
    browser.wait_tab("the CRM page again", |u| u == contact);
    let page = browser.attach(&target);
    browser.eval_in(&page, "history.forward(); return true");
    let key = browser.worker("return applinkd.state.routeKey");
    let route_page =
        format!("chrome-extension://{}/route.html?key={}#{wiki}", browser.extension_id, key.as_str().unwrap());
    let route_target = target_of(&mut browser, &route_page);
    let route = browser.attach(&route_target);
    let started = Instant::now();
    while browser.eval_in(&route, "return document.getElementById('again')?.hidden") != json!(false) {
        assert!(started.elapsed() < DEADLINE, "route.html reached through Forward offered nothing");
        std::thread::sleep(Duration::from_millis(20)); // poll interval of a deadline-bounded wait
    }
    assert_eq!(opened(&opened_file).len(), 1, "Forward onto route.html opened the app again by itself");
    browser.eval_as_user(&route, "document.getElementById('again').click(); return true");
    wait_until("the offered app to open", || opened(&opened_file).len() == 2);
    browser.wait_tab("the CRM page after the offer", |u| u == contact);

    let before = hits(&w);
    let page = browser.attach(&target);
    browser.eval_in(
        &page,
        &format!(
            "const f = document.createElement('form'); f.method = 'post'; f.action = {}; document.body.append(f); \
             f.submit(); return true",
            json!(wiki)
        ),
    );
    wait_until("the form to reach the wiki", || hits(&w) == before + 1);
    browser.wait_tab("the wiki's answer to the form", |u| u == wiki);
    assert_eq!(opened(&opened_file).len(), 2, "a posted form was routed");
}

/// A Zoom-style meeting link clicked in a web calendar goes through the real `applinkd
/// native-host` (installed by `applinkd register --extension`, as the README says) to
/// the desktop app: the `zoommtg:` handler of a throw-away desktop gets the deep link
/// `applinkd open` makes, the tab never loads the web page and goes back to the calendar.
/// The pages are on names Chromium maps to loopback (`--host-resolver-rules`): on
/// `*.localhost` a URL would be read as a daemon URL (`/APP/ID`).
#[test]
fn a_zoom_link_goes_through_the_real_native_host_to_the_desktop_app() {
    let (zoom, zoom_hits) = counting_server("<!doctype html><body>zoom-web-page</body>".into());
    let apps = format!(
        "[apps.\"zoom.example\"]\nname = \"Zoom\"\nurl = \"http://zoom.example:{zoom}/j/{{id}}{{?pwd}}\"\n\
         native = \"zoommtg://zoom.us/join?confno={{id}}{{&pwd}}\"\nschemes = [\"http\", \"https\", \"zoommtg\"]\n"
    );
    let desktop = crate::desktop::Desktop::new(&[("apps.toml", &apps)]).firefox_default();
    let meeting = format!("http://zoom.example:{zoom}/j/85?pwd=x");
    let calendar = canned_server(
        "text/html",
        format!("<!doctype html><body>calendar <a id=\"join\" href=\"{meeting}\">Join the meeting</a></body>"),
    )
    .port();
    // The daemon the extension asks serves the same files (the host reads them itself).
    let daemon = Daemon::start(&[("links/apps.toml", &apps)]);
    let (code, out, err) = desktop.applinkd(&["register", "--extension"]);
    assert_eq!(code, 0, "{out}{err}");
    let profile = desktop.path("config/chromium");
    assert!(profile.join("NativeMessagingHosts/dev.applinkd.host.json").is_file(), "{out}");
    // Routing on a site needs its host access, which a person grants in the options page
    // ("Allow routing on these sites"); a copy of the extension with it granted in its
    // manifest stands in for that click (the prompt cannot be answered headless).
    let extension = desktop.path("extension");
    copy_dir(&extension_dir(), &extension);
    let manifest_path = extension.join("manifest.json");
    let mut manifest: Value = serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    manifest["host_permissions"].as_array_mut().unwrap().push(json!("http://*.example/*"));
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    let rules = "--host-resolver-rules=MAP zoom.example 127.0.0.1, MAP calendar.example 127.0.0.1".to_owned();
    let mut browser = Chromium::start_in(&profile, &extension, &desktop.env, &[rules]);
    assert_eq!(browser.extension_id, chromium_id(), "the copy keeps the key, so the host's allowed origin");
    browser.use_daemon(&daemon.url(""));
    assert_eq!(browser.worker("return applinkd.state.native"), true, "the host register --extension installed answers");
    assert_eq!(browser.worker("return (await chrome.declarativeNetRequest.getDynamicRules()).length"), 1);

    let page_url = format!("http://calendar.example:{calendar}/today");
    let created = browser.call(None, "Target.createTarget", json!({ "url": page_url }));
    let page = browser.attach(created["targetId"].as_str().unwrap());
    browser.wait_tab("the calendar", |u| u == page_url);
    browser.eval_in(&page, "document.getElementById('join').click(); return true");
    assert_eq!(desktop.got("zoom"), ["zoommtg://zoom.us/join?confno=85&pwd=x"]);
    browser.wait_tab("the calendar again", |u| u == page_url);
    assert_eq!(zoom_hits.load(std::sync::atomic::Ordering::SeqCst), 0, "the tab never loaded the meeting's web page");
    assert!(!desktop.ran("firefox"), "nothing went to the web browser");

    // One port to the host for the whole session: a second click routes too.
    std::fs::remove_file(desktop.path("bin/zoom.args")).unwrap();
    let target = target_of(&mut browser, &page_url);
    let page = browser.attach(&target);
    browser.eval_in(&page, "document.getElementById('join').click(); return true");
    assert_eq!(desktop.got("zoom"), ["zoommtg://zoom.us/join?confno=85&pwd=x"]);
    assert_eq!(zoom_hits.load(std::sync::atomic::Ordering::SeqCst), 0);
}

/// Routing rules replaced by several refreshes at once (the worker's start, the options
/// page, a poll) end as one set: the updates run one after the other (at once, each read
/// the old rules and added the same ids, and all but one failed: 2 runs of 3 before the
/// fix with one round; five rounds here).
#[test]
fn routing_rules_replaced_at_once_end_as_one_set() {
    let w = world();
    let mut browser = Chromium::start_with(|profile| {
        install_stand_in_host(profile);
    });
    let daemon = json!(w.proxy.url());
    let outcome = browser.worker(&format!(
        "const failed = []; \
         for (let round = 0; round < 5; round++) {{ \
           const all = await Promise.allSettled([applinkd.useDaemon({daemon}), applinkd.useDaemon({daemon}), applinkd.useDaemon({daemon})]); \
           failed.push(...all.filter(r => r.status === 'rejected').map(r => String(r.reason))); \
         }} \
         return [failed, (await chrome.declarativeNetRequest.getDynamicRules()).length]"
    ));
    assert_eq!(outcome, json!([[], 1]));
}

/// With the native host, the popup's click opens the app's record as `applinkd open`
/// would (through the host), not in a tab.
#[test]
fn the_popup_opens_through_the_native_host_when_there_is_one() {
    let w = world();
    let mut opened_file = PathBuf::new();
    let mut browser = Chromium::start_with(|profile| opened_file = install_stand_in_host(profile));
    browser.use_daemon(&w.proxy.url());
    let contact = format!("http://crm.localhost:{}/contacts/501", w.crm);
    let tab = browser.open_tab(&contact);
    let (popup, _) = browser.extension_page(&format!("popup.html?tab={tab}"), "document.body?.dataset.state");
    browser.eval_in(&popup, "document.querySelector('li[data-app=\"wiki.localhost\"] button').click(); return true");
    let said = wait_in(&mut browser, &popup, "return document.getElementById('opened').textContent || null");
    assert_eq!(said, "Opened with stand-in.");
    assert_eq!(opened(&opened_file), vec![format!("http://wiki.localhost:{}/people/ada", w.wiki)]);
    assert_eq!(w.wiki_hits.load(std::sync::atomic::Ordering::SeqCst), 0, "no tab loaded it");
}

/// A host that crashes at once is no host: nothing is intercepted, and the
/// options page says the host is not there.
#[test]
fn a_native_host_that_crashes_intercepts_nothing() {
    let w = world();
    let mut browser = Chromium::start_with(|profile| {
        install_host_program(profile, "#!/bin/sh\nexit 3\n");
    });
    browser.use_daemon(&w.proxy.url());
    assert_eq!(browser.worker("return applinkd.state.native"), false);
    assert_eq!(browser.worker("return (await chrome.declarativeNetRequest.getDynamicRules()).length"), 0);
    let contact = format!("http://crm.localhost:{}/contacts/501", w.crm);
    let created = browser.call(None, "Target.createTarget", json!({ "url": contact }));
    let page = browser.attach(created["targetId"].as_str().unwrap());
    browser.wait_tab(&contact, |u| u == contact);
    browser.eval_in(&page, "document.getElementById('wiki').click(); return true");
    let wiki = format!("http://wiki.localhost:{}/people/ada", w.wiki);
    browser.wait_tab("the wiki page in the tab", |u| u == wiki);
    let (_, text) = browser.extension_page("options.html", "document.getElementById('status')?.textContent");
    assert!(text.contains("Native host: not installed"), "{text}");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20)); // poll interval of a deadline-bounded wait
    }
}

/// `web-ext`: `$WEB_EXT`, else on `PATH` (`scripts/test` installs it with npm).
fn web_ext() -> PathBuf {
    if let Some(path) = std::env::var_os("WEB_EXT") {
        return path.into();
    }
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join("web-ext")).find(|p| p.is_file()))
        .expect("web-ext is needed: `npm install --global web-ext` (scripts/test does it), or WEB_EXT=path")
}

#[test]
fn web_ext_lint_reports_no_errors() {
    let output = Command::new(web_ext())
        .args(["lint", "--output", "json", "--ignore-files", "build.sh", "README.md", "ids.json", "--source-dir"])
        .arg(extension_dir())
        .output()
        .expect("run web-ext lint");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|_| {
        panic!("web-ext lint printed no JSON report:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr))
    });
    assert_eq!(report["errors"], json!([]), "{report:#}");
    assert_eq!(report["summary"]["errors"], 0, "{report:#}");
}

#[test]
fn the_build_script_makes_a_zip_and_an_xpi_of_the_same_files() {
    let output = Command::new(extension_dir().join("build.sh")).output().expect("run build.sh");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let built = String::from_utf8_lossy(&output.stdout);
    let paths: Vec<&str> = built.lines().collect();
    assert!(paths[0].ends_with("applinkd-chromium.zip") && paths[1].ends_with("applinkd-firefox.xpi"), "{built}");
    let list = |path: &str| {
        let out = Command::new("unzip").args(["-Z1", path]).output().expect("unzip -Z1");
        assert!(out.status.success(), "{path} is not a zip archive");
        String::from_utf8(out.stdout).unwrap()
    };
    let zip = list(paths[0]);
    for file in
        ["manifest.json", "background.js", "daemon.js", "popup.html", "options.html", "route.html", "icons/128.png"]
    {
        assert!(zip.lines().any(|l| l == file), "{file} missing from the zip:\n{zip}");
    }
    assert!(!zip.contains("build.sh") && !zip.contains(".pem"), "{zip}");
    assert_eq!(zip, list(paths[1]));
}

/// Headless Firefox ESR driven over WebDriver BiDi, with a session.
struct Firefox {
    child: Child,
    socket: WebSocket<TcpStream>,
    next_id: u64,
    _profile: tempfile::TempDir,
}

/// The extension's `moz-extension://` UUID in the Firefox tests that open its pages
/// (random per install unless pinned by `extensions.webextensions.uuids`).
const FIREFOX_UUID: &str = "5c0a1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b";

impl Firefox {
    /// Firefox with `home` as `$HOME` (where it reads `.mozilla/native-messaging-hosts/`).
    fn start(home: &std::path::Path) -> Firefox {
        Firefox::launch(home, false)
    }

    /// Like `start`, with BiDi allowed to open the extension's pages
    /// (`--remote-allow-system-access`), where `browser.runtime.getBackgroundPage()`
    /// reaches the background, and the extension's UUID pinned to `FIREFOX_UUID`.
    fn with_extension_pages(home: &std::path::Path) -> Firefox {
        Firefox::launch(home, true)
    }

    fn launch(home: &std::path::Path, pages: bool) -> Firefox {
        let profile = tempfile::tempdir().unwrap();
        let mut args = vec!["--headless", "--remote-debugging-port=0", "-no-remote"];
        if pages {
            let uuids = json!({ "applinkd@applinkd.dev": FIREFOX_UUID }).to_string();
            let pref = format!("user_pref(\"extensions.webextensions.uuids\", {});\n", json!(uuids));
            std::fs::write(profile.path().join("user.js"), pref).unwrap();
            args.push("--remote-allow-system-access");
        }
        args.push("-profile");
        let mut child = Command::new("firefox-esr")
            .env("HOME", home)
            .args(args)
            .arg(profile.path())
            .env("MOZ_HEADLESS", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start firefox-esr (apt-get install firefox-esr; scripts/test does it)");
        let (tx, rx) = std::sync::mpsc::channel();
        let out: [Box<dyn std::io::Read + Send>; 2] =
            [Box::new(child.stdout.take().unwrap()), Box::new(child.stderr.take().unwrap())];
        for stream in out {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Some(at) = line.find("ws://") {
                        let _ = tx.send(line[at..].trim().to_owned());
                    }
                }
            });
        }
        let address = rx.recv_timeout(DEADLINE * 2).expect("Firefox printed no WebDriver BiDi address");
        let port: u16 = address["ws://127.0.0.1:".len()..].split('/').next().unwrap().parse().unwrap();
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(DEADLINE * 3)).unwrap();
        let (socket, _) =
            tungstenite::client(format!("ws://127.0.0.1:{port}/session"), stream).expect("BiDi WebSocket");
        let mut firefox = Firefox { child, socket, next_id: 0, _profile: profile };
        firefox.call("session.new", json!({ "capabilities": {} }));
        firefox
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({ "id": id, "method": method, "params": params });
        self.socket.send(Message::text(message.to_string())).expect("send to Firefox");
        loop {
            let Message::Text(text) = self.socket.read().expect("read from Firefox") else { continue };
            let value: Value = serde_json::from_str(&text).unwrap();
            if value["id"] == id {
                assert_eq!(value["type"], "success", "{method} failed: {value}");
                return value["result"].clone();
            }
        }
    }

    fn navigate(&mut self, context: &str, url: &str) {
        self.call("browsingContext.navigate", json!({ "context": context, "url": url, "wait": "complete" }));
    }

    /// Runs `body` (an async function's body) in `context`; what it returns, through JSON.
    fn eval(&mut self, context: &str, body: &str) -> Value {
        let expression = format!("(async () => JSON.stringify(await (async () => {{ {body} }})() ?? null))()");
        let result = self.call(
            "script.evaluate",
            json!({ "expression": expression, "target": { "context": context }, "awaitPromise": true }),
        );
        let text = result["result"]["value"].as_str().unwrap_or_else(|| panic!("{body}: {result}"));
        serde_json::from_str(text).unwrap()
    }

    /// `eval` until it returns something other than `null`, within the deadline.
    fn wait_eval(&mut self, context: &str, what: &str, body: &str) -> Value {
        let started = Instant::now();
        loop {
            let value = self.eval(context, body);
            if !value.is_null() {
                return value;
            }
            assert!(started.elapsed() < DEADLINE, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(20)); // poll interval of a deadline-bounded wait
        }
    }
}

/// In an extension page: `applinkd`, the background's object, once it is ready.
const FIREFOX_BACKGROUND: &str =
    "const applinkd = (await browser.runtime.getBackgroundPage()).applinkd; await applinkd.ready;";

/// Firefox, through its extension pages: the badge on a known record page (the number of
/// other apps) and on an unknown site (empty, and the daemon never asked), the popup's
/// record and a click on another app, "Open in <App>" built for the link under the
/// pointer (`menus.onShown`) and its click, "Show the record", and the omnibox.
#[test]
fn firefox_shows_the_badge_and_the_popup_and_answers_menus_and_the_omnibox() {
    let w = world();
    let home = tempfile::tempdir().unwrap();
    let mut firefox = Firefox::with_extension_pages(home.path());
    let installed =
        firefox.call("webExtension.install", json!({ "extensionData": { "type": "path", "path": extension_dir() } }));
    assert_eq!(installed["extension"], "applinkd@applinkd.dev");
    let tree = firefox.call("browsingContext.getTree", json!({}));
    let tab = tree["contexts"][0]["context"].as_str().unwrap().to_owned();
    let page = firefox.call("browsingContext.create", json!({ "type": "tab" }))["context"].as_str().unwrap().to_owned();
    let extension_page = |path: &str| format!("moz-extension://{FIREFOX_UUID}/{path}");
    firefox.navigate(&page, &extension_page("options.html"));
    let bg = FIREFOX_BACKGROUND;
    firefox.eval(&page, &format!("{bg} await applinkd.useDaemon({}); return true", json!(w.proxy.url())));

    let badge_of = |url: &str| {
        format!(
            "{bg} const t = (await browser.tabs.query({{}})).find(t => t.url === {url}); \
             const seen = t && applinkd.state.tabs.get(t.id); \
             return seen && seen.url === {url} ? [t.id, await browser.action.getBadgeText({{ tabId: t.id }})] : null",
            url = json!(url)
        )
    };
    let contact = format!("http://crm.localhost:{}/contacts/501", w.crm);
    firefox.navigate(&tab, &contact);
    let seen = firefox.wait_eval(&page, "the badge of the record page", &badge_of(&contact));
    assert_eq!(seen[1], "1", "one other app: {seen}");
    let tab_id = seen[0].as_i64().unwrap();
    let other = format!("http://other.localhost:{}/contacts/501", w.other);
    firefox.navigate(&tab, &other);
    let seen = firefox.wait_eval(&page, "the badge of the unknown site", &badge_of(&other));
    assert_eq!(seen[1], "", "{seen}");
    assert!(w.proxy.requests().iter().all(|r| !r.contains("other.localhost")), "{:?}", w.proxy.requests());
    firefox.navigate(&tab, &contact);
    firefox.wait_eval(&page, "the badge of the record page again", &badge_of(&contact));

    // The popup of the record page's tab: kind, name, links, the current one marked.
    firefox.navigate(&page, &extension_page(&format!("popup.html?tab={tab_id}")));
    let text =
        firefox.wait_eval(&page, "the popup", "return document.body?.dataset.state ? document.body.innerText : null");
    let text = text.as_str().unwrap();
    assert!(text.contains("person Ada Lovelace"), "{text}");
    assert!(text.contains("CRM (this page)") && text.contains("Wiki") && !text.contains("Wiki (this page)"), "{text}");
    firefox.eval(&page, "document.querySelector('li[data-app=\"wiki.localhost\"] button').click(); return true");
    let wiki = format!("http://wiki.localhost:{}/people/ada", w.wiki);
    let has_tab =
        |url: &str| format!("return (await browser.tabs.query({{}})).some(t => t.url === {}) || null", json!(url));
    firefox.wait_eval(&page, "the wiki page, through the daemon's redirect", &has_tab(&wiki));
    assert!(w.proxy.requests().iter().any(|r| r == "/wiki.localhost/ada"), "{:?}", w.proxy.requests());

    // The context menu of the wiki link on the CRM page: "Open in CRM" for that link.
    firefox.navigate(&page, &extension_page("options.html"));
    let items = firefox.eval(
        &page,
        &format!(
            "{bg} await applinkd.onMenuShown({{ linkUrl: {}, pageUrl: {} }}); return [...applinkd.state.menuLinks.keys()]",
            json!(wiki),
            json!(contact)
        ),
    );
    assert_eq!(items, json!(["open-in:crm.localhost"]));
    firefox.eval(
        &page,
        &format!("{bg} await applinkd.onMenuClicked({{ menuItemId: 'open-in:crm.localhost' }}, await browser.tabs.get({tab_id})); return true"),
    );
    let crm_opened = || -> bool { w.proxy.requests().iter().any(|r| r == "/crm.localhost/501") };
    wait_until("Open in CRM to go through the daemon's redirect", crm_opened);
    firefox.eval(
        &page,
        &format!(
            "{bg} await applinkd.onMenuClicked({{ menuItemId: 'show-record', linkUrl: {} }}); return true",
            json!(wiki)
        ),
    );
    let shown = format!("{}/show?url=", w.proxy.url());
    firefox.wait_eval(
        &page,
        "the record page",
        &format!("return (await browser.tabs.query({{}})).some(t => t.url.startsWith({})) || null", json!(shown)),
    );

    // The omnibox: a name suggests the record; a pair opens its record page.
    let suggestions = firefox.eval(&page, &format!("{bg} return await applinkd.suggest('ada')"));
    assert!(suggestions[0]["description"].as_str().unwrap_or("").contains("person Ada Lovelace"), "{suggestions}");
    firefox.eval(
        &page,
        &format!("{bg} await applinkd.onOmniboxEntered('crm.localhost 501', 'newForegroundTab'); return true"),
    );
    let pair = format!("{}/show/crm.localhost/501", w.proxy.url());
    firefox.wait_eval(&page, "the record page of the pair", &has_tab(&pair));
}

impl Drop for Firefox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until the proxy has seen a request that satisfies `seen`.
fn wait_request(proxy: &Proxy, what: &str, seen: impl Fn(&str) -> bool) {
    let started = Instant::now();
    while !proxy.requests().iter().any(|r| seen(r)) {
        assert!(started.elapsed() < DEADLINE * 2, "the extension never asked for {what}: {:?}", proxy.requests());
        std::thread::sleep(Duration::from_millis(20)); // poll interval of a deadline-bounded wait
    }
}

/// Firefox: the same extension installs (its gecko id), fetches the list from the
/// daemon at the default address, asks about a known page and never about an
/// unknown one. Without system access BiDi reaches neither the background nor
/// extension pages (as a person's Firefox runs), so the daemon's side (the proxy's log)
/// is what is observed; the proxy must hold the default address, 127.0.0.1:7133.
#[test]
fn firefox_asks_the_daemon_about_known_pages_only_and_routes_links() {
    let w = world_with(|daemon, routed| {
        let listener = TcpListener::bind("127.0.0.1:7133")
            .expect("127.0.0.1:7133, the extension's default daemon address, is in use (a running applinkd?)");
        Proxy::start_on(listener, daemon, routed)
    });
    let home = tempfile::tempdir().unwrap();
    let opened_file = install_stand_in_host_for_firefox(home.path());
    let mut firefox = Firefox::start(home.path());
    let installed =
        firefox.call("webExtension.install", json!({ "extensionData": { "type": "path", "path": extension_dir() } }));
    assert_eq!(installed["extension"], "applinkd@applinkd.dev");
    wait_request(&w.proxy, "the origins", |r| r == "/api/v1/origins");

    let tree = firefox.call("browsingContext.getTree", json!({}));
    let context = tree["contexts"][0]["context"].as_str().unwrap().to_owned();
    let contact = format!("http://crm.localhost:{}/contacts/501", w.crm);
    firefox.navigate(&context, &contact);
    wait_request(&w.proxy, "the known page", |r| r.contains(&format!("crm.localhost%3A{}%2Fcontacts%2F501", w.crm)));

    // An unknown site, then a known one: once the second is asked, the first was
    // handled (the extension takes tab updates in order) and must not have been.
    firefox.navigate(&context, &format!("http://other.localhost:{}/contacts/501", w.other));
    firefox.navigate(&context, &format!("http://crm.localhost:{}/contacts/502", w.crm));
    wait_request(&w.proxy, "the second known page", |r| r.contains("%2Fcontacts%2F502"));
    let requests = w.proxy.requests();
    assert!(requests.iter().all(|r| !r.contains("other.localhost")), "{requests:?}");

    // A routed link clicked in the page: through the host, and the tab goes back.
    firefox.navigate(&context, &contact);
    firefox.call(
        "script.evaluate",
        json!({
            "expression": "document.getElementById('wiki').click()",
            "target": { "context": context },
            "awaitPromise": false,
            "userActivation": true,
        }),
    );
    let wiki = format!("http://wiki.localhost:{}/people/ada", w.wiki);
    wait_until("Firefox to route the link through the host", || opened(&opened_file) == vec![wiki.clone()]);
    let started = Instant::now();
    loop {
        let tree = firefox.call("browsingContext.getTree", json!({ "root": context }));
        if tree["contexts"][0]["url"] == contact {
            break;
        }
        assert!(started.elapsed() < DEADLINE, "the tab did not go back: {tree}");
        std::thread::sleep(Duration::from_millis(20)); // poll interval of a deadline-bounded wait
    }
    assert_eq!(w.wiki_hits.load(std::sync::atomic::Ordering::SeqCst), 0, "the tab never loaded the routed page");
}
