//! Editing `mimeapps.list` by hand's rules: change one key, keep every other
//! byte, and remember enough to undo exactly what was done.

use serde::{Deserialize, Serialize};

const SECTION: &str = "[Default Applications]";

/// What `set_default` changed, so that `undo` can restore the file byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Undo {
    /// The file did not exist.
    pub created_file: bool,
    /// The `[Default Applications]` section was appended, after this separator.
    pub created_section: Option<String>,
    /// The key's previous value, if it had one.
    pub previous: Option<String>,
    /// The key's whole previous line, as written (spaces around `=` and all).
    #[serde(default)]
    pub previous_line: Option<String>,
    /// Nothing was changed (the key already named the handler).
    pub unchanged: bool,
    /// A newline was added to end the file's last line before the new key.
    pub added_newline: bool,
}

/// What applinkd's first edit created in `mimeapps.list` (the file, the section and
/// the separator before it), in one record the two registrations (`applink:` and
/// `--browser`) share: whichever is undone last removes what the first created, in
/// any order of register and unregister.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Created {
    pub file: bool,
    pub section: Option<String>,
}

impl Created {
    /// What `undos` (of one registration's edits, in order) created, if anything.
    pub fn by(undos: &[&Undo]) -> Option<Created> {
        let first = undos.first()?;
        let created =
            Created { file: first.created_file, section: undos.iter().find_map(|u| u.created_section.clone()) };
        (created.file || created.section.is_some()).then_some(created)
    }
}

/// Where the shared `Created` record is kept.
pub fn created_path(data: &std::path::Path) -> std::path::PathBuf {
    data.join("applinkd").join("mimeapps-created.json")
}

/// After an undo: removes the `[Default Applications]` section that applinkd created,
/// when nothing is left in it and nothing follows it; `None` to delete a file it created.
pub fn tidy(text: &str, created: &Created) -> Option<String> {
    let Some(separator) = &created.section else {
        return Some(text.to_owned());
    };
    let mut lines = split_lines(text);
    let Some((start, end)) = find_section(&lines) else {
        return if created.file && text.is_empty() { None } else { Some(text.to_owned()) };
    };
    let empty = lines[start + 1..end].iter().all(|l| l.trim().is_empty());
    if !empty || end != lines.len() {
        return Some(text.to_owned());
    }
    lines.truncate(start);
    let mut out = lines.concat();
    if let Some(stripped) = out.strip_suffix(separator.as_str()) {
        out.truncate(stripped.len());
    }
    if created.file && out.is_empty() { None } else { Some(out) }
}

/// Sets `key=value` in `[Default Applications]` of `text` (`None`: no file yet).
pub fn set_default(text: Option<&str>, key: &str, value: &str) -> (String, Undo) {
    let mut undo = Undo { created_file: text.is_none(), ..Undo::default() };
    let text = text.unwrap_or("");
    let mut lines: Vec<String> = split_lines(text);
    let line = format!("{key}={value}\n");
    match find_section(&lines) {
        Some((start, end)) => match find_key(&lines[start + 1..end], key) {
            Some(at) => {
                let at = start + 1 + at;
                let old = lines[at].trim_end_matches(['\n', '\r']).split_once('=').map(|(_, v)| v.to_owned());
                if old.as_deref() == Some(value) {
                    undo.unchanged = true;
                    return (text.to_owned(), undo);
                }
                undo.previous = old;
                undo.previous_line = Some(lines[at].clone());
                lines[at] = format!("{key}={value}{}", ending(&lines[at]));
            }
            None => {
                // After the section's last key, so blank lines and comments stay where they were.
                let at = (start + 1..end).rev().find(|&i| lines[i].contains('=')).map_or(start + 1, |i| i + 1);
                if !lines[at - 1].ends_with('\n') {
                    lines[at - 1].push('\n');
                    undo.added_newline = true;
                }
                lines.insert(at, line);
            }
        },
        None => {
            let separator = match text {
                "" => "",
                t if t.ends_with("\n\n") => "",
                t if t.ends_with('\n') => "\n",
                _ => "\n\n",
            };
            undo.created_section = Some(separator.to_owned());
            lines.push(format!("{separator}{SECTION}\n"));
            lines.push(line);
        }
    }
    (lines.concat(), undo)
}

/// Undoes `set_default`: the text the file should have, or `None` to delete it.
/// Edits made since by others are kept; only this key (and what was added for it) goes.
pub fn undo(text: &str, key: &str, value: &str, undo: &Undo) -> Option<String> {
    if undo.unchanged {
        return Some(text.to_owned());
    }
    let mut lines = split_lines(text);
    let Some((start, end)) = find_section(&lines) else {
        return Some(text.to_owned());
    };
    let Some(at) = find_key(&lines[start + 1..end], key).map(|i| start + 1 + i) else {
        return Some(text.to_owned());
    };
    let current = lines[at].trim_end_matches(['\n', '\r']).split_once('=').map(|(_, v)| v);
    if current != Some(value) {
        return Some(text.to_owned()); // someone else changed it since: leave theirs
    }
    match (&undo.previous_line, &undo.previous) {
        (Some(line), _) => lines[at] = line.clone(),
        (None, Some(previous)) => lines[at] = format!("{key}={previous}{}", ending(&lines[at])),
        (None, None) => {
            lines.remove(at);
            if undo.added_newline && at == lines.len() && at > 0 {
                let last = &mut lines[at - 1];
                if last.ends_with('\n') {
                    last.pop();
                }
            }
            let section_empty = lines[start + 1..end - 1].iter().all(|l| l.trim().is_empty());
            if let Some(separator) = &undo.created_section
                && section_empty
                && end - 1 == lines.len()
            {
                lines.truncate(start);
                let mut out = lines.concat();
                if let Some(stripped) = out.strip_suffix(separator.as_str()) {
                    out.truncate(stripped.len());
                }
                if undo.created_file && out.is_empty() {
                    return None;
                }
                return Some(out);
            }
        }
    }
    Some(lines.concat())
}

