//! `UrlTemplate`: an app's checked RFC 6570 URI template: parsed here, expanded
//! safely (`expand`), and inverted to identify App URLs (`invert`), within the
//! budget of one identify (`work`).
//!
//! Parsing and expansion are `iri-string`'s; this folder adds the project's rules:
//! only the variables `id` and `app`, a literal scheme, and a scheme, host and port
//! that no id can change (README: Link files). It must not know about files or the index.

mod expand;
mod invert;
mod work;

use iri_string::template::{UriTemplateStr, UriTemplateString};

use expand::{Own, PLACEHOLDER, split_own};
pub use invert::{Inverse, NotInvertible, Reading};
pub use work::{PER_IDENTIFY, PER_TEMPLATE, Work, within};

use crate::scheme::{self, SchemeError};

/// A template whose literal text fixes the scheme (and, for `scheme://` URLs,
/// the host and port) of every URL it expands to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlTemplate {
    /// The template as written.
    written: Box<str>,
    /// What iri-string expands: `written` with some expressions replaced by placeholders
    /// (see `split_own`): ids are untrusted, and iri-string 0.7.14 mishandles them there,
    /// so those are expanded here, by RFC 6570 §3.2. Validated once.
    text: UriTemplateString,
    /// The expressions expanded here, in order, each replacing one placeholder.
    reserved: Box<[Own]>,
    /// Expansions come out already in the canonical form the `url` crate writes
    /// (checked with probe ids of every character in every part of the URL), so
    /// they need not be parsed again one by one. Checked at the first expansion, not
    /// when parsing: hundreds of probes per template would cost a command that
    /// expands nothing (`open` of a web link, README: The web-link router: at once) about 1 ms a template.
    canonical: Canonical,
    origin: Origin,
    /// The variables it names besides `id` and `app`, in order of first use.
    extras: Box<[Box<str>]>,
}

/// Whether a template's expansions are canonical, found out once, when first needed.
#[derive(Debug, Clone, Default)]
struct Canonical(std::sync::OnceLock<bool>);

/// A cache, not part of what the template is.
impl PartialEq for Canonical {
    fn eq(&self, _: &Canonical) -> bool {
        true
    }
}

impl Eq for Canonical {}

/// What the template's literal text fixes, as the `url` crate reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: Box<str>,
    host: Option<Box<str>>,
    port: Option<u16>,
}

/// A template that cannot be used. `offset` is the byte in the template text at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    pub message: String,
    pub offset: usize,
    pub hint: Option<String>,
}

/// Why one expansion was refused though the template is valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the expansion `{0}` is not a valid URL")]
    Invalid(String),
    #[error("the expansion `{0}` would leave the scheme, host or port the template fixes")]
    Escapes(String),
    #[error("the expansion `{0}` has a `.` or `..` path step, which would move it to another path")]
    DotSegment(String),
}

const VARIABLES: [&str; 2] = ["id", "app"];

/// The most variables a template may name besides `id` and `app`.
pub const MAX_EXTRAS: usize = 8;

