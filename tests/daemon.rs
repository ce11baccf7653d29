//! `Daemon`: the real `applinkd serve` on an ephemeral port, in a temp directory,
//! with an HTTP client that does not follow redirects, and raw TCP for requests
//! no polite client would send.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// How long any wait in these tests may take before it fails.
pub const DEADLINE: Duration = Duration::from_secs(20);

pub struct Daemon {
    child: Child,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    log: Arc<Mutex<String>>,
    agent: ureq::Agent,
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

impl Daemon {
    /// A daemon serving the directory made of `files`.
    pub fn start(files: &[(&str, &str)]) -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        for (path, contents) in files {
            write(&dir.path().join(path), contents);
        }
        Daemon::start_in(dir, &["-c", "links"], &[])
    }

    /// A daemon run in `dir` with these arguments after `serve --listen 127.0.0.1:0`.
    pub fn start_in(dir: tempfile::TempDir, args: &[&str], env: &[(&str, &str)]) -> Daemon {
        Daemon::spawn(dir, Command::new(crate::test::binary()), args, env)
    }

    /// Like `start_in`, but the daemon may hold at most `limit` file descriptors.
    pub fn start_with_fd_limit(dir: tempfile::TempDir, limit: u32, args: &[&str]) -> Daemon {
        let mut shell = Command::new("sh");
        shell.args(["-c", &format!("ulimit -n {limit} && exec \"$0\" \"$@\""), env!("CARGO_BIN_EXE_applinkd")]);
        Daemon::spawn(dir, shell, args, &[])
    }

    fn spawn(dir: tempfile::TempDir, mut command: Command, args: &[&str], env: &[(&str, &str)]) -> Daemon {
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .current_dir(dir.path())
            .env_remove("APPLINKD_CONFIG")
            .env("RUST_LOG", "info")
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("xdg-config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("start applinkd serve");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("serving on http://").nth(1) {
                    let _ = tx.send(addr.split('/').next().unwrap_or("").to_owned());
                }
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let addr = match rx.recv_timeout(DEADLINE) {
            Ok(addr) => addr.parse().expect("address in the log"),
            Err(_) => {
                let _ = child.kill();
                panic!("applinkd did not start:\n{}", log.lock().unwrap());
            }
        };
        let agent = ureq::Agent::new_with_config(
            ureq::config::Config::builder()
                .max_redirects(0)
                .http_status_as_error(false)
                .timeout_global(Some(DEADLINE))
                .build(),
        );
        Daemon { child, addr, dir, log, agent }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn reply(&self, response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut response = response.expect("HTTP request");
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        Reply { status, headers, body }
    }

    pub fn get(&self, path: &str) -> Reply {
        self.reply(self.agent.get(self.url(path)).call())
    }

    pub fn head(&self, path: &str) -> Reply {
        self.reply(self.agent.head(self.url(path)).call())
    }

    pub fn post(&self, path: &str) -> Reply {
        self.reply(self.agent.post(self.url(path)).send(""))
    }

    /// The `Location` of `GET path`, or the status if it is not a redirect.
    pub fn location(&self, path: &str) -> Result<String, u16> {
        let reply = self.get(path);
        match reply.status {
            302 => Ok(reply.header("location").unwrap_or("").to_owned()),
            status => Err(status),
        }
    }

    /// Sends raw bytes and returns everything the daemon answers until it closes.
    pub fn raw(&self, request: &[u8]) -> String {
        let mut stream = TcpStream::connect(self.addr).unwrap();
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        stream.write_all(request).unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    }

    /// Polls until `done` is true, failing after the deadline with `what` and the log.
    pub fn wait_for(&self, what: &str, mut done: impl FnMut(&Daemon) -> bool) {
        let started = Instant::now();
        while !done(self) {
            assert!(started.elapsed() < DEADLINE, "timed out waiting for {what}\nlog:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(10)); // poll interval of a deadline-bounded wait
        }
    }

    /// Waits until `GET path` redirects to `url`.
    pub fn wait_location(&self, path: &str, url: &str) {
        self.wait_for(&format!("{path} → {url}"), |d| d.location(path).as_deref() == Ok(url));
    }

    /// Waits until `GET path` answers `status`.
    pub fn wait_status(&self, path: &str, status: u16) {
        self.wait_for(&format!("{path} → {status}"), |d| d.get(path).status == status);
    }

    pub fn status_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.get("/api/v1/status").body).unwrap()
    }

    /// Sends SIGTERM and returns the exit code.
    pub fn terminate(mut self) -> Option<i32> {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(started.elapsed() < DEADLINE, "applinkd did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(10)); // poll interval of a deadline-bounded wait
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes a file, making its folders.
pub fn write(path: &Path, contents: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

/// A link file with one person linking `app id` to `url`.
pub fn one_link(app: &str, id: &str, url: &str) -> String {
    format!("[[person]]\nname = \"P\"\nlinks = [{{ app = \"{app}\", id = \"{id}\", url = \"{url}\" }}]\n")
}

/// A stand-in web server on loopback: every request gets `body` with `content_type`.
/// Returns its address; it serves until the test process ends.
pub fn canned_server(content_type: &'static str, body: String) -> SocketAddr {
    canned_server_at("127.0.0.1:0", content_type, body)
}

/// `canned_server` on a given address.
pub fn canned_server_at(addr: &str, content_type: &'static str, body: String) -> SocketAddr {
    let listener = std::net::TcpListener::bind(addr).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let _ = write!(
                reader.get_mut(),
                "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    addr
}
