//! Opener: the one launcher of every program `open` starts (README: Opening links; README: The web-link router).
//!
//! `http`/`https` go to the web browser (`$BROWSER`, else the system opener:
//! `xdg-open`, macOS `open`, Windows' URL handler); other schemes an app allows
//! (`slack:`, `zoommtg:`) go to the system opener; an app's `open_with` and the
//! fallback browser name their own program. Never a shell: the canonical URL is one
//! argument. Every child gets the loop marker (`APPLINKD_OPENING`) in its own
//! environment: a digest of the URL it was handed and the time, never the URL, so a
//! URL that comes straight back to applinkd from its own launch is refused, while a
//! genuine click on the same URL later is not.

use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::link_url::LinkUrl;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launcher {
    /// The user's web browser (`$BROWSER`, else the desktop's default).
    Browser,
    /// The operating system's opener for other schemes.
    System,
    /// An app's `open_with`: program and arguments; the URL is appended.
    Custom(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Launch {
    pub url: LinkUrl,
    pub launcher: Launcher,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot start `{program}`: {source}")]
    Spawn { program: String, source: std::io::Error },
    #[error("`{program}` failed ({status})")]
    Failed { program: String, status: std::process::ExitStatus },
    #[error("no web browser could be started ({0}); set $BROWSER to one")]
    Browser(std::io::Error),
    #[error(
        "$BROWSER is `{browser}`, and none of its commands could be started ({source}); fix $BROWSER or unset it to use the desktop's default browser"
    )]
    BrowserEnv { browser: String, source: std::io::Error },
}

/// In the environment of every program `open` starts: `v1.<unix ms>.<digest>`, the
/// digest the first 16 bytes of SHA-256 of the URL handed over, in hex.
pub const MARKER: &str = "APPLINKD_OPENING";

/// How long a marker counts: a URL handed on comes back within this time if it loops;
/// a person clicking the same link again is not refused after it.
const MARKER_VALID: Duration = Duration::from_secs(5);

fn digest(url: &str) -> String {
    Sha256::digest(url.as_bytes())[..16].iter().map(|b| format!("{b:02x}")).collect()
}

fn unix_ms(at: SystemTime) -> u128 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis())
}

/// The marker for a launch of `url` at `at`.
pub fn marker(url: &str, at: SystemTime) -> String {
    format!("v1.{}.{}", unix_ms(at), digest(url))
}

