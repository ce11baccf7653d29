//! The native messaging host (issue 19) through the real binary, started as browsers start
//! it, and `register --extension` in throw-away home and XDG directories.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::daemon::{DEADLINE, write};
use crate::test::APPS;

const GECKO: &str = "applinkd@applinkd.dev";

fn framed(message: &Value) -> Vec<u8> {
    let body = serde_json::to_vec(message).unwrap();
    let mut out = (body.len() as u32).to_ne_bytes().to_vec();
    out.extend(body);
    out
}

fn frames(mut bytes: &[u8]) -> Vec<Value> {
    let mut out = Vec::new();
    while bytes.len() >= 4 {
        let n = u32::from_ne_bytes(bytes[..4].try_into().unwrap()) as usize;
        out.push(serde_json::from_slice(&bytes[4..4 + n]).unwrap());
        bytes = &bytes[4 + n..];
    }
    out
}

/// Waits, bounded, for `path` to exist (a program the host started writes it).
fn wait_for(path: &std::path::Path) {
    let deadline = std::time::Instant::now() + DEADLINE;
    while !path.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10)); // a deadline-bounded poll
    }
}

/// Runs the binary with `args` as a browser would, feeding `input`; the exit code and the
/// answers. Bounded: a host that hangs fails the test at the deadline.
fn host(dir: &std::path::Path, args: &[&str], input: Vec<u8>) -> (Option<i32>, Vec<Value>) {
    host_with(host_command(dir), dir, args, input)
}

/// `host` with a command of the caller's.
fn host_with(mut command: Command, dir: &std::path::Path, args: &[&str], input: Vec<u8>) -> (Option<i32>, Vec<Value>) {
    let mut child = command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let (tx, rx) = std::sync::mpsc::channel();
    let mut stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut bytes);
        let _ = tx.send(bytes);
    });
    let Ok(output) = rx.recv_timeout(DEADLINE) else {
        let _ = child.kill();
        panic!("the native host did not finish within {DEADLINE:?}");
    };
    let status = child.wait().unwrap();
    writer.join().unwrap();
    (status.code(), frames(&output))
}

/// The binary in a clean environment (`test::clean`: throw-away HOME and XDG directories, no
/// daemon), reading the link files in `dir/links`, as a browser would start it.
fn host_command(dir: &std::path::Path) -> Command {
    let mut command = crate::test::clean(crate::test::binary(), dir);
    command.env("APPLINKD_CONFIG", dir.join("links"));
    command
}

fn links() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("links/apps.toml"), APPS);
    dir
}

#[test]
fn answers_show_and_route_as_the_daemon_would() {
    let dir = links();
    let manifest = dir.path().join(".mozilla/native-messaging-hosts/dev.applinkd.host.json");
    let input = [
        framed(&json!({"op": "show", "url": "https://acme.zendesk.com/agent/users/991", "id": 1})),
        framed(&json!({"op": "route", "url": "https://example.org/x", "id": 2})),
        framed(&json!({"op": "fly", "url": "x", "id": 3})),
        framed(&json!({"op": "show", "url": "https://example.org/nothing", "id": 4})),
    ]
    .concat();
    for args in [
        vec![manifest.to_str().unwrap(), GECKO],
        vec!["native-host", "chrome-extension://jimnaanalibgbjmeknjcipcocfpohpbj/"],
    ] {
        let (code, answers) = host(dir.path(), &args, input.clone());
        assert_eq!(code, Some(0), "{args:?}: {answers:?}");
        assert_eq!(answers.len(), 4, "{answers:?}");
        assert_eq!(answers[0]["id"], 1);
        assert_eq!(answers[0]["ok"], true, "{answers:?}");
        assert_eq!(answers[0]["answer"]["matches"][0]["app"], "zendesk.com", "{answers:?}");
        assert_eq!(answers[0]["answer"]["matches"][0]["id"], "991", "{answers:?}");
        assert_eq!(answers[1]["answer"]["route"], "fallback", "{answers:?}");
        assert_eq!(answers[1]["answer"]["url"], "https://example.org/x");
        assert_eq!(answers[2]["ok"], false);
        assert_eq!(answers[2]["error"]["code"], "bad_request");
        assert_eq!(answers[3]["ok"], false, "{answers:?}");
    }
}

