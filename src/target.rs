//! `Target`: what a user asks about, in the forms of README: Command line: `APP ID`,
//! `applink://APP/ID`, the daemon's own URL (`http://127.0.0.1:7133/APP/ID`, any
//! loopback or `*.localhost` origin, or the origin of `$APPLINKD_URL`), and any other
//! absolute URL, which is an App URL: the page of a record in some application.

use std::borrow::Cow;

/// A parsed TARGET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Pair(Pair),
    /// An App URL, to identify (README: identify). As given: identification checks it.
    AppUrl(String),
}

/// (app, id), and `?to=APP` when a URL form gave one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub app: String,
    pub id: String,
    pub to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error(
        "`{0}` is not a target: give `APP ID`, `applink://APP/ID`, `http://127.0.0.1:7133/APP/ID` or an App URL (`https://…`)"
    )]
    Form(String),
    #[error("`{0}` has no id after the App ID")]
    NoId(String),
    #[error("`{0}` has a `%` that is not followed by two hex digits")]
    BadPercent(String),
    #[error("`{0}` decodes to bytes that are not UTF-8")]
    NotUtf8(String),
}

impl Target {
    /// `daemon` is the base URL of the daemon the user means (`$APPLINKD_URL`); its
    /// origin, like every loopback one, is read as the daemon's `/APP/ID` form.
    pub fn parse(words: &[String], daemon: &str) -> Result<Target, TargetError> {
        match words {
            [app, id] if id.is_empty() => Err(TargetError::NoId(app.clone())),
            [app, id] => Ok(Target::Pair(Pair { app: app.clone(), id: id.clone(), to: None })),
            [url] if has_scheme(url, "applink") => Ok(Target::Pair(from_path(url, after_applink(url))?)),
            [url] if is_daemon_url(url, daemon) => {
                let rest = &url[url.find("//").map_or(0, |i| i + 2)..];
                let slash = rest.find('/').ok_or_else(|| TargetError::NoId(url.to_owned()))?;
                Ok(Target::Pair(from_path(url, &rest[slash + 1..])?))
            }
            [url] if crate::scheme::of(url).is_some() && !url.contains(char::is_whitespace) => {
                Ok(Target::AppUrl(url.clone()))
            }
            _ => Err(TargetError::Form(words.join(" "))),
        }
    }
}

fn has_scheme(url: &str, scheme: &str) -> bool {
    url.get(..scheme.len() + 1).is_some_and(|s| s.eq_ignore_ascii_case(&format!("{scheme}:")))
}

fn after_applink(url: &str) -> &str {
    let rest = &url["applink:".len()..];
    rest.strip_prefix("//").unwrap_or(rest)
}

/// Whether `url` is on the daemon: http(s) on a loopback address, `localhost`,
/// `*.localhost` (browsers send those to loopback), or the origin of `daemon`.
pub fn is_daemon_url(url: &str, daemon: &str) -> bool {
    if !has_scheme(url, "http") && !has_scheme(url, "https") {
        return false;
    }
    let Ok(parsed) = url::Url::parse(url) else {
        return false;
    };
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost" || name.ends_with(".localhost"),
        None => false,
    };
    loopback || url::Url::parse(daemon).is_ok_and(|d| d.origin() == parsed.origin())
}

/// The port the daemon listens on by default (README: The daemon: `127.0.0.1:7133`).
pub const DAEMON_PORT: u16 = 7133;

/// Whether `url` is on the daemon's own default origin: a loopback address,
/// `localhost` or `*.localhost`, port 7133. A link or template that makes such URLs
/// would send a click back into applinkd (README: The web-link router): an error in the files.
pub fn is_daemon_origin(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|parsed| {
        matches!(parsed.scheme(), "http" | "https")
            && parsed.port_or_known_default() == Some(DAEMON_PORT)
            && match parsed.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback() || ip.is_unspecified(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback() || ip.is_unspecified(),
                Some(url::Host::Domain(name)) => name == "localhost" || name.ends_with(".localhost"),
                None => false,
            }
    })
}

