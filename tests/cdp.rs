//! `Browser`: headless Chromium driven over the DevTools protocol (a WebSocket,
//! `tungstenite`), for tests that act in a page: navigate, run script, click, and
//! wait (deadline-bounded) for where the browser lands.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

use crate::daemon::DEADLINE;

pub struct Browser {
    child: Child,
    socket: WebSocket<TcpStream>,
    next_id: u64,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts Chromium with one blank page and connects to that page.
    pub fn start() -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(crate::browser::chromium())
            .args(crate::browser::CHROMIUM_FLAGS)
            .arg("--remote-debugging-port=0")
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chromium");
        // Chromium says where its DevTools endpoint is on stderr.
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
        let list = ureq::get(&format!("http://127.0.0.1:{port}/json/list"))
            .call()
            .expect("DevTools target list")
            .body_mut()
            .read_to_string()
            .unwrap();
        let targets: Value = serde_json::from_str(&list).unwrap();
        let page = targets
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["type"] == "page")
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .expect("a page target")
            .to_owned();
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        // A loaded machine (the whole suite at once) can keep Chromium busy for a while.
        stream.set_read_timeout(Some(DEADLINE * 3)).unwrap();
        let (socket, _) = tungstenite::client(page.as_str(), stream).expect("DevTools WebSocket");
        Browser { child, socket, next_id: 0, _profile: profile }
    }

    /// Sends one DevTools command and returns its result (events in between are skipped).
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({ "id": id, "method": method, "params": params }).to_string();
        self.socket.send(Message::text(message)).expect("send to Chromium");
        loop {
            let reply = self.socket.read().expect("read from Chromium");
            let Message::Text(text) = reply else { continue };
            let value: Value = serde_json::from_str(&text).unwrap();
            if value["id"] == id {
                assert!(value["error"].is_null(), "{method} failed: {value}");
                return value["result"].clone();
            }
        }
    }

    pub fn navigate(&mut self, url: &str) {
        self.call("Page.navigate", json!({ "url": url }));
    }

    /// Runs `expression` in the page and returns its value.
    pub fn eval(&mut self, expression: &str) -> Value {
        let result = self.call("Runtime.evaluate", json!({ "expression": expression, "returnByValue": true }));
        result["result"]["value"].clone()
    }

    /// Waits until the page's URL satisfies `at` and its document is loaded; returns the URL.
    pub fn wait_until(&mut self, what: &str, at: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let state = self.eval("document.readyState === 'complete' ? location.href : ''");
            let href = state.as_str().unwrap_or("").to_owned();
            if !href.is_empty() && at(&href) {
                return href;
            }
            assert!(started.elapsed() < DEADLINE * 3, "the browser never reached {what}; it is at {href:?}");
            std::thread::sleep(Duration::from_millis(20)); // poll interval of a deadline-bounded wait
        }
    }

    pub fn text(&mut self) -> String {
        self.eval("document.body ? document.body.innerText : ''").as_str().unwrap_or("").to_owned()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