/// A page whose URL is 8 KiB of `%XX` (what identify still takes), with a daemon running:
/// the host's request to the daemon fits what the daemon takes (a daemon that refused it
/// was reported as "answered 400 without JSON; is it applinkd?"), and the answer is the
/// same as from the files alone.
#[test]
fn a_long_url_of_percent_escapes_is_answered_with_a_daemon_running_as_without() {
    let daemon = crate::daemon::Daemon::start(&[("links/apps.toml", APPS)]);
    let dir = links();
    let url = format!("https://acme.zendesk.com/agent/users/991?q={}", "%41".repeat(2700));
    assert!(url.len() < 8 * 1024);
    let input =
        [framed(&json!({"op": "show", "url": url, "id": 1})), framed(&json!({"op": "route", "url": url, "id": 2}))]
            .concat();
    let chromium = ["native-host", "chrome-extension://jimnaanalibgbjmeknjcipcocfpohpbj/"];
    let (code, from_files) = host(dir.path(), &chromium, input.clone());
    assert_eq!(code, Some(0), "{from_files:?}");
    let mut command = host_command(dir.path());
    command.env("APPLINKD_URL", daemon.url("")).env_remove("APPLINKD_CONFIG");
    let (code, from_daemon) = host_with(command, dir.path(), &chromium, input);
    assert_eq!(code, Some(0), "{from_daemon:?}");
    for (files, daemon) in from_files.iter().zip(&from_daemon) {
        assert_ne!(daemon["error"]["code"], "daemon", "{daemon}");
        assert_eq!(files["ok"], daemon["ok"], "{files} / {daemon}");
        assert_eq!(files["error"]["code"], daemon["error"]["code"], "{files} / {daemon}");
        assert_eq!(files["answer"]["route"], daemon["answer"]["route"], "{files} / {daemon}");
    }
}

/// A daemon that takes connections and never answers costs a session one timeout, not one
/// a message (four messages sent at once were answered after 3, 6, 9 and 12 s, past the
/// browser's 10 s); the answers say so. Problems in the files are said by `show` too.
#[test]
fn a_silent_daemon_costs_one_timeout_and_answers_say_what_was_wrong() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    let held = std::thread::spawn(move || silent.incoming().take(8).filter_map(Result::ok).collect::<Vec<_>>());
    let dir = links();
    write(&dir.path().join("links/broken.toml"), "[[person]]\nname = \"X\"\nlinks = [{ app = \"x.example\" }]\n");
    let url = "https://acme.zendesk.com/agent/users/991";
    let input: Vec<u8> = (1..=4)
        .flat_map(|id| framed(&json!({"op": if id % 2 == 0 { "route" } else { "show" }, "url": url, "id": id})))
        .collect();
    let mut command = host_command(dir.path());
    command.env("APPLINKD_URL", format!("http://{addr}")).env_remove("APPLINKD_CONFIG");
    let chromium = ["native-host", "-c", "links", "chrome-extension://jimnaanalibgbjmeknjcipcocfpohpbj/"];
    // With `-c` the files answer at once; without it the daemon is asked first.
    let (code, answers) = host_with(command, dir.path(), &chromium, input.clone());
    assert_eq!(code, Some(0), "{answers:?}");
    for answer in &answers {
        assert_eq!(answer["ok"], true, "{answer}");
        assert!(answer["answer"]["warnings"].to_string().contains("1 error(s) in the link files"), "{answer}");
    }
    let mut command = host_command(dir.path());
    command.env("APPLINKD_URL", format!("http://{addr}"));
    let (code, answers) =
        host_with(command, dir.path(), &chromium[..1].iter().chain(&chromium[3..]).copied().collect::<Vec<_>>(), input);
    assert_eq!(code, Some(0), "{answers:?}");
    assert_eq!(answers.len(), 4, "{answers:?}");
    assert!(answers[0]["answer"]["warnings"].to_string().contains("did not answer in time"), "{}", answers[0]);
    for answer in &answers[1..] {
        assert_eq!(answer["ok"], true, "{answer}");
        assert!(answer["answer"]["warnings"].to_string().contains("did not answer in time a moment ago"), "{answer}");
    }
    drop(held);
}

