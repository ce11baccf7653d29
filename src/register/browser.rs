//! `register --browser` / `unregister --browser` (README: The web-link router): applinkd as the handler
//! of `http`/`https` links, beside (not instead of) its `applink://` registration.
//!
//! Linux: a second desktop file, `applinkd-browser.desktop` (`Categories=Network;
//! WebBrowser;`, both schemes), made the default for both in `mimeapps.list`; the
//! handler it replaces is remembered (`browser-registration.json`, with what was
//! changed) and becomes the fallback browser; unregister restores `mimeapps.list`
//! byte for byte. macOS: an applet declaring `http`/`https`, then
//! `LSSetDefaultHandlerForURLScheme`, which makes macOS ask the user. Windows: the
//! `StartMenuInternet` and `Capabilities\URLAssociations` registration; Windows
//! then asks the user to pick applinkd in Settings (apps cannot set it themselves).

use std::path::Path;

use super::mimeapps::{self, Undo};
use super::{Plan, RegisterError, Step};
use crate::browser::fallback::state_path;

pub const DESKTOP_FILE: &str = "applinkd-browser.desktop";
const KEYS: [&str; 2] = ["x-scheme-handler/http", "x-scheme-handler/https"];
const VALUE: &str = "applinkd-browser.desktop;";

/// What `register --browser` changed and replaced (Linux).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Registration {
    /// The desktop id that handled `https` (else `http`) links before: the fallback.
    handler: Option<String>,
    /// What each key's edit of `mimeapps.list` changed, in `KEYS` order.
    mimeapps: Vec<Undo>,
}

/// The desktop file: `<exe> open %u` for web links, a web browser to the desktop.
pub fn desktop_file(exe: &Path) -> Result<String, RegisterError> {
    let own = super::desktop_file(exe)?;
    let exec = own.lines().find(|l| l.starts_with("Exec=")).unwrap_or_default().to_owned();
    Ok(format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=applinkd web link router\n\
         Comment=Opens web links of known apps where they belong, and every other link in your browser\n\
         {exec}\n\
         NoDisplay=true\n\
         Terminal=false\n\
         Categories=Network;WebBrowser;\n\
         MimeType=x-scheme-handler/http;x-scheme-handler/https;\n"
    ))
}

/// The Linux plan. `handler`: the desktop id handling `https` now (`xdg-mime query
/// default`), remembered as the fallback unless it is applinkd's own.
pub fn linux(exe: &Path, data: &Path, config: &Path, handler: Option<String>) -> Result<Plan, RegisterError> {
    let applications = data.join("applications");
    let list = config.join("mimeapps.list");
    let current = super::read_optional(&list)?;
    let mut text = current.clone();
    let mut undos = Vec::new();
    for key in KEYS {
        let (next, undo) = mimeapps::set_default(text.as_deref(), key, VALUE);
        text = Some(next);
        undos.push(undo);
    }
    let mut steps =
        vec![Step::Write { path: applications.join(DESKTOP_FILE), contents: desktop_file(exe)?, executable: false }];
    // Registering again keeps the first record: what was there before applinkd.
    if super::read_optional(&state_path(data))?.is_none() {
        let own = crate::browser::fallback::OWN_DESKTOP_IDS;
        let handler = handler.filter(|h| !own.contains(&h.as_str()));
        let registration = Registration { handler, mimeapps: undos.clone() };
        steps.push(Step::Write {
            path: state_path(data),
            contents: serde_json::to_string_pretty(&registration).expect("serialises") + "\n",
            executable: false,
        });
    }
    steps.extend(super::linux::record_created(data, &undos.iter().collect::<Vec<_>>())?);
    if text != current {
        steps.push(Step::Write { path: list, contents: text.unwrap_or_default(), executable: false });
    }
    steps.push(super::linux::update_database(&applications));
    Ok(Plan { steps })
}

