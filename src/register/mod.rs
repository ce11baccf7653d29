//! Registration as the `applink://` handler (README: Opening links), as a [`Plan`]: files with
//! their contents, registry values, commands. Plans for every OS are built (and
//! tested) on any OS; a plan is executed only on the OS it is for.

pub mod browser;
pub mod extension;
mod linux;
mod macos;
pub mod mimeapps;
mod windows;

use std::fmt;
use std::path::{Path, PathBuf};

use linux::read_optional;
pub use linux::{desktop_file, linux, linux_unregister};
pub use macos::{applescript, info_plist, macos, macos_unregister};
pub use windows::{windows, windows_unregister};

/// The URL scheme applinkd handles.
pub const SCHEME: &str = "applink";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Write a file (creating its folders); `executable` sets the x bits.
    Write { path: PathBuf, contents: String, executable: bool },
    /// Remove a file or a folder tree, if there.
    Remove { path: PathBuf },
    /// Set a value under `HKEY_CURRENT_USER` (`name` empty: the key's default value).
    RegistrySet { key: String, name: String, value: String },
    /// Delete a key under `HKEY_CURRENT_USER` with everything below it.
    RegistryDelete { key: String },
    /// Run a program (never through a shell). `optional`: skip it when not installed.
    Run { program: String, args: Vec<String>, optional: bool },
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("cannot find applinkd's own executable: {0}")]
    Executable(std::io::Error),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("`{program}` failed: {detail}")]
    Command { program: String, detail: String },
    #[error("registering on this operating system is not supported")]
    Unsupported,
    #[error(
        "applinkd's path `{0}` holds a control character (a newline?), which a desktop file cannot hold; install applinkd elsewhere"
    )]
    Unquotable(String),
}

/// Text read from a file that may hold bytes that are not UTF-8 (`mimeapps.list` is
/// edited by many programs): each such byte becomes one private-use character, so
/// that edits keep it, and `bytes_of` gives it back exactly.
pub fn text_of(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let raw =
        |out: &mut String, b: u8| out.push(char::from_u32(RAW_BYTE + u32::from(b)).expect("a private-use character"));
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if u32::from(c) >= RAW_BYTE {
                // A character of that range itself: written as its bytes, so none is ambiguous.
                c.encode_utf8(&mut [0; 4]).bytes().for_each(|b| raw(&mut out, b));
            } else {
                out.push(c);
            }
        }
        chunk.invalid().iter().for_each(|&b| raw(&mut out, b));
    }
    out
}

/// The bytes `text_of` read.
pub fn bytes_of(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match u32::from(c).checked_sub(RAW_BYTE) {
            Some(b) if b < 256 => out.push(b as u8),
            _ => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    out
}

/// The last 256 characters of plane 16's private use area stand for raw bytes.
const RAW_BYTE: u32 = 0x10_FF00;

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Write { path, contents, .. } => {
                writeln!(f, "write {}", path.display())?;
                for line in contents.lines() {
                    writeln!(f, "    {line}")?;
                }
                Ok(())
            }
            Step::Remove { path } => writeln!(f, "remove {}", path.display()),
            Step::RegistrySet { key, name, value } => {
                let name = if name.is_empty() { "(Default)" } else { name };
                writeln!(f, "set HKCU\\{key} {name} = {value}")
            }
            Step::RegistryDelete { key } => writeln!(f, "delete HKCU\\{key}"),
            Step::Run { program, args, optional } => {
                writeln!(f, "run {program} {}{}", args.join(" "), if *optional { " (if installed)" } else { "" })
            }
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.steps {
            write!(f, "{step}")?;
        }
        Ok(())
    }
}

impl Plan {
    /// Carries out the plan, step by step, stopping at the first failure.
    pub fn execute(&self) -> Result<(), RegisterError> {
        for step in &self.steps {
            execute(step)?;
        }
        Ok(())
    }
}

