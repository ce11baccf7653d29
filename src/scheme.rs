//! URL schemes: which an app allows, and which are never allowed (README: Link files).

/// Schemes that run code or read local data in a browser; refused even when listed.
pub const DANGEROUS: [&str; 5] = ["javascript", "data", "file", "vbscript", "blob"];

/// Schemes `open` never passes on, to the fallback browser or anyone: the dangerous
/// ones, and those that reach file shares or run local programs and searches.
pub const NEVER_OPENED: [&str; 10] =
    ["smb", "cifs", "nfs", "afp", "ms-msdt", "search-ms", "search", "shell", "jar", "view-source"];

/// Refuses a URL `open` was given in a scheme it never passes on (README: The web-link router).
pub fn check_openable(url: &str) -> Result<(), SchemeError> {
    let Some(scheme) = of(url) else { return Ok(()) };
    let lower = scheme.to_ascii_lowercase();
    if DANGEROUS.contains(&lower.as_str()) || NEVER_OPENED.contains(&lower.as_str()) {
        return Err(SchemeError::NeverOpened(lower));
    }
    Ok(())
}

/// applinkd's own scheme: a link resolving to it would loop back into applinkd.
pub const OWN: &str = "applink";

/// The schemes an app's URLs may use. Lower-case, checked, never dangerous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schemes(Box<[Box<str>]>);

impl Default for Schemes {
    fn default() -> Self {
        Schemes(Box::new(["http".into(), "https".into()]))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemeError {
    #[error("`{0}` is not a URL scheme (a letter, then letters, digits, `+`, `-` or `.`)")]
    Invalid(String),
    #[error("`{0}:` URLs are never allowed: they can run code or read local files")]
    Dangerous(String),
    #[error("`{OWN}:` URLs would loop back into applinkd")]
    Own,
    #[error("`{0}:` URLs are never opened: they can run code, read local files or reach file shares")]
    NeverOpened(String),
}

/// Checks one scheme name as written in a file or a URL, returning it lower-cased.
pub fn check(scheme: &str) -> Result<String, SchemeError> {
    let mut bytes = scheme.bytes();
    let valid = bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !valid {
        return Err(SchemeError::Invalid(scheme.to_owned()));
    }
    let lower = scheme.to_ascii_lowercase();
    if DANGEROUS.contains(&lower.as_str()) {
        return Err(SchemeError::Dangerous(lower));
    }
    if lower == OWN {
        return Err(SchemeError::Own);
    }
    Ok(lower)
}

/// The scheme of an absolute URL or template (the text before the first `:`), if it has one.
pub fn of(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once(':')?;
    let mut bytes = scheme.bytes();
    let valid = bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    valid.then_some(scheme)
}

impl Schemes {
    /// Builds the set from already-checked, lower-case names.
    pub fn new(schemes: Vec<String>) -> Schemes {
        Schemes(schemes.into_iter().map(Into::into).collect())
    }

    pub fn allows(&self, scheme: &str) -> bool {
        self.0.iter().any(|s| s.eq_ignore_ascii_case(scheme))
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|s| &**s)
    }

    /// `http, https` for messages.
    pub fn describe(&self) -> String {
        self.iter().collect::<Vec<_>>().join(", ")
    }

    /// The whole `schemes = [...]` line that allows `scheme` too, for a hint a user can
    /// paste: the schemes allowed now stay (`schemes = ["https", "zoommtg"]`), so following
    /// it never refuses what was allowed.
    pub fn with(&self, scheme: &str) -> String {
        let mut all: Vec<&str> = self.iter().collect();
        if !self.allows(scheme) {
            all.push(scheme);
        }
        let quoted: Vec<String> = all.iter().map(|s| format!("\"{s}\"")).collect();
        format!("schemes = [{}]", quoted.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hint_keeps_what_is_allowed() {
        assert_eq!(Schemes::new(vec!["https".into()]).with("zoommtg"), r#"schemes = ["https", "zoommtg"]"#);
        assert_eq!(Schemes::default().with("slack"), r#"schemes = ["http", "https", "slack"]"#);
    }

    #[test]
    fn dangerous_schemes_are_refused_in_any_case() {
        for s in ["javascript", "JavaScript", "data", "file", "vbscript", "blob"] {
            assert!(matches!(check(s), Err(SchemeError::Dangerous(_))), "{s}");
        }
        assert_eq!(check("applink"), Err(SchemeError::Own));
        assert_eq!(check("Slack").unwrap(), "slack");
        assert!(check("1x").is_err());
        assert!(check("").is_err());
    }

    #[test]
    fn scheme_of_url() {
        assert_eq!(of("https://x"), Some("https"));
        assert_eq!(of("javascript:alert(1)"), Some("javascript"));
        assert_eq!(of("/relative"), None);
        assert_eq!(of("{id}:x"), None);
    }
}