fn ending(line: &str) -> &'static str {
    if line.ends_with("\r\n") {
        "\r\n"
    } else if line.ends_with('\n') {
        "\n"
    } else {
        ""
    }
}

/// Lines with their endings, so that joining them gives the text back.
fn split_lines(text: &str) -> Vec<String> {
    text.split_inclusive('\n').map(str::to_owned).collect()
}

/// The value `key` has in `[Default Applications]`, as GLib reads it (the last).
pub fn value_of(text: &str, key: &str) -> Option<String> {
    let lines = split_lines(text);
    let (start, end) = find_section(&lines)?;
    let at = find_key(&lines[start + 1..end], key)?;
    lines[start + 1 + at].trim_end_matches(['\n', '\r']).split_once('=').map(|(_, v)| v.trim().to_owned())
}

/// The header line of the section's last occurrence, and the line after its last
/// line. GLib merges repeated groups and takes a key's last value, so the last
/// group is where a key must be for it to count.
fn find_section(lines: &[String]) -> Option<(usize, usize)> {
    let start = lines.iter().rposition(|l| l.trim() == SECTION)?;
    let end =
        lines[start + 1..].iter().position(|l| l.trim_start().starts_with('[')).map_or(lines.len(), |i| start + 1 + i);
    Some((start, end))
}

/// The key's last line in `lines` (GLib takes the last of repeated keys).
fn find_key(lines: &[String], key: &str) -> Option<usize> {
    lines.iter().rposition(|l| l.split_once('=').is_some_and(|(k, _)| k.trim() == key))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "x-scheme-handler/applink";
    const VALUE: &str = "applinkd.desktop;";

    fn round_trip(before: Option<&str>) -> String {
        let (after, u) = set_default(before, KEY, VALUE);
        assert!(after.contains("x-scheme-handler/applink=applinkd.desktop;"), "{after:?}");
        let (again, u2) = set_default(Some(&after), KEY, VALUE);
        assert_eq!(again, after, "idempotent");
        assert!(u2.unchanged);
        assert_eq!(undo(&after, KEY, VALUE, &u).as_deref(), before, "undo restores {before:?}");
        after
    }

    #[test]
    fn no_file() {
        assert_eq!(round_trip(None), "[Default Applications]\nx-scheme-handler/applink=applinkd.desktop;\n");
    }

    #[test]
    fn other_sections_and_keys_stay_byte_for_byte() {
        let before = "[Added Associations]\ntext/html=firefox.desktop;\n\n[Removed Associations]\nx-scheme-handler/applink=evil.desktop;\n\n[Default Applications]\ntext/html=firefox.desktop;\n\n# comment\n[Other]\nk=v\n";
        let after = round_trip(Some(before));
        assert!(after.contains("[Removed Associations]\nx-scheme-handler/applink=evil.desktop;\n"));
        assert!(after.contains("[Default Applications]\ntext/html=firefox.desktop;\nx-scheme-handler/applink=applinkd.desktop;\n\n# comment"));
    }

    #[test]
    fn section_appended_when_missing() {
        round_trip(Some("[Added Associations]\ntext/html=firefox.desktop;\n"));
        round_trip(Some("[Added Associations]\ntext/html=firefox.desktop;"));
        round_trip(Some("[Added Associations]\ntext/html=firefox.desktop;\n\n"));
        round_trip(Some(""));
    }

    #[test]
    fn previous_handler_is_restored() {
        let before = "[Default Applications]\nx-scheme-handler/applink=other.desktop;\ntext/html=firefox.desktop;\n";
        let after = round_trip(Some(before));
        assert_eq!(
            after,
            "[Default Applications]\nx-scheme-handler/applink=applinkd.desktop;\ntext/html=firefox.desktop;\n"
        );
    }

    #[test]
    fn section_without_final_newline() {
        round_trip(Some("[Default Applications]\ntext/html=firefox.desktop;"));
        round_trip(Some("[Default Applications]\nx-scheme-handler/applink=other.desktop;"));
        round_trip(Some("[Default Applications]\r\nx-scheme-handler/applink=other.desktop;\r\nk=v\r\n"));
    }

    #[test]
    fn later_edits_by_others_are_kept() {
        let (after, u) = set_default(None, KEY, VALUE);
        let edited = format!("{after}text/html=firefox.desktop;\n");
        assert_eq!(
            undo(&edited, KEY, VALUE, &u).as_deref(),
            Some("[Default Applications]\ntext/html=firefox.desktop;\n")
        );
        let replaced = after.replace("applinkd.desktop;", "other.desktop;");
        assert_eq!(undo(&replaced, KEY, VALUE, &u).as_deref(), Some(replaced.as_str()));
    }
}