impl UrlTemplate {
    pub fn parse(text: &str) -> Result<UrlTemplate, TemplateError> {
        // RFC 6570 §2.1 allows non-ASCII literals (ucschar), which expansion writes as
        // UTF-8 percent-encoded triplets; iri-string's URI templates take ASCII only.
        let ascii = encode_literals(text);
        // What is left non-ASCII sits inside an expression, where RFC 6570 allows none
        // (and iri-string's parser assumes ASCII: `%{é` made it panic, found by fuzzing).
        if let Some(at) = ascii.find(|c: char| !c.is_ascii()) {
            let c = ascii[at..].chars().next().unwrap_or_default();
            return Err(TemplateError {
                offset: text.find(c).unwrap_or(0),
                message: format!("invalid URL template: `{c}` inside an expression"),
                hint: Some("a variable name is ASCII letters, digits and `_`: `{id}`".into()),
            });
        }
        let template = UriTemplateStr::new(&ascii).map_err(|e| {
            let shown = e.to_string();
            TemplateError {
                offset: byte_of(&shown).unwrap_or(0),
                message: format!(
                    "invalid URL template: {}",
                    shown.trim_start_matches("invalid URI template: ").split(" (at ").next().unwrap_or("")
                ),
                hint: Some("templates follow RFC 6570: `https://host/path/{id}`".into()),
            }
        })?;
        // Variables besides `id` and `app` (README: The web-link router): filled only from what identify
        // captured of an App URL, undefined (so left out) when resolving from a pair.
        let mut extras: Vec<Box<str>> = Vec::new();
        for var in template.variables() {
            let name = var.as_str();
            if !VARIABLES.contains(&name) && !extras.iter().any(|e| &**e == name) {
                if extras.len() == MAX_EXTRAS {
                    return Err(TemplateError {
                        offset: text.find(name).unwrap_or(0),
                        message: format!(
                            "too many variables in URL template (at most {MAX_EXTRAS} besides `id` and `app`)"
                        ),
                        hint: None,
                    });
                }
                extras.push(name.into());
            }
        }
        // Other variables only stand beside `{id}`: without it, `{user}` or `{ID}` is a typo.
        if let Some(name) = extras.first()
            && !template.variables().any(|v| v.as_str() == "id")
        {
            return Err(TemplateError {
                offset: text.find(&**name).unwrap_or(0),
                message: format!("unknown variable `{name}` in URL template"),
                hint: Some(
                    "a template uses `{id}` (and `{app}`); other variables, filled from identified URLs, only stand beside `{id}`"
                        .into(),
                ),
            });
        }
        check_prefixes(text)?;
        let first_expr = text.find('{').unwrap_or(text.len());
        let literal = &text[..first_expr];
        let Some(scheme) = scheme::of(literal) else {
            return Err(TemplateError {
                offset: 0,
                message: "the URL template does not start with a literal scheme".into(),
                hint: Some("write the full URL, like `https://host/path/{id}`".into()),
            });
        };
        scheme::check(scheme).map_err(|e: SchemeError| TemplateError {
            offset: 0,
            message: e.to_string(),
            hint: None,
        })?;
        let rest = &literal[scheme.len() + 1..];
        let fixed = if let Some(authority) = rest.strip_prefix("//") {
            match authority.find(['/', '?', '#']) {
                Some(end) => &literal[..scheme.len() + 3 + end],
                None => {
                    let op = text[first_expr..].chars().nth(1);
                    if first_expr < text.len() && !matches!(op, Some('/' | '?' | '#')) {
                        return Err(TemplateError {
                            offset: first_expr,
                            message: "the URL template puts an expression in its host".into(),
                            hint: Some(
                                "an id must never choose where a link goes: write the host literally and end it with `/`, as in `https://host/{id}`"
                                    .into(),
                            ),
                        });
                    }
                    literal
                }
            }
        } else {
            &literal[..scheme.len() + 1]
        };
        let origin = if fixed.len() > scheme.len() + 1 {
            let url = url::Url::parse(fixed).map_err(|e| TemplateError {
                offset: 0,
                message: format!("the URL template's `{fixed}` is not a valid URL start: {e}"),
                hint: None,
            })?;
            Origin::of(&url)
        } else {
            Origin { scheme: scheme.to_ascii_lowercase().into(), host: None, port: None }
        };
        if text.contains(PLACEHOLDER) {
            return Err(TemplateError {
                offset: 0,
                message: format!("a URL template may not contain `{PLACEHOLDER}`"),
                hint: None,
            });
        }
        let (internal, reserved) = split_own(&ascii);
        let internal = UriTemplateString::try_from(internal).map_err(|_| TemplateError {
            offset: 0,
            message: "invalid URL template".into(),
            hint: None,
        })?;
        let checked = UrlTemplate {
            written: text.into(),
            text: internal,
            reserved: reserved.into(),
            origin,
            canonical: Canonical::default(),
            extras: extras.into(),
        };
        Ok(checked)
    }

