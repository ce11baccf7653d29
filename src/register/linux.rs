//! Linux (freedesktop): a desktop file under `$XDG_DATA_HOME/applications`, made
//! the default for `x-scheme-handler/applink` in `$XDG_CONFIG_HOME/mimeapps.list`.

use std::path::Path;

use super::mimeapps::{self, Undo};
use super::{Plan, RegisterError, SCHEME, Step};

pub const DESKTOP_FILE: &str = "applinkd.desktop";
const KEY: &str = "x-scheme-handler/applink";
const VALUE: &str = "applinkd.desktop;";

/// Where register keeps what it changed, for unregister.
fn undo_path(data: &Path) -> std::path::PathBuf {
    data.join("applinkd").join("registration.json")
}

/// What register changed besides its own desktop file.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Registration {
    mimeapps: Undo,
    /// `update-desktop-database` made `mimeinfo.cache` where there was none.
    created_cache: bool,
}

const CACHE: &str = "mimeinfo.cache";

/// The desktop file: runs `<exe> open %u` for `applink:` URLs, hidden from menus.
pub fn desktop_file(exe: &Path) -> Result<String, RegisterError> {
    let shown = exe.display().to_string();
    if shown.chars().any(char::is_control) {
        return Err(RegisterError::Unquotable(shown.escape_default().to_string()));
    }
    Ok(format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=applinkd\n\
         Comment=Open App Links ({SCHEME}://APP/ID) in the application they name\n\
         Exec={} open %u\n\
         NoDisplay=true\n\
         Terminal=false\n\
         MimeType=x-scheme-handler/{SCHEME};\n",
        exec_quote(&shown)
    ))
}

