//! `Target`: what a user asks to resolve, in the three forms of SPEC §4:
//! `APP ID`, `applink://APP/ID` and `http://127.0.0.1:7133/APP/ID`.

use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub app: String,
    pub id: String,
    /// `?to=APP` given in a URL form.
    pub to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("`{0}` is not a target: give `APP ID`, `applink://APP/ID` or `http://127.0.0.1:7133/APP/ID`")]
    Form(String),
    #[error("`{0}` has no id after the App ID")]
    NoId(String),
    #[error("`{0}` has a `%` that is not followed by two hex digits")]
    BadPercent(String),
    #[error("`{0}` decodes to bytes that are not UTF-8")]
    NotUtf8(String),
}

impl Target {
    pub fn parse(words: &[String]) -> Result<Target, TargetError> {
        match words {
            [app, id] => Ok(Target { app: app.clone(), id: id.clone(), to: None }),
            [url] => Target::from_url(url),
            _ => Err(TargetError::Form(words.join(" "))),
        }
    }

    fn from_url(url: &str) -> Result<Target, TargetError> {
        let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
        let path = if lower.starts_with("applink:") {
            let rest = &url["applink:".len()..];
            rest.strip_prefix("//").unwrap_or(rest)
        } else if lower.starts_with("http://") || lower.starts_with("https://") {
            let rest = &url[url.find("//").expect("checked above") + 2..];
            let slash = rest.find('/').ok_or_else(|| TargetError::NoId(url.to_owned()))?;
            &rest[slash + 1..]
        } else {
            return Err(TargetError::Form(url.to_owned()));
        };
        let path = path.split('#').next().unwrap_or("");
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let (app, id) = path.split_once('/').ok_or_else(|| TargetError::NoId(url.to_owned()))?;
        let id = decode(id)?;
        if id.is_empty() {
            return Err(TargetError::NoId(url.to_owned()));
        }
        let to =
            query.split('&').find_map(|pair| pair.strip_prefix("to=")).map(decode).transpose()?.map(Cow::into_owned);
        Ok(Target { app: decode(app)?.into_owned(), id: id.into_owned(), to })
    }
}

/// Characters a path segment must encode so that decoding it once gives it back.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

/// The path naming a pair on the daemon: `/mailchimp.com/48616032`, the id encoded
/// so that the daemon's single decoding gives it back exactly.
pub fn pair_path(app: &str, id: &str) -> String {
    use percent_encoding::utf8_percent_encode;
    format!("/{}/{}", utf8_percent_encode(app, SEGMENT), utf8_percent_encode(id, SEGMENT))
}

/// Percent-decodes one URL component once, strictly: a stray `%` or bytes that
/// are not UTF-8 are errors, not passed through.
pub fn decode(component: &str) -> Result<Cow<'_, str>, TargetError> {
    let bytes = component.as_bytes();
    for (i, _) in component.match_indices('%') {
        let hex = bytes.get(i + 1..i + 3);
        if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
            return Err(TargetError::BadPercent(component.to_owned()));
        }
    }
    percent_encoding::percent_decode_str(component)
        .decode_utf8()
        .map_err(|_| TargetError::NotUtf8(component.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str]) -> Result<Target, TargetError> {
        Target::parse(&words.iter().map(|w| w.to_string()).collect::<Vec<_>>())
    }

    fn pair(app: &str, id: &str) -> Target {
        Target { app: app.into(), id: id.into(), to: None }
    }

    #[test]
    fn three_forms() {
        assert_eq!(parse(&["mailchimp.com", "48616032"]).unwrap(), pair("mailchimp.com", "48616032"));
        assert_eq!(parse(&["applink://mailchimp.com/48616032"]).unwrap(), pair("mailchimp.com", "48616032"));
        assert_eq!(parse(&["APPLINK:mailchimp.com/4"]).unwrap(), pair("mailchimp.com", "4"));
        assert_eq!(
            parse(&["http://127.0.0.1:7133/mailchimp.com/48616032"]).unwrap(),
            pair("mailchimp.com", "48616032")
        );
    }

    #[test]
    fn ids_are_decoded_once() {
        assert_eq!(parse(&["applink://a.com/a%2Fb"]).unwrap().id, "a/b");
        assert_eq!(parse(&["applink://a.com/a/b"]).unwrap().id, "a/b");
        assert_eq!(parse(&["applink://a.com/%252F"]).unwrap().id, "%2F");
        assert_eq!(parse(&["applink://a.com/zo%C3%AB"]).unwrap().id, "zoë");
        assert_eq!(parse(&["applink://a.com/a%3Fb%23c"]).unwrap().id, "a?b#c");
        assert_eq!(parse(&["a.com", "a?b#c"]).unwrap().id, "a?b#c");
    }

    #[test]
    fn query_to_and_fragment() {
        let t = parse(&["http://127.0.0.1:7133/a.com/1?to=b.com#x"]).unwrap();
        assert_eq!((t.id.as_str(), t.to.as_deref()), ("1", Some("b.com")));
    }

    #[test]
    fn pair_paths_round_trip() {
        assert_eq!(pair_path("a.com", "a/b?c#d%e f"), "/a.com/a%2Fb%3Fc%23d%25e%20f");
        assert_eq!(pair_path("a.com", "zoë"), "/a.com/zo%C3%AB");
        for id in ["a/b?c#d%e f", "zoë", "%2F", "..", "a\\b|c^d"] {
            let t = parse(&[&format!("applink:/{}", pair_path("a.com", id))]).unwrap();
            assert_eq!(t.id, id);
        }
    }

    #[test]
    fn bad_targets() {
        assert!(matches!(parse(&["mailchimp.com"]), Err(TargetError::Form(_))));
        assert!(matches!(parse(&["applink://a.com"]), Err(TargetError::NoId(_))));
        assert!(matches!(parse(&["applink://a.com/"]), Err(TargetError::NoId(_))));
        assert!(matches!(parse(&["applink://a.com/%zz"]), Err(TargetError::BadPercent(_))));
        assert!(matches!(parse(&["applink://a.com/%ff"]), Err(TargetError::NotUtf8(_))));
        assert!(matches!(parse(&["a", "b", "c"]), Err(TargetError::Form(_))));
    }
}