fn execute(step: &Step) -> Result<(), RegisterError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RegisterError::Io { path, source }
    };
    match step {
        Step::Write { path, contents, executable } => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            std::fs::write(path, bytes_of(contents)).map_err(io(path))?;
            #[cfg(unix)]
            if *executable {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(io(path))?;
            }
            #[cfg(not(unix))]
            let _ = executable;
            Ok(())
        }
        Step::Remove { path } => {
            let result = if path.is_dir() { std::fs::remove_dir_all(path) } else { std::fs::remove_file(path) };
            match result {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(path)(e)),
                _ => Ok(()),
            }
        }
        Step::RegistrySet { key, name, value } => {
            let mut args = vec!["add".to_owned(), format!("HKCU\\{key}")];
            if name.is_empty() {
                args.push("/ve".into());
            } else {
                args.extend(["/v".into(), name.clone()]);
            }
            args.extend(["/t".into(), "REG_SZ".into(), "/d".into(), value.clone(), "/f".into()]);
            run("reg", &args, false)
        }
        Step::RegistryDelete { key } => run("reg", &["delete".into(), format!("HKCU\\{key}"), "/f".into()], true),
        Step::Run { program, args, optional } => run(program, args, *optional),
    }
}

fn run(program: &str, args: &[String], optional: bool) -> Result<(), RegisterError> {
    match std::process::Command::new(program).args(args).output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(_) if optional => Ok(()),
        Ok(out) => Err(RegisterError::Command {
            program: program.to_owned(),
            detail: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        }),
        Err(e) if optional && e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(RegisterError::Command { program: program.to_owned(), detail: e.to_string() }),
    }
}

/// The running executable's absolute path: what the OS will start for a link.
pub fn current_exe() -> Result<PathBuf, RegisterError> {
    let exe = std::env::current_exe().map_err(RegisterError::Executable)?;
    Ok(std::fs::canonicalize(&exe).unwrap_or(exe))
}

/// The plan for this OS: register (`true`) or unregister; `browser`: as the handler
/// of `http`/`https` links (README: The web-link router) instead of `applink://`.
pub fn for_this_os(register: bool, browser: bool) -> Result<Plan, RegisterError> {
    let exe = current_exe()?;
    if cfg!(target_os = "macos") {
        let home = etcetera::home_dir().map_err(|_| RegisterError::Unsupported)?;
        if browser {
            let state = crate::browser::fallback::state_path(
                &crate::browser::fallback::data_home().ok_or(RegisterError::Unsupported)?,
            );
            return Ok(if register {
                browser::macos(&exe, &home, &state)
            } else {
                browser::macos_unregister(&home, &state)
            });
        }
        Ok(if register { macos(&exe, &home) } else { macos_unregister(&home) })
    } else if cfg!(windows) {
        let exe = exe.display().to_string();
        if browser {
            return Ok(if register { browser::windows(&exe) } else { browser::windows_unregister() });
        }
        Ok(if register { windows(&exe) } else { windows_unregister() })
    } else if cfg!(unix) {
        use etcetera::BaseStrategy;
        let dirs = etcetera::choose_base_strategy().map_err(|_| RegisterError::Unsupported)?;
        let (data, config) = (dirs.data_dir(), dirs.config_dir());
        match (register, browser) {
            (true, true) => browser::linux(&exe, &data, &config, current_web_handler(&config)),
            (false, true) => browser::linux_unregister(&data, &config),
            (true, false) => linux(&exe, &data, &config),
            (false, false) => linux_unregister(&data, &config),
        }
    } else {
        Err(RegisterError::Unsupported)
    }
}

/// The desktop id that opens `https` links now: `xdg-mime query default` (which
/// reads every `mimeapps.list` and cache the desktop does), else the user's own
/// `mimeapps.list`.
fn current_web_handler(config: &Path) -> Option<String> {
    for key in ["x-scheme-handler/https", "x-scheme-handler/http"] {
        let asked = std::process::Command::new("xdg-mime")
            .args(["query", "default", key])
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .filter(|id| !id.is_empty());
        let handler = asked.or_else(|| {
            let text = read_optional(&config.join("mimeapps.list")).ok()??;
            mimeapps::value_of(&text, key)
                .and_then(|v| v.split(';').map(str::trim).find(|d| !d.is_empty()).map(str::to_owned))
        });
        if handler.is_some() {
            return handler;
        }
    }
    None
}

#[cfg(test)]
mod raw_bytes_tests {
    use super::*;

    /// Found by fuzzing (mimeapps): a real character of the private-use range that
    /// stands for raw bytes must come back as itself.
    #[test]
    fn text_of_and_bytes_of_round_trip_any_bytes() {
        for bytes in [&b"plain"[..], b"f\xffirefox", "\u{10FF91}x".as_bytes(), b"\xf4\x8f\xbe\x91\xf4\x8f\xbe", b"\xc3"]
        {
            assert_eq!(bytes_of(&text_of(bytes)), bytes, "{bytes:?}");
        }
    }
}
