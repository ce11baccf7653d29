//! The README is a tested document (issue 20): every ```` ```console ```` block runs, in order,
//! against the real binary, and its output must be what the README shows (trycmd; `[..]` and
//! `...` stand for text that differs between machines).
//!
//! The blocks run as a newcomer runs them: from the repository's root, on a copy of what the
//! README names (`config/`, `tests/data/`), with a clean environment (a throw-away `HOME` and
//! `XDG_*` directories, no daemon reachable), so an edit the README shows cannot touch the
//! repository and a developer's own setup cannot change an answer.

use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn every_console_example_of_the_readme_is_true() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    // trycmd runs `README.md` in `README.in/` when that directory exists.
    let sandbox = dir.path().join("README.in");
    copy_dir(&root.join("config"), &sandbox.join("config"));
    copy_dir(&root.join("tests/data/readme"), &sandbox.join("tests/data/readme"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    std::fs::write(dir.path().join("README.md"), with_final_newlines(&readme)).unwrap();
    let home = dir.path().join("home");
    let cases = trycmd::TestCases::new();
    cases.register_bin("applinkd", std::path::PathBuf::from(env!("CARGO_BIN_EXE_applinkd")));
    // trycmd skips (does not fail) a command whose program is not registered: register the
    // shell tools the README uses, so that each of its steps runs.
    for tool in ["cat", "cp", "mkdir", "ls"] {
        cases.register_bin(tool, in_path(tool));
    }
    for (key, sub) in [
        ("HOME", ""),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_RUNTIME_DIR", "run"),
    ] {
        let path = home.join(sub);
        std::fs::create_dir_all(&path).unwrap();
        cases.env(key, path.to_str().unwrap());
    }
    // Port 9 (discard) on loopback: nothing listens, so no developer's daemon answers.
    cases.env("APPLINKD_URL", "http://127.0.0.1:9");
    std::fs::create_dir_all(home.join(".config/applinkd")).unwrap();
    cases.env("APPLINKD_CONFIG", home.join(".config/applinkd").to_str().unwrap());
    cases.env("BROWSER", "false");
    cases.env("NO_COLOR", "1");
    cases.env("DBUS_SESSION_BUS_ADDRESS", "disabled:");
    cases.case(dir.path().join("README.md"));
}

fn in_path(program: &str) -> std::path::PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("`{program}` is not in PATH"))
}

/// trycmd takes the last line break of an example's output as formatting, so output that ends
/// with one (all of applinkd's) would need a blank line before the next `$` or the fence. The
/// README reads better without: add it to the copy that runs.
fn with_final_newlines(readme: &str) -> String {
    let mut out = String::new();
    let (mut console, mut output) = (false, false);
    for line in readme.lines() {
        let fence = line.starts_with("```");
        if console && output && (fence || line.starts_with("$ ")) {
            out.push('\n');
        }
        if fence {
            console = !console && line.trim_start_matches('`').trim() == "console";
            output = false;
        } else if console {
            output = !(line.starts_with("$ ") || line.starts_with("> ") || line.starts_with("? "));
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Every ```` ```toml ```` block of the README is a link file (or a part of one) that `check`
/// accepts without an error: an example a reader copies must not be refused.
#[test]
fn every_toml_example_of_the_readme_checks() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (number, line) in readme.lines().enumerate() {
        match (&mut current, line.starts_with("```")) {
            (None, true) if line.trim() == "```toml" => current = Some((number + 1, String::new())),
            (Some(_), true) => blocks.push(current.take().unwrap()),
            (Some((_, text)), false) => {
                text.push_str(line);
                text.push('\n');
            }
            _ => {}
        }
    }
    assert!(blocks.len() >= 4, "{}", blocks.len());
    for (line, text) in blocks {
        let t = crate::test::Test::new().file("example.toml", &text);
        let out = t.clone_args(["check", "-c", "example.toml"]).run();
        assert_eq!(out.status, 0, "README.md:{line}: the example fails `check`:\n{text}\n{}", out.stderr);
    }
}