pub fn linux_unregister(data: &Path, config: &Path) -> Result<Plan, RegisterError> {
    let applications = data.join("applications");
    let list = config.join("mimeapps.list");
    let registration: Registration = match super::read_optional(&state_path(data))? {
        Some(text) => serde_json::from_str(&text).unwrap_or_default(),
        None => Registration::default(),
    };
    let mut steps = vec![Step::Remove { path: applications.join(DESKTOP_FILE) }];
    if let Some(current) = super::read_optional(&list)? {
        // Undone in the reverse order of the edits, so each undo sees the text its edit made.
        let mut text = Some(current.clone());
        for (key, undo) in KEYS.iter().zip(&registration.mimeapps).rev() {
            if let Some(t) = &text {
                text = mimeapps::undo(t, key, VALUE, undo);
            }
        }
        let other = super::read_optional(&data.join("applinkd").join("registration.json"))?.is_some();
        let (text, record) = super::linux::undo_created(data, text, other)?;
        match text {
            Some(text) if text == current => {}
            Some(text) => steps.push(Step::Write { path: list, contents: text, executable: false }),
            None => steps.push(Step::Remove { path: list }),
        }
        steps.extend(record);
    }
    steps.push(Step::Remove { path: state_path(data) });
    steps.push(super::linux::update_database(&applications));
    Ok(Plan { steps })
}

pub use crate::browser::fallback::MAC_BUNDLE_ID;

/// The macOS plan: the applet (the same script as the `applink:` one) declaring
/// `http`/`https`, registered; then a Swift one-liner that remembers the current
/// `https` handler in `state` (the fallback, opened with `open -b`) and asks
/// LaunchServices to make the applet the default, which macOS confirms with the user.
pub fn macos(exe: &Path, home: &Path, state: &Path) -> Plan {
    let app = home.join("Applications/applinkd Browser.app");
    let source = home.join("Library/Application Support/applinkd/browser.applescript");
    let state = swift_string(&state.display().to_string());
    let script = format!(
        "import Foundation; import CoreServices; \
         let previous = LSCopyDefaultHandlerForURLScheme(\"https\" as CFString)?.takeRetainedValue() as String?; \
         if !FileManager.default.fileExists(atPath: \"{state}\") {{ \
           let record: [String: Any] = [\"handler\": previous ?? NSNull()]; \
           try? FileManager.default.createDirectory(atPath: (\"{state}\" as NSString).deletingLastPathComponent, withIntermediateDirectories: true); \
           try! JSONSerialization.data(withJSONObject: record).write(to: URL(fileURLWithPath: \"{state}\")) }}; \
         for scheme in [\"http\", \"https\"] {{ LSSetDefaultHandlerForURLScheme(scheme as CFString, \"{MAC_BUNDLE_ID}\" as CFString) }}"
    );
    Plan {
        steps: vec![
            Step::Write { path: source.clone(), contents: super::applescript(exe), executable: false },
            Step::Run {
                program: "osacompile".into(),
                args: vec!["-o".into(), app.display().to_string(), source.display().to_string()],
                optional: false,
            },
            Step::Write {
                path: app.join("Contents/Info.plist"),
                contents: super::macos::plist_for(
                    MAC_BUNDLE_ID,
                    "applinkd Browser",
                    "Web site URL",
                    &["http", "https"],
                ),
                executable: false,
            },
            Step::Run {
                program: super::macos::LSREGISTER.into(),
                args: vec!["-f".into(), app.display().to_string()],
                optional: false,
            },
            Step::Run { program: "/usr/bin/swift".into(), args: vec!["-e".into(), script], optional: false },
        ],
    }
}

/// Unregistering on macOS gives both schemes back to the remembered handler (macOS
/// asks the user again), then removes the applet and the record.
pub fn macos_unregister(home: &Path, state: &Path) -> Plan {
    let app = home.join("Applications/applinkd Browser.app");
    let path = swift_string(&state.display().to_string());
    let script = format!(
        "import Foundation; import CoreServices; \
         if let data = FileManager.default.contents(atPath: \"{path}\"), \
            let record = try? JSONSerialization.jsonObject(with: data) as? [String: Any], \
            let handler = record[\"handler\"] as? String {{ \
           for scheme in [\"http\", \"https\"] {{ LSSetDefaultHandlerForURLScheme(scheme as CFString, handler as CFString) }} }}"
    );
    Plan {
        steps: vec![
            Step::Run { program: "/usr/bin/swift".into(), args: vec!["-e".into(), script], optional: true },
            Step::Run {
                program: super::macos::LSREGISTER.into(),
                args: vec!["-u".into(), app.display().to_string()],
                optional: true,
            },
            Step::Remove { path: app },
            Step::Remove { path: home.join("Library/Application Support/applinkd/browser.applescript") },
            Step::Remove { path: state.to_path_buf() },
        ],
    }
}

