//! `register --extension` / `unregister --extension`: the native messaging host manifests
//! that let the browser extension start `applinkd native-host` (README: "In the browser").
//!
//! Each manifest names applinkd's executable and allows only the extension's ids. Browsers
//! start the executable with the caller's origin (Chromium) or the manifest's path and the
//! extension's id (Firefox) as arguments; `cli::main` recognises those and serves as the host.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::{Plan, Step};
use crate::native_host::{CHROMIUM_IDS, GECKO_ID, HOST_NAME};

const DESCRIPTION: &str = "applinkd: App Links from the browser extension to the desktop";

fn file_name() -> String {
    format!("{HOST_NAME}.json")
}

/// The Chromium-family manifest (Chromium, Google Chrome): `allowed_origins`.
pub fn chromium_manifest(exe: &Path) -> String {
    let origins: Vec<String> = CHROMIUM_IDS.iter().map(|id| format!("chrome-extension://{id}/")).collect();
    let manifest = json!({
        "name": HOST_NAME,
        "description": DESCRIPTION,
        "path": exe.display().to_string(),
        "type": "stdio",
        "allowed_origins": origins,
    });
    format!("{}\n", serde_json::to_string_pretty(&manifest).expect("JSON values serialise"))
}

/// Firefox's manifest: `allowed_extensions`.
pub fn firefox_manifest(exe: &Path) -> String {
    let manifest = json!({
        "name": HOST_NAME,
        "description": DESCRIPTION,
        "path": exe.display().to_string(),
        "type": "stdio",
        "allowed_extensions": [GECKO_ID],
    });
    format!("{}\n", serde_json::to_string_pretty(&manifest).expect("JSON values serialise"))
}

/// Where the manifests go on Linux: `$XDG_CONFIG_HOME/chromium/`, `…/google-chrome/`
/// (what those browsers read, `$XDG_CONFIG_HOME` honoured) and `~/.mozilla/` (Firefox reads
/// only that).
pub fn linux_paths(config: &Path, home: &Path) -> Vec<(PathBuf, bool)> {
    vec![
        (config.join("chromium/NativeMessagingHosts").join(file_name()), true),
        (config.join("google-chrome/NativeMessagingHosts").join(file_name()), true),
        (home.join(".mozilla/native-messaging-hosts").join(file_name()), false),
    ]
}

/// macOS: the per-user `NativeMessagingHosts` folders under `~/Library/Application Support`.
pub fn macos_paths(home: &Path) -> Vec<(PathBuf, bool)> {
    let support = home.join("Library/Application Support");
    vec![
        (support.join("Chromium/NativeMessagingHosts").join(file_name()), true),
        (support.join("Google/Chrome/NativeMessagingHosts").join(file_name()), true),
        (support.join("Mozilla/NativeMessagingHosts").join(file_name()), false),
    ]
}

fn write_all(exe: &Path, paths: Vec<(PathBuf, bool)>) -> Plan {
    let steps = paths
        .into_iter()
        .map(|(path, chromium)| Step::Write {
            contents: if chromium { chromium_manifest(exe) } else { firefox_manifest(exe) },
            path,
            executable: false,
        })
        .collect();
    Plan { steps }
}

fn remove_all(paths: Vec<(PathBuf, bool)>) -> Plan {
    Plan { steps: paths.into_iter().map(|(path, _)| Step::Remove { path }).collect() }
}

pub fn linux(exe: &Path, config: &Path, home: &Path) -> Plan {
    write_all(exe, linux_paths(config, home))
}

pub fn linux_unregister(config: &Path, home: &Path) -> Plan {
    remove_all(linux_paths(config, home))
}

pub fn macos(exe: &Path, home: &Path) -> Plan {
    write_all(exe, macos_paths(home))
}

pub fn macos_unregister(home: &Path) -> Plan {
    remove_all(macos_paths(home))
}

/// The registry keys browsers look the host up under on Windows, each with whether it is
/// a Chromium-family browser.
fn windows_keys() -> [(String, bool); 3] {
    [
        (format!(r"Software\Chromium\NativeMessagingHosts\{HOST_NAME}"), true),
        (format!(r"Software\Google\Chrome\NativeMessagingHosts\{HOST_NAME}"), true),
        (format!(r"Software\Mozilla\NativeMessagingHosts\{HOST_NAME}"), false),
    ]
}