/// Whether `marker`, read at `now`, says that `url` is one applinkd just handed on.
pub fn marker_says_loop(marker: &str, url: &str, now: SystemTime) -> bool {
    let mut parts = marker.split('.');
    let (Some("v1"), Some(ms), Some(hash), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Ok(ms) = ms.parse::<u128>() else { return false };
    let now = unix_ms(now);
    // A little ahead is clock granularity; more is not this launch.
    let fresh = ms <= now + 1000 && now.saturating_sub(ms) <= MARKER_VALID.as_millis();
    fresh && hash == digest(url)
}

/// Whether `url` came back to applinkd from a program applinkd started for it just now.
pub fn came_back(url: &str) -> bool {
    std::env::var(MARKER).is_ok_and(|m| marker_says_loop(&m, url, SystemTime::now()))
}

/// Whether this process was started by applinkd's own launcher (a marker of any URL):
/// then applinkd is the browser here, and a page must not be opened through it.
pub fn started_by_applinkd() -> bool {
    std::env::var_os(MARKER).is_some()
}

/// How long an opener has to report failure by exiting non-zero. One still running
/// then is taken to be the program itself (a browser that was exec'd), and left to run.
const FAILURE_GRACE: Duration = Duration::from_millis(1500);

/// `$APPLINKD_OPEN_WAIT` (seconds), else `FAILURE_GRACE`: a slow opener may need
/// longer, and a test waits on the opener's exit alone, not on a race with the clock.
const WAIT_ENV: &str = "APPLINKD_OPEN_WAIT";

fn failure_grace() -> Duration {
    std::env::var(WAIT_ENV)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map_or(FAILURE_GRACE, |s| Duration::from_secs_f64(s.min(3600.0)))
}

/// The system opener and the arguments that come before the URL.
fn system_opener() -> (&'static str, &'static [&'static str]) {
    if cfg!(target_os = "macos") {
        ("open", &[])
    } else if cfg!(windows) {
        ("rundll32", &["url.dll,FileProtocolHandler"])
    } else {
        ("xdg-open", &[])
    }
}

impl Launch {
    pub fn new(url: LinkUrl, open_with: Option<Vec<String>>) -> Launch {
        let launcher = match open_with {
            Some(argv) if !argv.is_empty() => Launcher::Custom(argv),
            _ if matches!(url.scheme(), "http" | "https") => Launcher::Browser,
            _ => Launcher::System,
        };
        Launch { url, launcher }
    }

    /// The program and arguments that will run, as one would type them (for `--dry-run`).
    pub fn describe(&self) -> String {
        match &self.launcher {
            Launcher::Browser => default_browser_described(),
            Launcher::System => {
                let (program, args) = system_opener();
                [program].iter().chain(args).copied().collect::<Vec<_>>().join(" ")
            }
            Launcher::Custom(argv) => argv.join(" "),
        }
    }

    pub fn run(&self) -> Result<(), OpenError> {
        let url = self.url.as_str();
        match &self.launcher {
            Launcher::Browser => default_browser(url),
            Launcher::System => {
                let (program, args) = system_opener();
                spawn(program, args.iter().map(|a| a.to_string()).collect(), url)
            }
            Launcher::Custom(argv) => spawn(&argv[0], argv[1..].to_vec(), url),
        }
    }
}

/// `$BROWSER` as the convention has it: commands separated by `:`, each words
/// separated by spaces, `%s` standing for the URL (else the URL comes last). The
/// first that starts is used; one that fails is an error, never a silent success.
fn browser_from_env(browser: &str, url: &str) -> Result<(), OpenError> {
    let mut last = None;
    for command in browser.split(':').filter(|c| !c.trim().is_empty()) {
        let mut words: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
        let has_slot = words.iter().any(|w| w.contains("%s"));
        for word in &mut words {
            *word = word.replace("%s", url);
        }
        let program = words.remove(0);
        let result = if has_slot { spawn_argv(&program, words, url) } else { spawn(&program, words, url) };
        match result {
            Err(OpenError::Spawn { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                last = Some(source);
            }
            other => return other,
        }
    }
    Err(OpenError::BrowserEnv {
        browser: browser.to_owned(),
        source: last.unwrap_or_else(|| std::io::Error::other("it names no program")),
    })
}

/// Starts `argv` as given (program first; never through a shell), as `run` does;
/// `url` is what it opens (for the loop marker).
pub fn run_argv(argv: &[String], url: &str) -> Result<(), OpenError> {
    match argv.split_first() {
        Some((program, args)) => spawn_argv(program, args.to_vec(), url),
        None => Err(OpenError::Browser(std::io::Error::other("no program given"))),
    }
}

/// Opens `url`, exactly as given, in the desktop's default web browser (`$BROWSER`
/// first): the fallback when nothing else is configured.
pub fn default_browser(url: &str) -> Result<(), OpenError> {
    match std::env::var("BROWSER") {
        Ok(browser) if !browser.is_empty() => browser_from_env(&browser, url),
        _ => {
            let (program, args) = system_opener();
            spawn(program, args.iter().map(|a| a.to_string()).collect(), url)
        }
    }
}

/// How `default_browser` opens a URL, in words.
pub fn default_browser_described() -> String {
    match std::env::var("BROWSER") {
        Ok(browser) if !browser.is_empty() => format!("the web browser ($BROWSER: {browser})"),
        _ => format!("the desktop's default web browser (`{}`)", system_opener().0),
    }
}

fn spawn(program: &str, mut args: Vec<String>, url: &str) -> Result<(), OpenError> {
    args.push(url.to_owned());
    spawn_argv(program, args, url)
}

/// Starts `program` (never through a shell) with the loop marker for `url` in its
/// environment, and waits a moment for it to fail.
fn spawn_argv(program: &str, args: Vec<String>, url: &str) -> Result<(), OpenError> {
    let mut child = Command::new(program)
        .args(args)
        .env(MARKER, marker(url, SystemTime::now()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|source| OpenError::Spawn { program: program.to_owned(), source })?;
    let started = std::time::Instant::now();
    let grace = failure_grace();
    // Openers that hand the URL on (xdg-open, a running browser) exit within a few ms:
    // look again soon, then less often, so a quick success costs well under a ms.
    let mut pause = std::time::Duration::from_micros(100);
    while started.elapsed() < grace {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(OpenError::Failed { program: program.to_owned(), status }),
            Ok(None) => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(std::time::Duration::from_millis(20));
            }
            Err(_) => return Ok(()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn launch(url: &str, open_with: Option<&[&str]>) -> Launch {
        Launch::new(LinkUrl::parse(url).unwrap(), open_with.map(|a| a.iter().map(|s| s.to_string()).collect()))
    }

    #[test]
    fn chooses_the_launcher() {
        assert_eq!(launch("https://a.example/", None).launcher, Launcher::Browser);
        assert_eq!(launch("slack://user?id=1", None).launcher, Launcher::System);
        assert_eq!(
            launch("https://a.example/", Some(&["firefox", "--new-window"])).launcher,
            Launcher::Custom(vec!["firefox".into(), "--new-window".into()])
        );
        assert_eq!(launch("https://a.example/", Some(&["firefox", "-P", "work"])).describe(), "firefox -P work");
    }

    #[test]
    fn the_marker_holds_no_url_and_expires() {
        let url = "https://zoom.us/j/85?pwd=secret";
        let at = SystemTime::now();
        let m = marker(url, at);
        assert!(m.starts_with("v1.") && !m.contains("zoom") && !m.contains("secret"), "{m}");
        assert!(marker_says_loop(&m, url, at));
        assert!(marker_says_loop(&m, url, at + Duration::from_secs(4)));
        assert!(!marker_says_loop(&m, url, at + Duration::from_secs(6)), "a later genuine click is not refused");
        assert!(!marker_says_loop(&m, "https://zoom.us/j/86", at), "another URL is no loop");
        assert!(!marker_says_loop(url, url, at), "the old marker (the URL in clear) is not one");
        assert!(!marker_says_loop(&m, url, at - Duration::from_secs(10)), "a marker from the future is not one");
    }
}