fn swift_string(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

pub const WINDOWS_CLIENT: &str = "Software\\Clients\\StartMenuInternet\\applinkd";
const WINDOWS_PROG_ID: &str = "Software\\Classes\\applinkd.URL";

/// The Windows plan: a `StartMenuInternet` client with `Capabilities` (URL
/// associations for `http`/`https` to the `applinkd.URL` ProgID) listed under
/// `RegisteredApplications`; then Settings opens at the default apps, where the user
/// picks applinkd (Windows lets no program make itself the default browser).
pub fn windows(exe: &str) -> Plan {
    let set = |key: &str, name: &str, value: String| Step::RegistrySet { key: key.into(), name: name.into(), value };
    let client = WINDOWS_CLIENT;
    let capabilities = format!("{client}\\Capabilities");
    Plan {
        steps: vec![
            set(WINDOWS_PROG_ID, "", "applinkd web link".into()),
            set(&format!("{WINDOWS_PROG_ID}\\shell\\open\\command"), "", super::windows::command_line(exe)),
            set(client, "", "applinkd".into()),
            set(&format!("{client}\\DefaultIcon"), "", format!("\"{exe}\",0")),
            set(&format!("{client}\\shell\\open\\command"), "", format!("\"{exe}\"")),
            set(&capabilities, "ApplicationName", "applinkd".into()),
            set(
                &capabilities,
                "ApplicationDescription",
                "Opens web links of known apps where they belong, and every other link in your browser".into(),
            ),
            set(&format!("{capabilities}\\URLAssociations"), "http", "applinkd.URL".into()),
            set(&format!("{capabilities}\\URLAssociations"), "https", "applinkd.URL".into()),
            set("Software\\RegisteredApplications", "applinkd", capabilities.clone()),
            Step::Run { program: "explorer.exe".into(), args: vec!["ms-settings:defaultapps".into()], optional: true },
        ],
    }
}

pub fn windows_unregister() -> Plan {
    Plan {
        steps: vec![
            Step::RegistryDelete { key: WINDOWS_CLIENT.into() },
            Step::RegistryDelete { key: WINDOWS_PROG_ID.into() },
            Step::RegistryDelete { key: "Software\\RegisteredApplications\\applinkd".into() },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macos_plan_declares_both_schemes_and_asks_launch_services() {
        let home = Path::new("/Users/ada");
        let state = Path::new("/Users/ada/.local/share/applinkd/browser-registration.json");
        let plan = macos(Path::new("/usr/local/bin/applinkd"), home, state);
        let plist = plan.steps.iter().find_map(|s| match s {
            Step::Write { path, contents, .. } if path.ends_with("Contents/Info.plist") => Some(contents.clone()),
            _ => None,
        });
        let plist = plist.expect("an Info.plist");
        assert!(plist.contains("<string>http</string>") && plist.contains("<string>https</string>"), "{plist}");
        assert!(plist.contains(MAC_BUNDLE_ID));
        let swift = plan.steps.iter().find_map(|s| match s {
            Step::Run { program, args, .. } if program.ends_with("swift") => Some(args[1].clone()),
            _ => None,
        });
        let swift = swift.expect("the LaunchServices step");
        assert!(
            swift.contains("LSCopyDefaultHandlerForURLScheme") && swift.contains("LSSetDefaultHandlerForURLScheme")
        );
        assert!(swift.contains(&state.display().to_string()), "the replaced handler is remembered");
        let undo = macos_unregister(home, state);
        assert!(undo.steps.iter().any(|s| matches!(s, Step::Remove { path } if path == state)));
    }

    #[test]
    fn windows_plan_registers_a_start_menu_internet_client() {
        let plan = windows("C:\\Program Files\\applinkd\\applinkd.exe");
        let value = |key: &str, name: &str| {
            plan.steps.iter().find_map(|s| match s {
                Step::RegistrySet { key: k, name: n, value } if k == key && n == name => Some(value.clone()),
                _ => None,
            })
        };
        let caps = format!("{WINDOWS_CLIENT}\\Capabilities");
        assert_eq!(value(&format!("{caps}\\URLAssociations"), "http").as_deref(), Some("applinkd.URL"));
        assert_eq!(value(&format!("{caps}\\URLAssociations"), "https").as_deref(), Some("applinkd.URL"));
        assert_eq!(value("Software\\RegisteredApplications", "applinkd"), Some(caps));
        assert_eq!(
            value("Software\\Classes\\applinkd.URL\\shell\\open\\command", "").as_deref(),
            Some("\"C:\\Program Files\\applinkd\\applinkd.exe\" open -- \"%1\"")
        );
        assert_eq!(windows_unregister().steps.len(), 3);
    }
}
