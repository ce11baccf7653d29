//! `AppId`: the application a link points into, named by its domain.
//!
//! Owns the rules of README: Link files for App IDs. Everything past the loader holds an
//! `AppId` and never re-checks it.

use std::fmt;

/// A syntactically valid, lower-case ASCII domain name such as `mailchimp.com`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AppId(Box<str>);

/// Why a string is not an App ID, with a corrected spelling when one exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid App ID `{input}`: {reason}")]
pub struct AppIdError {
    pub input: String,
    pub reason: &'static str,
    /// The App ID the user most likely meant (`mailchimp.com` for `MailChimp.com`).
    pub suggestion: Option<String>,
}

/// Longest domain name DNS allows, in bytes.
pub const MAX_LEN: usize = 253;

impl AppId {
    /// Checks `input` against the App ID rules. Upper case is an error here
    /// (files must be canonical); lookups go through [`AppId::canonical_lookup`].
    pub fn parse(input: &str) -> Result<AppId, AppIdError> {
        match check(input) {
            Ok(()) => Ok(AppId(input.into())),
            Err(reason) => Err(AppIdError { input: input.to_owned(), reason, suggestion: suggest(input) }),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AppId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for AppId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for AppId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

fn check(input: &str) -> Result<(), &'static str> {
    if input.is_empty() {
        return Err("it is empty; an App ID is the application's domain, like `github.com`");
    }
    if input.len() > MAX_LEN {
        return Err("it is longer than the 253 bytes a domain name may have");
    }
    if !input.is_ascii() {
        return Err("it is not ASCII; write an internationalised domain in its `xn--` form");
    }
    if input.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err("App IDs are lower-case");
    }
    if !input.contains('.') {
        return Err("it is not a domain name; an App ID is the application's domain, like `github.com`");
    }
    let mut last = "";
    for label in input.split('.') {
        if label.is_empty() {
            return Err("it has an empty label (two dots in a row, or a dot at an end)");
        }
        if label.len() > 63 {
            return Err("a label between dots is longer than 63 bytes");
        }
        if !label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err("a domain may hold only letters, digits, `-` and `.`");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a label may not start or end with `-`");
        }
        last = label;
    }
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return Err("it looks like an IP address; an App ID is the application's domain name");
    }
    Ok(())
}

/// The canonical spelling of `input` if it has one: lower-cased, trimmed, IDNA-encoded.
fn suggest(input: &str) -> Option<String> {
    let trimmed = input.trim().trim_end_matches('.');
    let candidate = match url::Host::parse(trimmed) {
        Ok(url::Host::Domain(domain)) => domain,
        _ => trimmed.to_ascii_lowercase(),
    };
    (candidate != input && check(&candidate).is_ok()).then_some(candidate)
}

/// Maps an App ID as a user typed it (any case) to the form stored in the index,
/// without allocating in the common case. Returns `None` when it cannot be an App ID.
pub fn lookup_key<'a>(input: &'a str, buf: &'a mut [u8; MAX_LEN]) -> Option<std::borrow::Cow<'a, str>> {
    use std::borrow::Cow;
    if input.len() <= MAX_LEN && input.is_ascii() {
        if !input.bytes().any(|b| b.is_ascii_uppercase()) {
            return Some(Cow::Borrowed(input));
        }
        let out = &mut buf[..input.len()];
        out.copy_from_slice(input.as_bytes());
        out.make_ascii_lowercase();
        return std::str::from_utf8(out).ok().map(Cow::Borrowed);
    }
    match url::Host::parse(input) {
        Ok(url::Host::Domain(domain)) => Some(Cow::Owned(domain)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_domains() {
        for ok in ["mailchimp.com", "us1.admin.mailchimp.com", "xn--bcher-kva.de", "a-b.c0"] {
            assert_eq!(AppId::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn upper_case_suggests_lower_case() {
        let err = AppId::parse("MailChimp.com").unwrap_err();
        assert_eq!(err.reason, "App IDs are lower-case");
        assert_eq!(err.suggestion.as_deref(), Some("mailchimp.com"));
    }

    #[test]
    fn unicode_suggests_a_label() {
        let err = AppId::parse("bücher.de").unwrap_err();
        assert_eq!(err.suggestion.as_deref(), Some("xn--bcher-kva.de"));
    }

    #[test]
    fn refuses_non_domains() {
        for bad in ["", "github", "a..b", ".a.b", "a.b.", "-a.b", "a_b.com", "1.2.3.4", "a b.com", "a/b.com"] {
            assert!(AppId::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(AppId::parse(&format!("{}.com", "a".repeat(64))).is_err());
    }

    #[test]
    fn lookup_key_lower_cases_without_allocating() {
        let mut buf = [0; MAX_LEN];
        let key = lookup_key("MailChimp.COM", &mut buf).unwrap();
        assert!(matches!(key, std::borrow::Cow::Borrowed("mailchimp.com")));
    }
}