#[test]
fn bad_frames_get_an_error_answer_and_a_clean_exit() {
    let dir = links();
    let good = framed(&json!({"op": "route", "url": "https://example.org/"}));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("oversized", [((2u32 << 20).to_ne_bytes().to_vec()), good.clone()].concat()),
        ("length cut", vec![5, 0]),
        ("body cut", [100u32.to_ne_bytes().to_vec(), b"{\"op\":".to_vec()].concat()),
        ("not JSON", [4u32.to_ne_bytes().to_vec(), b"nope".to_vec(), good.clone()].concat()),
        ("not UTF-8", [2u32.to_ne_bytes().to_vec(), vec![0xff, 0xfe]].concat()),
    ];
    for (what, input) in cases {
        let (code, answers) = host(dir.path(), &["native-host", GECKO], input);
        assert_eq!(code, Some(1), "{what}: {answers:?}");
        assert_eq!(answers.len(), 1, "{what}: one answer, nothing after the bad frame: {answers:?}");
        assert_eq!(answers[0]["ok"], false, "{what}");
    }
    // An empty input is a browser that closed the port at once: a clean end.
    assert_eq!(host(dir.path(), &["native-host", GECKO], Vec::new()), (Some(0), Vec::new()));
}

#[test]
fn only_the_extension_is_answered() {
    let dir = links();
    let input = framed(&json!({"op": "show", "url": "https://acme.zendesk.com/agent/users/991"}));
    for caller in ["chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/", "evil@example.org"] {
        let (code, answers) = host(dir.path(), &["native-host", caller], input.clone());
        assert_eq!(code, Some(1), "{caller}");
        assert_eq!(answers.len(), 1);
        assert_eq!(answers[0]["error"]["code"], "caller_not_allowed", "{caller}: {answers:?}");
    }
}

