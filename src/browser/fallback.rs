//! The fallback browser: where web links that are no App URL go (README: The web-link router), and the
//! guard that it is never applinkd itself.
//!
//! Chosen in this order: `[browser] fallback = [program, args...]` from the link
//! files; else the handler `register --browser` replaced (a desktop id remembered in
//! `$XDG_DATA_HOME/applinkd/browser-registration.json`, launched by its `Exec`); else,
//! when applinkd is not the registered browser, the desktop's default browser. Loops
//! are refused two ways: a fallback that is applinkd (its program, or a desktop file
//! that runs it) is an error before anything starts; and every program `open` starts
//! carries the loop marker (`opener::MARKER`), so that a URL coming back to applinkd
//! from its own launch is an error, not a fork storm.

use std::path::{Path, PathBuf};

use super::desktop_exec;

/// In the environment of what `open` starts: a digest of the URL and a time (see `opener`).
pub const MARKER: &str = crate::opener::MARKER;

/// Desktop ids that are applinkd's own.
pub const OWN_DESKTOP_IDS: [&str; 2] = ["applinkd.desktop", "applinkd-browser.desktop"];

/// The bundle id of applinkd's macOS web-link applet (`register --browser`).
pub const MAC_BUNDLE_ID: &str = "dev.applinkd.browser";

/// What `register --browser` remembers: the handlers it replaced.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Remembered {
    /// The desktop id that handled `https` (else `http`) links before.
    pub handler: Option<String>,
}

/// The file `register --browser` keeps its record in.
pub fn state_path(data: &Path) -> PathBuf {
    data.join("applinkd").join("browser-registration.json")
}

/// Where the fallback comes from, and the argv that opens `url` with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fallback {
    /// `[browser] fallback` (URL appended) or a remembered desktop file's `Exec`.
    Program { argv: Vec<String>, source: String },
    /// The desktop's default browser (`$BROWSER`, else the system's).
    Default,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FallbackError {
    #[error("the fallback browser {0} is applinkd itself, which would open the link again and again")]
    IsApplinkd(String),
    #[error("`{0}` came back to applinkd from a program applinkd started for it: a loop, stopped here")]
    Loop(String),
    #[error(
        "applinkd is the web browser here, and no fallback browser is known: add `[browser] fallback = [\"firefox\"]` to a link file"
    )]
    None,
}

/// The user's data directory (`$XDG_DATA_HOME`, else `~/.local/share`).
pub fn data_home() -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    etcetera::choose_base_strategy().ok().map(|d| d.data_dir())
}

/// Refuses a URL that applinkd itself handed on and that came back to it.
pub fn check_not_looping(url: &str) -> Result<(), FallbackError> {
    if crate::opener::came_back(url) { Err(FallbackError::Loop(url.to_owned())) } else { Ok(()) }
}

/// Whether applinkd is the registered web browser here (`register --browser` keeps
/// its record), or was itself started by applinkd's launcher: then a page opened "in
/// the browser" would come back to applinkd, so failures are notifications instead.
pub fn applinkd_is_the_browser() -> bool {
    crate::opener::started_by_applinkd() || data_home().is_some_and(|d| state_path(&d).exists())
}

/// The fallback browser for `url`: `configured` (`[browser] fallback`), else the
/// remembered handler, else the default browser, unless applinkd is the registered
/// browser (then the default would be applinkd).
pub fn choose(configured: Option<&[String]>, url: &str) -> Result<Fallback, FallbackError> {
    let data = data_home();
    if let Some(argv) = configured {
        refuse_applinkd(&argv[0], "given in `[browser] fallback`")?;
        let mut argv = argv.to_vec();
        argv.push(url.to_owned());
        return Ok(Fallback::Program { argv, source: "`[browser] fallback` in the link files".into() });
    }
    let remembered: Option<Remembered> = data
        .as_deref()
        .and_then(|d| std::fs::read_to_string(state_path(d)).ok())
        .and_then(|text| serde_json::from_str(&text).ok());
    let Some(remembered) = remembered else {
        return Ok(Fallback::Default);
    };
    let Some(id) = remembered.handler else {
        return Err(FallbackError::None);
    };
    if OWN_DESKTOP_IDS.contains(&id.as_str()) || id == MAC_BUNDLE_ID {
        return Err(FallbackError::IsApplinkd(format!("`{id}`")));
    }
    if cfg!(target_os = "macos") {
        // macOS remembers a bundle id; `open -b` starts that app with the URL.
        let argv = vec!["open".to_owned(), "-b".to_owned(), id.clone(), url.to_owned()];
        return Ok(Fallback::Program { argv, source: format!("`{id}`, the handler `register --browser` replaced") });
    }
    let data = data.unwrap_or_default();
    let file = desktop_exec::find(&id, &data).ok_or(FallbackError::None)?;
    let text =
        std::fs::read(&file).map(|b| String::from_utf8_lossy(&b).into_owned()).map_err(|_| FallbackError::None)?;
    let exec = desktop_exec::exec_of(&text).ok_or(FallbackError::None)?;
    let argv = desktop_exec::argv(&exec, url).ok_or(FallbackError::None)?;
    refuse_applinkd(&argv[0], &format!("`{id}` ({})", file.display()))?;
    Ok(Fallback::Program { argv, source: format!("`{id}`, the handler `register --browser` replaced") })
}

/// A program that is applinkd: this executable (by its real path), or one named `applinkd`.
fn refuse_applinkd(program: &str, described: &str) -> Result<(), FallbackError> {
    let path = Path::new(program);
    let named = path.file_name().is_some_and(|n| n == "applinkd");
    let resolved = if path.components().count() > 1 { Some(path.to_path_buf()) } else { which(program) };
    let same = resolved
        .and_then(|p| std::fs::canonicalize(p).ok())
        .zip(std::env::current_exe().ok().and_then(|e| std::fs::canonicalize(e).ok()))
        .is_some_and(|(a, b)| a == b);
    if named || same { Err(FallbackError::IsApplinkd(format!("{described}: `{program}`"))) } else { Ok(()) }
}

/// `program` looked up in `$PATH`, as the launch will.
fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(program)).find(|p| p.is_file())
}