    /// The variables it names besides `id` and `app` (`pwd` in `{?pwd}`), in order.
    pub fn extras(&self) -> &[Box<str>] {
        &self.extras
    }

    pub fn as_str(&self) -> &str {
        &self.written
    }

    /// The lower-case scheme every expansion has.
    pub fn scheme(&self) -> &str {
        &self.origin.scheme
    }
}

impl Origin {
    /// Whether `url` has this origin; compares in place (this runs on every expansion).
    fn is_of(&self, url: &url::Url) -> bool {
        url.scheme() == &*self.scheme
            // An id must not give an opaque template an authority, not even an empty
            // one (`foo:/{+id}` with `//x`: found by fuzzing).
            && url.has_authority() == self.host.is_some()
            && url.host_str() == self.host.as_deref()
            && url.port_or_known_default() == self.port
    }

    fn of(url: &url::Url) -> Origin {
        Origin { scheme: url.scheme().into(), host: url.host_str().map(Into::into), port: url.port_or_known_default() }
    }
}

/// `text` with every non-ASCII character outside expressions percent-encoded as
/// UTF-8, which is what RFC 6570 §3.1 makes of such literals when expanding.
fn encode_literals(text: &str) -> std::borrow::Cow<'_, str> {
    if text.is_ascii() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = 0,
            _ => {}
        }
        if depth == 0 && !c.is_ascii() {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// RFC 6570 §2.4.1: a prefix length is 1 to 9999 without leading zeros
/// (iri-string accepts `{id:0}` and `{id:10000}`).
fn check_prefixes(text: &str) -> Result<(), TemplateError> {
    let mut at = 0;
    while let Some(open) = text[at..].find('{').map(|i| at + i) {
        let close = text[open..].find('}').map_or(text.len(), |i| open + i);
        for spec in text[open + 1..close].split(',') {
            if let Some((_, digits)) = spec.split_once(':') {
                let valid = !digits.starts_with('0') && digits.parse::<u16>().is_ok_and(|n| (1..=9999).contains(&n));
                if !valid {
                    return Err(TemplateError {
                        offset: open,
                        message: format!("invalid URL template: prefix length `{digits}` must be 1 to 9999"),
                        hint: None,
                    });
                }
            }
        }
        at = close;
    }
    Ok(())
}

/// iri-string reports where a template is broken only in its message.
fn byte_of(message: &str) -> Option<usize> {
    let at = message.rfind("(at ")?;
    message[at + 4..].split('-').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::expand::has_dot_segment;
    use super::*;

    fn expand(template: &str, id: &str) -> Result<String, Refusal> {
        UrlTemplate::parse(template).unwrap().expand("example.com", id)
    }

    #[test]
    fn id_stays_in_its_segment() {
        let t = "https://acme.zendesk.com/agent/users/{id}";
        assert_eq!(expand(t, "991").unwrap(), "https://acme.zendesk.com/agent/users/991");
        assert_eq!(expand(t, "a/../b?x#y").unwrap(), "https://acme.zendesk.com/agent/users/a%2F..%2Fb%3Fx%23y");
        assert_eq!(expand(t, "%2F").unwrap(), "https://acme.zendesk.com/agent/users/%252F");
        assert_eq!(expand(t, "zoë").unwrap(), "https://acme.zendesk.com/agent/users/zo%C3%AB");
        assert!(matches!(expand(t, ".."), Err(Refusal::DotSegment(_))));
        assert!(matches!(expand(t, "."), Err(Refusal::DotSegment(_))));
    }

    #[test]
    fn query_and_app_variable() {
        let t = "https://us1.admin.mailchimp.com/lists/members/view?id={id}&app={app}";
        assert_eq!(
            expand(t, "48 6&x=1").unwrap(),
            "https://us1.admin.mailchimp.com/lists/members/view?id=48%206%26x%3D1&app=example.com"
        );
        assert_eq!(
            expand(t, "..").unwrap(),
            "https://us1.admin.mailchimp.com/lists/members/view?id=..&app=example.com"
        );
    }

    #[test]
    fn dot_segments_only_count_in_the_path() {
        let t = UrlTemplate::parse("https://host.example?q={+id}").unwrap();
        assert_eq!(t.expand("a", "/../x").unwrap(), "https://host.example/?q=/../x");
        let t = UrlTemplate::parse("https://host.example/{+id}").unwrap();
        assert!(matches!(t.expand("a", "x/%2E%2E/y"), Err(Refusal::DotSegment(_))));
        assert!(matches!(t.expand("a", "x/.%2e"), Err(Refusal::DotSegment(_))));
    }

    #[test]
    fn reserved_expansion_of_non_ascii() {
        let t = UrlTemplate::parse("https://host.example/{+id}#{#id}?{id}").unwrap();
        assert_eq!(t.as_str(), "https://host.example/{+id}#{#id}?{id}");
        assert_eq!(t.expand("a", "é/x").unwrap(), "https://host.example/%C3%A9/x##%C3%A9/x?%C3%A9%2Fx");
        for (id, url) in [
            ("a%C3%28b", "https://h.example/a%C3%28b"),
            ("%é", "https://h.example/%25%C3%A9"),
            ("%", "https://h.example/%25"),
        ] {
            assert_eq!(UrlTemplate::parse("https://h.example/{+id}").unwrap().expand("a", id).unwrap(), url);
        }
    }

    /// RFC 6570's examples for `+`, `#` and prefixes, with their variable renamed `id`.
    #[test]
    fn reserved_expansion_follows_rfc_6570() {
        let expand = |template: &str, id: &str| {
            UrlTemplate::parse(&format!("https://h.example/x{template}")).unwrap().expand("app.example", id).unwrap()
        };
        for (template, id, expected) in [
            ("{+id}", "value", "value"),
            ("{+id}", "Hello World!", "Hello%20World!"),
            ("{+id}/here", "/foo/bar", "/foo/bar/here"),
            ("?ref={+id}", "/foo/bar", "?ref=/foo/bar"),
            ("{#id}", "value", "#value"),
            ("{#id}", "Hello World!", "#Hello%20World!"),
            ("{+id:6}/here", "/foo/bar", "/foo/b/here"),
            ("{#id:6}/here", "/foo/bar", "#/foo/b/here"),
            ("{+id,app}", "1024", "1024,app.example"),
            ("{#id,app}", "1024", "#1024,app.example"),
            ("{id:3}", "value", "val"),
            ("{;id:5}", "Hello World!", ";id=Hello"),
            ("{?id:3}", "value", "?id=val"),
            ("{&id:3}", "value", "&id=val"),
            ("{/id:1,id}", "value", "/v/value"),
            ("{.id:2}", "value", ".va"),
            ("{?id:3,app}", "value", "?id=val&app=app.example"),
        ] {
            assert_eq!(expand(template, id), format!("https://h.example/x{expected}"), "{template}");
        }
    }

    #[test]
    fn reserved_expansion_cannot_escape_the_host() {
        let t = UrlTemplate::parse("https://host.example/{+id}").unwrap();
        assert_eq!(t.expand("a", "x/y").unwrap(), "https://host.example/x/y");
        assert!(matches!(t.expand("a", "../../x"), Err(Refusal::DotSegment(_))));
        let t = UrlTemplate::parse("https://host.example{/id}").unwrap();
        assert_eq!(t.expand("a", "x").unwrap(), "https://host.example/x");
        let t = UrlTemplate::parse("https://host.example{?id}").unwrap();
        assert_eq!(t.expand("a", "@evil.example").unwrap(), "https://host.example/?id=%40evil.example");
    }

    #[test]
    fn template_errors() {
        for (text, message) in [
            ("https://x.example/{id", "invalid URL template"),
            ("https://x.example/{!id}", "invalid URL template"),
            ("https://x.example/{=id}", "invalid URL template"),
            ("https://x.example/{user}", "unknown variable `user`"),
            ("https://x.example/{id:0}", "prefix length"),
            ("https://x.example/{id:01}", "prefix length"),
            ("https://x.example/{id:10000}", "prefix length"),
            ("{id}", "does not start with a literal scheme"),
            ("/users/{id}", "does not start with a literal scheme"),
            ("https://{id}.example.com/", "expression in its host"),
            ("https://host.example{+id}", "expression in its host"),
            ("https://host.example{.id}", "expression in its host"),
            ("https://host.example:{id}/", "expression in its host"),
            ("javascript:alert({id})", "never allowed"),
            ("data:text/html,{id}", "never allowed"),
        ] {
            let err = UrlTemplate::parse(text).unwrap_err();
            assert!(err.message.contains(message), "{text}: {}", err.message);
        }
    }

    #[test]
    fn prefix_modifier() {
        let t = UrlTemplate::parse("https://x.example/{id:3}").unwrap();
        assert_eq!(t.expand("a", "abcdef").unwrap(), "https://x.example/abc");
        assert_eq!(t.expand("a", "éé😀xyz").unwrap(), "https://x.example/%C3%A9%C3%A9%F0%9F%98%80");
        let t = UrlTemplate::parse("https://x.example/x{?id:2,app}").unwrap();
        assert_eq!(t.expand("a.example", "ébc").unwrap(), "https://x.example/x?id=%C3%A9b&app=a.example");
        let t = UrlTemplate::parse("https://x.example{/id:1}").unwrap();
        assert_eq!(t.expand("a", "😀x").unwrap(), "https://x.example/%F0%9F%98%80");
    }

    #[test]
    fn error_offset_points_into_the_template() {
        let err = UrlTemplate::parse("https://{id}.example.com/").unwrap_err();
        assert_eq!(err.offset, 8);
    }

    /// The fast path (no second parse) must give exactly what the checked path gives.
    #[test]
    fn canonical_templates_expand_as_if_parsed_again() {
        let pool: Vec<char> = (0x20u8..0x7f).map(char::from).chain(['é', '😀', 'ß', '\u{7ff}']).collect();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for text in [
            "https://acme.zendesk.com/agent/users/{id}",
            "https://github.com/{+id}",
            "https://host.example{/id}",
            "https://host.example/search{?id}",
            "https://host.example/page{#id}",
            "https://us1.admin.mailchimp.com/lists/members/view?id={id}&app={app}",
            "https://host.example/{+id}/x?y={id}#{+id}",
            "slack://user?team=T1&id={id}",
            "mailto:{id}",
            "HTTPS://Host.Example:443/{id}",
        ] {
            let t = UrlTemplate::parse(text).unwrap();
            for _ in 0..3000 {
                let len = 1 + next() as usize % 12;
                let id: String = (0..len).map(|_| pool[next() as usize % pool.len()]).collect();
                let fast = t.expand("app.example", &id);
                let slow = t.expand_raw("app.example", &id).and_then(|raw| {
                    if has_dot_segment(&raw) { Err(Refusal::DotSegment(raw)) } else { t.canonicalize(raw) }
                });
                assert_eq!(fast, slow, "{text} with id {id:?} (canonical: {})", t.is_canonical());
            }
        }
        assert!(UrlTemplate::parse("https://acme.zendesk.com/agent/users/{id}").unwrap().is_canonical());
        assert!(!UrlTemplate::parse("HTTPS://Host.Example:443/{id}").unwrap().is_canonical());
    }

    /// Issue 10.6: for every operator and scheme form, ids that start with a delimiter
    /// expand exactly as the checked path does, and never onto another origin.
    #[test]
    fn the_fast_path_equals_the_checked_path_for_ids_that_start_with_delimiters() {
        let mut seed = 0x1234_5678_9abc_def1u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let tails: Vec<char> = (0x21u8..0x7f).map(char::from).chain(['é']).collect();
        for form in ["foo:", "foo:/", "mailto:", "https://h.example/", "https://h.example", "slack://user", "foo://h"] {
            for op in ["", "+", "#", ".", "/", ";", "?", "&"] {
                let text = format!("{form}{{{op}id}}");
                let Ok(t) = UrlTemplate::parse(&text) else { continue };
                for start in ["/", "//", "\\", "?", "#", "@", ":", "%", "//evil.example/", "/\\evil.example"] {
                    for _ in 0..40 {
                        let len = next() as usize % 6;
                        let tail: String = (0..len).map(|_| tails[next() as usize % tails.len()]).collect();
                        let id = format!("{start}{tail}");
                        let fast = t.expand("app.example", &id);
                        let slow = t.expand_raw("app.example", &id).and_then(|raw| {
                            if has_dot_segment(&raw) { Err(Refusal::DotSegment(raw)) } else { t.canonicalize(raw) }
                        });
                        assert_eq!(fast, slow, "{text} with {id:?}");
                        if let Ok(url) = fast {
                            let parsed = url::Url::parse(&url).unwrap();
                            assert!(t.origin.is_of(&parsed), "{text} with {id:?} left its origin: {url}");
                        }
                    }
                }
            }
        }
        let t = UrlTemplate::parse("foo:/{+id}").unwrap();
        assert!(matches!(t.expand("a", "/evil.example/x"), Err(Refusal::Escapes(_))));
        let t = UrlTemplate::parse("foo:{+id}").unwrap();
        assert!(matches!(t.expand("a", "//evil.example/x"), Err(Refusal::Escapes(_))));
        let t = UrlTemplate::parse("foo:/{+id}").unwrap();
        assert!(matches!(t.expand("a", "//evil.example/x"), Err(Refusal::Escapes(_))), "an empty authority too");
    }

    /// Issue 10.7: literals the RFC allows, non-ASCII and percent-encoded triplets
    /// among them, load and expand as RFC 6570 §3.1 says.
    #[test]
    fn every_literal_the_rfc_allows() {
        for (template, id, url) in [
            ("https://bücher.example/kunden/{id}", "5", "https://xn--bcher-kva.example/kunden/5"),
            ("https://h.example/caf%C3%A9/{id}", "5", "https://h.example/caf%C3%A9/5"),
            ("https://h.example/café/{id}", "5", "https://h.example/caf%C3%A9/5"),
            ("https://h.example/ünï/{id}?q=ö", "é", "https://h.example/%C3%BCn%C3%AF/%C3%A9?q=%C3%B6"),
            ("https://h.example/%7Euser/{id}", "x", "https://h.example/%7Euser/x"),
            ("https://h.example/a!$&()*+,;=:@/{id}", "x", "https://h.example/a!$&()*+,;=:@/x"),
            ("https://h.example/😀/{+id}", "a/b", "https://h.example/%F0%9F%98%80/a/b"),
        ] {
            let t = UrlTemplate::parse(template).unwrap_or_else(|e| panic!("{template}: {e}"));
            assert_eq!(t.as_str(), template);
            assert_eq!(t.expand("app.example", id).unwrap(), url, "{template}");
        }
    }

    /// Found by fuzzing: a `%` before an expression holding non-ASCII made the
    /// template parser panic. Such text is an error, never a crash.
    #[test]
    fn non_ascii_inside_an_expression_is_an_error() {
        for template in ["htxaamfo+ilzo:%{é_\u{7f}+", "https://h.example/{é}", "https://h.example/%{id}é{x"] {
            let error = UrlTemplate::parse(template).map(|_| ()).unwrap_err();
            assert!(error.message.contains("invalid URL template"), "{template}: {}", error.message);
        }
    }

    #[test]
    fn opaque_schemes_fix_only_the_scheme() {
        let t = UrlTemplate::parse("mailto:{id}").unwrap();
        assert_eq!(t.scheme(), "mailto");
        assert_eq!(t.expand("a", "ada@example.com").unwrap(), "mailto:ada%40example.com");
    }
}