/// `open` does what `applinkd open URL` does: here an app's `open_with` program (a stand-in
/// that writes its arguments) gets the record's URL.
#[test]
fn open_runs_what_applinkd_open_runs() {
    let dir = links();
    let stub = dir.path().join("stub-browser");
    let seen = dir.path().join("seen");
    write(&stub, &format!("#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n", seen.display()));
    std::fs::set_permissions(&stub, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    write(
        &dir.path().join("links/router.toml"),
        &format!("[apps.\"github.com\"]\nurl = \"https://github.com/{{+id}}\"\nopen_with = [\"{}\"]\n", stub.display()),
    );
    let input = framed(&json!({"op": "open", "url": "https://github.com/acme/website", "id": "x"}));
    let (code, answers) = host(dir.path(), &["native-host", GECKO], input);
    assert_eq!(code, Some(0), "{answers:?}");
    assert_eq!(answers[0]["ok"], true, "{answers:?}");
    wait_for(&seen);
    assert_eq!(std::fs::read_to_string(&seen).unwrap().trim(), "https://github.com/acme/website");
}

/// `open` answers once the program is started, not when it ends: a desktop app runs for
/// hours, and the extension gives up on a silent host (the program kept the pipe of
/// `applinkd open`'s messages open, and the answer waited for it to exit).
#[test]
fn open_answers_while_the_program_it_started_runs_on() {
    let dir = links();
    let release = dir.path().join("release");
    let started = dir.path().join("started");
    let app = dir.path().join("long-running-app");
    write(
        &app,
        &format!(
            // Until released, or until the test's directory is gone.
            "#!/bin/sh\n: > '{started}'\nwhile [ ! -e '{release}' ] && [ -e '{started}' ]; do sleep 0.05; done\n",
            started = started.display(),
            release = release.display()
        ),
    );
    std::fs::set_permissions(&app, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    write(
        &dir.path().join("links/router.toml"),
        &format!("[apps.\"github.com\"]\nurl = \"https://github.com/{{+id}}\"\nopen_with = [\"{}\"]\n", app.display()),
    );
    // The program ends with the test, whatever happens.
    struct Release(std::path::PathBuf);
    impl Drop for Release {
        fn drop(&mut self) {
            let _ = std::fs::write(&self.0, "");
        }
    }
    let _release = Release(release.clone());
    let input = framed(&json!({"op": "open", "url": "https://github.com/acme/website", "id": 1}));
    let (code, answers) = host(dir.path(), &["native-host", GECKO], input);
    assert_eq!(code, Some(0), "{answers:?}");
    assert_eq!(answers[0]["ok"], true, "{answers:?}");
    wait_for(&started);
    assert!(started.exists(), "the program was started");
    assert!(!release.exists(), "the answer came while it runs");
}

#[test]
fn register_extension_writes_the_manifests_and_unregister_removes_them() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        crate::test::clean(crate::test::binary(), dir.path())
            .args(args)
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .output()
            .unwrap()
    };
    let manifests = [
        dir.path().join("config/chromium/NativeMessagingHosts/dev.applinkd.host.json"),
        dir.path().join("config/google-chrome/NativeMessagingHosts/dev.applinkd.host.json"),
        dir.path().join(".mozilla/native-messaging-hosts/dev.applinkd.host.json"),
    ];
    let plan = run(&["register", "--extension", "--dry-run"]);
    assert!(plan.status.success());
    let plan = String::from_utf8(plan.stdout).unwrap();
    assert!(manifests.iter().all(|m| plan.contains(&m.display().to_string())), "{plan}");
    assert!(manifests.iter().all(|m| !m.exists()), "a dry run writes nothing");
    assert!(run(&["register", "--extension"]).status.success());
    let exe = std::fs::canonicalize(crate::test::binary()).unwrap();
    for manifest in &manifests {
        let value: Value = serde_json::from_slice(&std::fs::read(manifest).unwrap()).unwrap();
        assert_eq!(value["name"], "dev.applinkd.host");
        assert_eq!(value["type"], "stdio");
        assert_eq!(value["path"], exe.display().to_string());
        let allowed = value.get("allowed_origins").or(value.get("allowed_extensions")).unwrap();
        assert_eq!(allowed.as_array().unwrap().len(), 1, "{value}");
    }
    assert!(run(&["unregister", "--extension"]).status.success());
    assert!(manifests.iter().all(|m| !m.exists()));
    assert!(dir.path().join(".mozilla").exists(), "directories other programs use stay");
}

/// The ids the host allows are the extension's own (`packaging/browser-extension/ids.json`,
/// which its manifest's `key` fixes).
#[test]
fn the_host_allows_the_extensions_ids() {
    let ids = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/browser-extension/ids.json");
    let Ok(text) = std::fs::read_to_string(&ids) else { panic!("{} is missing", ids.display()) };
    let ids: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(ids["chromium"], applinkd::native_host::CHROMIUM_ID);
    assert_eq!(ids["gecko"], applinkd::native_host::GECKO_ID);
    assert_eq!(ids["native_host"], applinkd::native_host::HOST_NAME);
}

/// On a port the browser keeps open the host reads the files once, and again only what changed:
/// an edit between two messages is in the second answer.
#[test]
fn a_kept_open_port_sees_edits_between_messages() {
    use std::io::Read;
    let dir = links();
    let mut child = host_command(dir.path())
        .args(["native-host", GECKO])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (mut stdin, mut stdout) = (child.stdin.take().unwrap(), child.stdout.take().unwrap());
    let mut ask = |url: &str| -> Value {
        stdin.write_all(&framed(&json!({"op": "show", "url": url}))).unwrap();
        stdin.flush().unwrap();
        let mut length = [0u8; 4];
        stdout.read_exact(&mut length).unwrap();
        let mut body = vec![0; u32::from_ne_bytes(length) as usize];
        stdout.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    };
    let url = "https://n.example/people/7";
    assert_eq!(ask(url)["ok"], false);
    write(&dir.path().join("links/new.toml"), "[apps.\"n.example\"]\nurl = \"https://n.example/people/{id}\"\n");
    let answer = ask(url);
    assert_eq!(answer["answer"]["matches"][0]["app"], "n.example", "{answer}");
    drop(stdin);
    assert!(child.wait().unwrap().success());
}