/// `APP/ID[?to=APP][#…]`, as the daemon's paths and `applink:` URLs write it.
fn from_path(url: &str, path: &str) -> Result<Pair, TargetError> {
    let path = path.split('#').next().unwrap_or("");
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let (app, id) = path.split_once('/').ok_or_else(|| TargetError::NoId(url.to_owned()))?;
    let id = decode(id)?;
    if id.is_empty() {
        return Err(TargetError::NoId(url.to_owned()));
    }
    let to = query.split('&').find_map(|pair| pair.strip_prefix("to=")).map(decode).transpose()?.map(Cow::into_owned);
    Ok(Pair { app: decode(app)?.into_owned(), id: id.into_owned(), to })
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

    const DAEMON: &str = "http://links.example.com:8080";

    fn parse(words: &[&str]) -> Result<Target, TargetError> {
        Target::parse(&words.iter().map(|w| w.to_string()).collect::<Vec<_>>(), DAEMON)
    }

    fn parse_pair(words: &[&str]) -> Result<Pair, TargetError> {
        match parse(words)? {
            Target::Pair(pair) => Ok(pair),
            other => panic!("{words:?} is not a pair: {other:?}"),
        }
    }

    fn pair(app: &str, id: &str) -> Target {
        Target::Pair(Pair { app: app.into(), id: id.into(), to: None })
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
    fn only_loopback_and_the_daemon_origin_are_daemon_urls() {
        for url in [
            "http://127.0.0.1:7133/a.com/1",
            "http://127.9.9.9:1/a.com/1",
            "http://[::1]:7133/a.com/1",
            "http://localhost:7133/a.com/1",
            "http://applink.localhost:7133/a.com/1",
            "http://links.example.com:8080/a.com/1",
        ] {
            assert_eq!(parse(&[url]).unwrap(), pair("a.com", "1"), "{url}");
        }
        for url in [
            "https://acme.zendesk.com/agent/users/991",
            "https://github.com/hubspot.com/501",
            "http://links.example.com/a.com/1",
            "slack://user?team=T1&id=U2",
            "mailto:ada@example.com",
        ] {
            assert_eq!(parse(&[url]).unwrap(), Target::AppUrl(url.into()), "{url}");
        }
        assert!(matches!(parse(&["github.com/ada"]), Err(TargetError::Form(_))));
    }

    #[test]
    fn ids_are_decoded_once() {
        assert_eq!(parse_pair(&["applink://a.com/a%2Fb"]).unwrap().id, "a/b");
        assert_eq!(parse_pair(&["applink://a.com/a/b"]).unwrap().id, "a/b");
        assert_eq!(parse_pair(&["applink://a.com/%252F"]).unwrap().id, "%2F");
        assert_eq!(parse_pair(&["applink://a.com/zo%C3%AB"]).unwrap().id, "zoë");
        assert_eq!(parse_pair(&["applink://a.com/a%3Fb%23c"]).unwrap().id, "a?b#c");
        assert_eq!(parse_pair(&["a.com", "a?b#c"]).unwrap().id, "a?b#c");
    }

    #[test]
    fn query_to_and_fragment() {
        let t = parse_pair(&["http://127.0.0.1:7133/a.com/1?to=b.com#x"]).unwrap();
        assert_eq!((t.id.as_str(), t.to.as_deref()), ("1", Some("b.com")));
    }

    #[test]
    fn pair_paths_round_trip() {
        assert_eq!(pair_path("a.com", "a/b?c#d%e f"), "/a.com/a%2Fb%3Fc%23d%25e%20f");
        assert_eq!(pair_path("a.com", "zoë"), "/a.com/zo%C3%AB");
        for id in ["a/b?c#d%e f", "zoë", "%2F", "..", "a\\b|c^d"] {
            let t = parse_pair(&[&format!("applink:/{}", pair_path("a.com", id))]).unwrap();
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
        // Found by fuzzing (target): an empty id as the second word.
        assert!(matches!(parse(&["a.com", ""]), Err(TargetError::NoId(_))));
    }
}
