//! Desktop files as the Desktop Entry Specification reads them, as far as launching a
//! URL goes: where a desktop id's file is, and its `Exec=` turned into an argv
//! ("The Exec key": string escapes, then quoting, then field codes).

use std::path::{Path, PathBuf};

/// The file of desktop id `id` (`firefox.desktop`, `org.gnome.Epiphany.desktop`):
/// `$XDG_DATA_HOME/applications`, then each of `$XDG_DATA_DIRS`; a `-` in the id
/// may stand for a sub-folder (`kde4-konqueror.desktop` → `kde4/konqueror.desktop`).
pub fn find(id: &str, data_home: &Path) -> Option<PathBuf> {
    if id.contains('/') || id.starts_with('.') {
        return None; // an id, not a path
    }
    let dirs = std::env::var("XDG_DATA_DIRS")
        .ok()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "/usr/local/share:/usr/share".to_owned());
    let roots = std::iter::once(data_home.to_path_buf()).chain(std::env::split_paths(&dirs));
    for root in roots {
        let applications = root.join("applications");
        let direct = applications.join(id);
        if direct.is_file() {
            return Some(direct);
        }
        let nested = applications.join(id.replacen('-', "/", 1));
        if id.contains('-') && nested.is_file() {
            return Some(nested);
        }
    }
    None
}

/// The `Exec` value of a desktop file's `[Desktop Entry]` group, unescaped as a string.
pub fn exec_of(text: &str) -> Option<String> {
    let mut in_entry = false;
    for line in text.lines() {
        let line = line.trim_start();
        if line.starts_with('[') {
            in_entry = line.trim_end() == "[Desktop Entry]";
            continue;
        }
        if in_entry
            && let Some((key, value)) = line.split_once('=')
            && key.trim_end() == "Exec"
        {
            return Some(unescape_string(value.trim_start()));
        }
    }
    None
}

/// The string-type escapes: `\s`, `\n`, `\t`, `\r`, `\\`.
fn unescape_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('s') => out.push(' '),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// `Exec` (already string-unescaped) → the argv that opens `url`: arguments split at
/// spaces outside double quotes (inside, `\"`, `` \` ``, `\$`, `\\` are escapes);
/// `%u %U %f %F` become the URL (appended when there is none), `%%` a `%`, and the
/// other field codes (`%i %c %k`, the deprecated ones) go. `None`: no program.
pub fn argv(exec: &str, url: &str) -> Option<Vec<String>> {
    let mut words: Vec<(String, bool)> = Vec::new(); // (text, quoted)
    let mut current: Option<(String, bool)> = None;
    let mut chars = exec.chars();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                current.get_or_insert_with(|| (String::new(), true)).1 = true;
            }
            '\\' if quoted => {
                if let Some(next) = chars.next() {
                    current.get_or_insert_with(|| (String::new(), true)).0.push(next);
                }
            }
            ' ' | '\t' if !quoted => words.extend(current.take()),
            c => current.get_or_insert_with(|| (String::new(), false)).0.push(c),
        }
    }
    words.extend(current);
    let mut out = Vec::with_capacity(words.len() + 1);
    let mut placed = false;
    for (word, _) in words {
        let mut arg = String::with_capacity(word.len());
        let mut chars = word.chars().peekable();
        let mut dropped = false;
        while let Some(c) = chars.next() {
            if c != '%' {
                arg.push(c);
                continue;
            }
            match chars.next() {
                Some('%') => arg.push('%'),
                Some('u' | 'U' | 'f' | 'F') => {
                    arg.push_str(url);
                    placed = true;
                }
                Some(_) | None => dropped = true,
            }
        }
        if !(dropped && arg.is_empty()) {
            out.push(arg);
        }
    }
    if out.is_empty() || out[0].is_empty() {
        return None;
    }
    if !placed {
        out.push(url.to_owned());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_lines_become_argv() {
        let url = "https://example.org/page?a=1&b=%20#frag";
        for (exec, want) in [
            ("firefox %u", vec!["firefox", url]),
            ("/usr/lib/firefox/firefox %U", vec!["/usr/lib/firefox/firefox", url]),
            ("chromium --profile-directory=\"Profile 1\" %U", vec!["chromium", "--profile-directory=Profile 1", url]),
            ("\"/opt/My Browser/browser\" --new-window %u", vec!["/opt/My Browser/browser", "--new-window", url]),
            ("browser %i %c %k", vec!["browser", url]),
            ("browser --url=%u", vec!["browser", &format!("--url={url}")]),
            ("b \"a\\\"q\" 100%%", vec!["b", "a\"q", "100%", url]),
        ] {
            assert_eq!(argv(exec, url).unwrap(), want, "{exec}");
        }
        assert_eq!(argv("", url), None);
    }

    #[test]
    fn exec_is_read_from_the_desktop_entry_group() {
        let text = "[Desktop Action new]\nExec=other\n[Desktop Entry]\nName=B\nExec=browser\\s--x %u\n";
        assert_eq!(exec_of(text).as_deref(), Some("browser --x %u"));
        assert_eq!(exec_of("[Desktop Entry]\nName=x\n"), None);
    }
}
