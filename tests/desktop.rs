//! `Desktop`: one throw-away desktop session for the `register` and router tests: a
//! home with its own XDG directories, link files, and stand-in programs (each records
//! its argv in `bin/NAME.args`): `firefox` (the web browser before applinkd, with a
//! desktop file and the `http`/`https` defaults in `mimeapps.list`), `zoom` (the
//! `zoommtg:` handler), `work-browser`, and `browser` (`$BROWSER` when asked for).
//! Every program runs with a clean environment (`test::clean`) plus the session's.

use std::path::{Path, PathBuf};

use crate::open::{received, stub};

pub struct Desktop {
    pub dir: tempfile::TempDir,
    pub env: Vec<(String, String)>,
}

/// The `mimeapps.list` of a desktop where Firefox is the web browser.
pub const FIREFOX_DEFAULTS: &str = "[Default Applications]\nx-scheme-handler/http=firefox.desktop;\nx-scheme-handler/https=firefox.desktop;\nx-scheme-handler/zoommtg=zoom.desktop;\n";

impl Desktop {
    /// The session with link files `links` (name, contents) and no `mimeapps.list`.
    pub fn new(links: &[(&str, &str)]) -> Desktop {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for sub in ["data/applications", "config", "data-dirs", "config-dirs", "links", "bin", "cache", "runtime"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        for (name, contents) in links {
            std::fs::write(root.join("links").join(name), contents).unwrap();
        }
        for name in ["firefox", "zoom", "work-browser", "browser"] {
            stub(&root.join("bin"), name);
        }
        let bin = root.join("bin");
        let desktop = |id: &str, exec: String, mime: &str| {
            let text = format!("[Desktop Entry]\nType=Application\nName={id}\nExec={exec}\nMimeType={mime}\n");
            std::fs::write(root.join("data/applications").join(id), text).unwrap();
        };
        desktop(
            "firefox.desktop",
            format!("{} --new-window %u", bin.join("firefox").display()),
            "x-scheme-handler/http;x-scheme-handler/https;",
        );
        desktop("zoom.desktop", format!("{} %u", bin.join("zoom").display()), "x-scheme-handler/zoommtg;");
        let path = |p: &str| root.join(p).display().to_string();
        let env = vec![
            ("HOME".into(), path("")),
            ("XDG_DATA_HOME".into(), path("data")),
            ("XDG_CONFIG_HOME".into(), path("config")),
            ("XDG_DATA_DIRS".into(), path("data-dirs")),
            ("XDG_CONFIG_DIRS".into(), path("config-dirs")),
            ("XDG_CACHE_HOME".into(), path("cache")),
            ("APPLINKD_CONFIG".into(), path("links")),
            ("APPLINKD_URL".into(), "http://127.0.0.1:9".into()),
            ("PATH".into(), format!("{}:{}", path("bin"), std::env::var("PATH").unwrap_or_default())),
            // xdg-open consults scheme handlers only "with a display"; nothing connects to it.
            ("DISPLAY".into(), ":97".into()),
        ];
        Desktop { dir, env }
    }

    /// Firefox as the web browser: `FIREFOX_DEFAULTS` in `mimeapps.list`.
    pub fn firefox_default(self) -> Desktop {
        std::fs::write(self.path("config/mimeapps.list"), FIREFOX_DEFAULTS).unwrap();
        self
    }

    /// `$BROWSER` is the `browser` stand-in.
    pub fn browser_env(mut self) -> Desktop {
        let browser = self.path("bin/browser").display().to_string();
        self.env.push(("BROWSER".into(), browser));
        self
    }

    /// One more variable of the session.
    pub fn with(mut self, key: &str, value: &str) -> Desktop {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    pub fn run(&self, program: &str, args: &[&str]) -> (i32, String, String) {
        run_desktop(program, args, self.dir.path(), &self.env)
    }

    pub fn applinkd(&self, args: &[&str]) -> (i32, String, String) {
        self.run(&crate::test::binary().display().to_string(), args)
    }

    /// What stand-in `name` was started with (waiting, bounded, for it to run).
    pub fn got(&self, name: &str) -> Vec<String> {
        received(&self.path(&format!("bin/{name}.args")))
    }

    pub fn ran(&self, name: &str) -> bool {
        self.path(&format!("bin/{name}.args")).exists()
    }
}

/// Runs `program` in `dir` as a desktop session with only `env` would: a clean
/// environment (no desktop named, so xdg-open takes its generic path; no `$BROWSER`,
/// `APPLINKD_*` or session bus of the test's own), then `env`.
pub fn run_desktop(program: &str, args: &[&str], dir: &Path, env: &[(String, String)]) -> (i32, String, String) {
    let mut command = crate::test::clean(program, dir);
    command.args(args).current_dir(dir);
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().unwrap_or_else(|e| panic!("{program}: {e} (scripts/test installs it)"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