/// Windows: the two manifests in applinkd's data folder, each browser's registry key
/// pointing at its manifest.
pub fn windows(exe: &Path, data: &Path) -> Plan {
    let (chromium, firefox) =
        (data.join(format!("{HOST_NAME}.chromium.json")), data.join(format!("{HOST_NAME}.firefox.json")));
    let mut steps = vec![
        Step::Write { path: chromium.clone(), contents: chromium_manifest(exe), executable: false },
        Step::Write { path: firefox.clone(), contents: firefox_manifest(exe), executable: false },
    ];
    for (key, is_chromium) in windows_keys() {
        let manifest = if is_chromium { &chromium } else { &firefox };
        steps.push(Step::RegistrySet { key, name: String::new(), value: manifest.display().to_string() });
    }
    Plan { steps }
}

pub fn windows_unregister(data: &Path) -> Plan {
    let mut steps: Vec<Step> = windows_keys().into_iter().map(|(key, _)| Step::RegistryDelete { key }).collect();
    for suffix in ["chromium", "firefox"] {
        steps.push(Step::Remove { path: data.join(format!("{HOST_NAME}.{suffix}.json")) });
    }
    Plan { steps }
}

/// The plan for this OS.
pub fn for_this_os(register: bool) -> Result<Plan, super::RegisterError> {
    use super::RegisterError;
    let exe = super::current_exe()?;
    let home = etcetera::home_dir().map_err(|_| RegisterError::Unsupported)?;
    if cfg!(target_os = "macos") {
        Ok(if register { macos(&exe, &home) } else { macos_unregister(&home) })
    } else if cfg!(windows) {
        use etcetera::BaseStrategy;
        let dirs = etcetera::choose_base_strategy().map_err(|_| RegisterError::Unsupported)?;
        let data = dirs.data_dir().join("applinkd");
        Ok(if register { windows(&exe, &data) } else { windows_unregister(&data) })
    } else if cfg!(unix) {
        use etcetera::BaseStrategy;
        let dirs = etcetera::choose_base_strategy().map_err(|_| RegisterError::Unsupported)?;
        let config = dirs.config_dir();
        Ok(if register { linux(&exe, &config, &home) } else { linux_unregister(&config, &home) })
    } else {
        Err(RegisterError::Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_allow_only_the_extension() {
        let exe = Path::new("/opt/applinkd/bin/applinkd");
        let chromium: serde_json::Value = serde_json::from_str(&chromium_manifest(exe)).unwrap();
        assert_eq!(chromium["name"], HOST_NAME);
        assert_eq!(chromium["path"], "/opt/applinkd/bin/applinkd");
        assert_eq!(chromium["allowed_origins"], json!([format!("chrome-extension://{}/", CHROMIUM_IDS[0])]));
        let firefox: serde_json::Value = serde_json::from_str(&firefox_manifest(exe)).unwrap();
        assert_eq!(firefox["allowed_extensions"], json!([GECKO_ID]));
    }

    /// The files and registry keys a plan touches, sorted.
    fn touched(plan: &Plan) -> Vec<String> {
        let mut out: Vec<String> = plan
            .steps
            .iter()
            .map(|s| match s {
                Step::Write { path, .. } | Step::Remove { path } => path.display().to_string(),
                Step::RegistrySet { key, .. } | Step::RegistryDelete { key } => key.clone(),
                Step::Run { program, .. } => program.clone(),
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn unregister_removes_exactly_what_register_writes() {
        let (exe, config, home, data) = (Path::new("/a"), Path::new("/c"), Path::new("/h"), Path::new("/d"));
        for (written, removed) in [
            (linux(exe, config, home), linux_unregister(config, home)),
            (macos(exe, home), macos_unregister(home)),
            (windows(exe, data), windows_unregister(data)),
        ] {
            assert_eq!(touched(&written), touched(&removed));
        }
    }
}
