//! Opener: hands a resolved URL to the program that shows it (SPEC §6).
//!
//! `http`/`https` go to the web browser through the `webbrowser` crate (which
//! honours `$BROWSER` and, built `hardened`, accepts nothing else); other schemes
//! an app allows (`slack:`, `zoommtg:`) go to the system opener; an app's
//! `open_with` names its own program. Never a shell: the canonical URL is one argument.

use std::process::{Command, Stdio};

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
}

/// How long an opener has to report failure by exiting non-zero. One still running
/// then is taken to be the program itself (a browser that was exec'd), and left to run.
const FAILURE_GRACE: std::time::Duration = std::time::Duration::from_millis(1500);

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
            Launcher::Browser => match std::env::var("BROWSER") {
                Ok(browser) if !browser.is_empty() => {
                    format!("the web browser ($BROWSER: {browser})")
                }
                _ => "the default web browser".to_owned(),
            },
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
            Launcher::Browser if std::env::var("BROWSER").is_ok_and(|b| !b.is_empty()) => {
                browser_from_env(&std::env::var("BROWSER").unwrap_or_default(), url)
            }
            Launcher::Browser => {
                let mut options = webbrowser::BrowserOptions::new();
                options.with_suppress_output(true);
                webbrowser::open_browser_with_options(webbrowser::Browser::Default, url, &options)
                    .map_err(OpenError::Browser)
            }
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
        let result = if has_slot { spawn_argv(&program, words) } else { spawn(&program, words, url) };
        match result {
            Err(OpenError::Spawn { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                last = Some(source);
            }
            other => return other,
        }
    }
    Err(OpenError::Browser(last.unwrap_or_else(|| std::io::Error::other("$BROWSER names no program"))))
}

/// Starts `argv` as given (program first; never through a shell), as `run` does.
pub fn run_argv(argv: &[String]) -> Result<(), OpenError> {
    match argv.split_first() {
        Some((program, args)) => spawn_argv(program, args.to_vec()),
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
    spawn_argv(program, args)
}

/// Starts `program` (never through a shell) and waits a moment for it to fail.
fn spawn_argv(program: &str, args: Vec<String>) -> Result<(), OpenError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|source| OpenError::Spawn { program: program.to_owned(), source })?;
    let started = std::time::Instant::now();
    // Openers that hand the URL on (xdg-open, a running browser) exit within a few ms:
    // look again soon, then less often, so a quick success costs well under a ms.
    let mut pause = std::time::Duration::from_micros(100);
    while started.elapsed() < FAILURE_GRACE {
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
}
