//! A small builder in the style of `just`'s `tests/test.rs`: write files into a
//! temp directory, run the real binary there, assert what a user would see.

use std::path::PathBuf;
use std::process::Command;

pub struct Test {
    dir: tempfile::TempDir,
    args: Vec<String>,
    env: Vec<(String, String)>,
}

pub struct Output {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Test {
    pub fn new() -> Test {
        let dir = tempfile::tempdir().expect("temp dir");
        Test { dir, args: Vec::new(), env: Vec::new() }
    }

    /// Writes `contents` to `path` (relative to the test directory), creating folders.
    pub fn file(self, path: &str, contents: impl AsRef<[u8]>) -> Test {
        let full = self.dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, contents).unwrap();
        self
    }

    pub fn dir(self, path: &str) -> Test {
        std::fs::create_dir_all(self.dir.path().join(path)).unwrap();
        self
    }

    pub fn args<const N: usize>(mut self, args: [&str; N]) -> Test {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// The same files, with other arguments: for several commands on one set of files.
    pub fn clone_args<const N: usize>(&self, args: [&str; N]) -> Run<'_> {
        Run { test: self, args: args.iter().map(|a| a.to_string()).collect() }
    }

    pub fn args_vec(mut self, args: &[&str]) -> Test {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Test {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub fn run(&self) -> Output {
        self.run_with(&self.args)
    }

    fn run_with(&self, args: &[String]) -> Output {
        let mut command = Command::new(binary());
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("APPLINKD_CONFIG")
            // No daemon: port 9 (discard) refuses at once, so lookups read the files.
            .env("APPLINKD_URL", "http://127.0.0.1:9")
            .env_remove("RUST_LOG")
            .env("NO_COLOR", "1")
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg-config"));
        for (k, v) in &self.env {
            command.env(k, v);
        }
        let out = command.output().expect("run applinkd");
        Output {
            status: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }
}

/// One command on a `Test`'s files (see `Test::clone_args`).
pub struct Run<'a> {
    test: &'a Test,
    args: Vec<String>,
}

impl Run<'_> {
    pub fn run(&self) -> Output {
        self.test.run_with(&self.args)
    }
}

impl Output {
    pub fn status(self, expected: i32) -> Output {
        assert_eq!(self.status, expected, "exit status\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    pub fn stdout(self, expected: &str) -> Output {
        assert_eq!(self.stdout, expected, "stdout\nstderr:\n{}", self.stderr);
        self
    }

    pub fn stderr(self, expected: &str) -> Output {
        assert_eq!(self.stderr, expected, "stderr");
        self
    }

    pub fn stdout_has(self, part: &str) -> Output {
        assert!(self.stdout.contains(part), "stdout lacks {part:?}:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    pub fn stderr_has(self, part: &str) -> Output {
        assert!(self.stderr.contains(part), "stderr lacks {part:?}:\n{}", self.stderr);
        self
    }

    pub fn stdout_lacks(self, part: &str) -> Output {
        assert!(!self.stdout.contains(part), "stdout has {part:?}:\n{}", self.stdout);
        self
    }

    pub fn stderr_lacks(self, part: &str) -> Output {
        assert!(!self.stderr.contains(part), "stderr has {part:?}:\n{}", self.stderr);
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// The binary under test: this build's, or `$APPLINKD_TEST_BINARY` (an older build,
/// to see a test fail where the defect it guards against is still there).
pub fn binary() -> PathBuf {
    std::env::var_os("APPLINKD_TEST_BINARY")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_applinkd")), PathBuf::from)
}

/// `applinkd check -c links.toml` on one file; the usual start of a bad-input test.
pub fn check(contents: &str) -> Output {
    Test::new().file("links.toml", contents).args(["check", "-c", "links.toml"]).run()
}

/// Asserts that checking `contents` fails with `message` located at `line:column`.
pub fn check_error(contents: &str, location: &str, message: &str) -> Output {
    check(contents)
        .status(1)
        .stderr_has(&format!("error: {message}"))
        .stderr_has(&format!("--> links.toml:{location}\n"))
}

pub const APPS: &str = r#"
[apps."mailchimp.com"]
name = "MailChimp"
url = "https://us1.admin.mailchimp.com/lists/members/view?id={id}"
formerly = ["mailchimp.net"]

[apps."zendesk.com"]
name = "Zendesk"
url = "https://acme.zendesk.com/agent/users/{id}"
"#;

/// Ada, with a templated, a merged and an explicit link.
pub const ADA: &str = r#"
[[person]]
name = "Ada Lovelace"
links = [
  { app = "mailchimp.com", id = "48616032" },
  { app = "zendesk.com",   id = "991" },
  { app = "github.com",    id = "ada", name = "GitHub", url = "https://github.com/ada" },
]
"#;