/// Quotes a program path for `Exec=` (Desktop Entry Specification, "The Exec key").
fn exec_quote(path: &str) -> String {
    let plain = path.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c));
    if plain {
        return path.to_owned();
    }
    let mut quoted = String::from("\"");
    for c in path.chars() {
        match c {
            '"' | '`' | '$' | '\\' => {
                quoted.push('\\');
                quoted.push(c);
            }
            '%' => quoted.push_str("%%"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    // The value is also a string value, whose own escape is the backslash.
    quoted.replace('\\', "\\\\")
}

pub fn linux(exe: &Path, data: &Path, config: &Path) -> Result<Plan, RegisterError> {
    let applications = data.join("applications");
    let list = config.join("mimeapps.list");
    let current = read_optional(&list)?;
    let (text, undo) = mimeapps::set_default(current.as_deref(), KEY, VALUE);
    let mut steps =
        vec![Step::Write { path: applications.join(DESKTOP_FILE), contents: desktop_file(exe)?, executable: false }];
    // Keep the first registration's record: registering again must not forget the original state.
    if read_optional(&undo_path(data))?.is_none() {
        let registration = Registration { mimeapps: undo.clone(), created_cache: !applications.join(CACHE).exists() };
        steps.push(Step::Write {
            path: undo_path(data),
            contents: serde_json::to_string_pretty(&registration).expect("serialises") + "\n",
            executable: false,
        });
    }
    steps.extend(record_created(data, &[&undo])?);
    if !undo.unchanged {
        steps.push(Step::Write { path: list, contents: text, executable: false });
    }
    steps.push(update_database(&applications));
    Ok(Plan { steps })
}

/// At register: the shared record of what this registration's edits created in
/// `mimeapps.list`, unless one is kept already (the first registration's).
pub(super) fn record_created(data: &Path, undos: &[&Undo]) -> Result<Option<Step>, RegisterError> {
    let Some(created) = mimeapps::Created::by(undos) else { return Ok(None) };
    if read_optional(&mimeapps::created_path(data))?.is_some() {
        return Ok(None);
    }
    Ok(Some(Step::Write {
        path: mimeapps::created_path(data),
        contents: serde_json::to_string_pretty(&created).expect("serialises") + "\n",
        executable: false,
    }))
}

/// At unregister, after this registration's keys are undone (`text`; `None`: the file
/// goes): what the first registration created goes too once nothing is left in it,
/// and the record goes with it, or when `other` (the other registration) is not there.
pub(super) fn undo_created(
    data: &Path,
    text: Option<String>,
    other: bool,
) -> Result<(Option<String>, Vec<Step>), RegisterError> {
    let path = mimeapps::created_path(data);
    let Some(record) = read_optional(&path)? else { return Ok((text, Vec::new())) };
    let created: mimeapps::Created = serde_json::from_str(&record).unwrap_or_default();
    let text = text.and_then(|t| mimeapps::tidy(&t, &created));
    let section_gone = text.as_deref().is_none_or(|t| !t.lines().any(|l| l.trim() == "[Default Applications]"));
    let steps = if section_gone || !other { vec![Step::Remove { path }] } else { Vec::new() };
    Ok((text, steps))
}

pub fn linux_unregister(data: &Path, config: &Path) -> Result<Plan, RegisterError> {
    let applications = data.join("applications");
    let list = config.join("mimeapps.list");
    let registration: Registration = match read_optional(&undo_path(data))? {
        Some(text) => serde_json::from_str(&text).unwrap_or_default(),
        None => Registration::default(),
    };
    let undo = &registration.mimeapps;
    let mut steps = vec![Step::Remove { path: applications.join(DESKTOP_FILE) }];
    if let Some(current) = read_optional(&list)? {
        let text = mimeapps::undo(&current, KEY, VALUE, undo);
        let other = read_optional(&crate::browser::fallback::state_path(data))?.is_some();
        let (text, record) = undo_created(data, text, other)?;
        match text {
            Some(text) if text == current => {}
            Some(text) => steps.push(Step::Write { path: list, contents: text, executable: false }),
            None => steps.push(Step::Remove { path: list }),
        }
        steps.extend(record);
    }
    steps.push(Step::Remove { path: undo_path(data) });
    steps.push(update_database(&applications));
    // The cache goes only if register made it and it holds nothing but applinkd's
    // entry (the database update above rewrote it without that entry).
    if registration.created_cache && cache_only_ours(&applications.join(CACHE)) {
        steps.push(Step::Remove { path: applications.join(CACHE) });
    }
    Ok(Plan { steps })
}

pub(super) fn update_database(applications: &Path) -> Step {
    Step::Run {
        program: "update-desktop-database".into(),
        args: vec![applications.display().to_string()],
        optional: true,
    }
}

/// Whether `mimeinfo.cache` holds no entry but applinkd's (or none at all).
fn cache_only_ours(cache: &Path) -> bool {
    match std::fs::read(cache) {
        Ok(bytes) => super::text_of(&bytes)
            .lines()
            .filter(|l| l.contains('='))
            .all(|l| l.split_once('=').is_some_and(|(_, v)| v.split(';').all(|d| d.is_empty() || d == DESKTOP_FILE))),
        Err(_) => false,
    }
}

pub(super) fn read_optional(path: &Path) -> Result<Option<String>, RegisterError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(super::text_of(&bytes))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(RegisterError::Io { path: path.to_path_buf(), source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desktop_file_contents() {
        assert_eq!(
            desktop_file(Path::new("/usr/bin/applinkd")).unwrap(),
            "[Desktop Entry]\nType=Application\nName=applinkd\nComment=Open App Links (applink://APP/ID) in the application they name\n\
             Exec=/usr/bin/applinkd open %u\nNoDisplay=true\nTerminal=false\nMimeType=x-scheme-handler/applink;\n"
        );
    }

    #[test]
    fn exec_quoting() {
        assert_eq!(exec_quote("/opt/app links/applinkd"), "\"/opt/app links/applinkd\"");
        assert_eq!(exec_quote("/opt/$x/a\"b"), "\"/opt/\\\\$x/a\\\\\"b\"");
        assert_eq!(exec_quote("/opt/100%/applinkd"), "\"/opt/100%%/applinkd\"");
    }
}
