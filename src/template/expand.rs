//! Expansion: (app, id) → URL, by RFC 6570, refusing what would leave the template's origin.
//!
//! iri-string expands most expressions; reserved ones (`{+…}`, `{#…}`) and prefixes are
//! expanded here, because iri-string 0.7.14 mishandles ids there.

use iri_string::spec::UriSpec;
use iri_string::template::context::{Context, Visitor};

use super::{Refusal, UrlTemplate};

impl UrlTemplate {
    /// Expands the template for one record, refusing any result whose scheme,
    /// host or port differ from the template's, or whose path a `..` would move.
    ///
    /// The scheme, host and port cannot differ: parsing checked that the template's
    /// literal text fixes them before any expression. For templates whose expansions
    /// are already canonical that proof stands alone; the others are parsed again and
    /// checked, and come out in canonical form.
    pub fn expand(&self, app: &str, id: &str) -> Result<String, Refusal> {
        self.expand_with(app, id, &[])
    }

    /// The same, with values for the template's other variables (what identify
    /// captured of an App URL: `pwd` of `https://zoom.us/j/85?pwd=x`); those not
    /// given are undefined, so RFC 6570 leaves them out. Values from a URL are as
    /// untrusted as ids: such an expansion is always parsed again and checked.
    pub fn expand_with(&self, app: &str, id: &str, extras: &[(Box<str>, String)]) -> Result<String, Refusal> {
        let expanded = self.expand_vars(&Vars { app, id, extras })?;
        if has_dot_segment(&expanded) {
            return Err(Refusal::DotSegment(expanded));
        }
        if extras.is_empty() && self.is_canonical() { Ok(expanded) } else { self.canonicalize(expanded) }
    }

    pub(super) fn expand_raw(&self, app: &str, id: &str) -> Result<String, Refusal> {
        self.expand_vars(&Vars { app, id, extras: &[] })
    }

    pub(super) fn expand_vars(&self, vars: &Vars<'_>) -> Result<String, Refusal> {
        use std::fmt::Write;
        let (app, id) = (vars.app, vars.id);
        let mut expanded = String::with_capacity(self.text.len() + 3 * (id.len() + app.len()));
        let template = self.text.expand::<UriSpec, _>(vars).map_err(|_| Refusal::Invalid(String::new()))?;
        write!(expanded, "{template}").map_err(|_| Refusal::Invalid(String::new()))?;
        if self.reserved.is_empty() {
            return Ok(expanded);
        }
        let mut out = String::with_capacity(expanded.len() + 3 * id.len());
        let mut pieces = expanded.split(PLACEHOLDER);
        out.push_str(pieces.next().unwrap_or(""));
        for (piece, reserved) in pieces.zip(self.reserved.iter()) {
            reserved.expand(vars, &mut out);
            out.push_str(piece);
        }
        Ok(out)
    }

    /// Parses an expansion again: its origin must be the template's; returns its canonical form.
    pub(super) fn canonicalize(&self, expanded: String) -> Result<String, Refusal> {
        let url = match url::Url::parse(&expanded) {
            Ok(url) => url,
            Err(_) => return Err(Refusal::Invalid(expanded)),
        };
        if !self.origin.is_of(&url) {
            return Err(Refusal::Escapes(expanded));
        }
        Ok(url.into())
    }

    pub(super) fn is_canonical(&self) -> bool {
        *self.canonical.0.get_or_init(|| self.expands_canonically())
    }

    /// Whether parsing an expansion again would change nothing, for ids holding each
    /// printable character in a path, after a `?` and after a `#`, and non-ASCII.
    pub(super) fn expands_canonically(&self) -> bool {
        // Without a host in the literal text (`foo:{+id}`, `mailto:{id}`), an id could
        // write one (`foo://evil.example`): such expansions are always parsed and checked.
        if self.origin.host.is_none() {
            return false;
        }
        let mut probes: Vec<String> = vec!["x".into(), "é😀".into(), "%41".into(), "a%2Fb".into()];
        for c in (0x21u8..0x7f).map(char::from) {
            for context in ["", "?", "#", "/"] {
                probes.push(format!("a{context}{c}b"));
            }
        }
        // Ids that start with a delimiter, where a parser reads the most into them.
        for start in ["/", "//", "\\", "?", "#", "@", ":", "%", "%2F", "//x.example/"] {
            for tail in ["x", "é", "@y", ":1", "/z"] {
                probes.push(format!("{start}{tail}"));
            }
        }
        probes.iter().all(|id| match self.expand_raw("app.example", id) {
            Ok(raw) if has_dot_segment(&raw) => true, // refused at expansion anyway
            Ok(raw) => self.canonicalize(raw.clone()).is_ok_and(|canonical| canonical == raw),
            Err(_) => false,
        })
    }
}

/// Literal text that stands for an expression expanded here, in what iri-string expands.
/// `!` is encoded by every other expression, and a template may not contain it.
pub(super) const PLACEHOLDER: &str = "!applinkd-reserved!";

/// An expression expanded here rather than by iri-string: a reserved one (`{+…}`,
/// `{#…}`), or one with a prefix modifier (`{id:3}`). Variables are always defined strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Own {
    /// The operator, or 0 for simple string expansion.
    op: u8,
    /// Each variable's name with its prefix length, if any.
    specs: Vec<(Box<str>, Option<usize>)>,
}

impl Own {
    /// RFC 6570 §3.2 for string values: the operator's first string and separator,
    /// `name=` for the named operators, and encoding that keeps unreserved characters
    /// (and, for `+` and `#`, reserved ones and pct-encoded triplets).
    fn expand(&self, vars: &Vars<'_>, out: &mut String) {
        let (first, separator, named, if_empty) = match self.op {
            b'+' => ("", ",", false, ""),
            b'#' => ("#", ",", false, ""),
            b'.' => (".", ".", false, ""),
            b'/' => ("/", "/", false, ""),
            b';' => (";", ";", true, ""),
            b'?' => ("?", "&", true, "="),
            b'&' => ("&", "&", true, "="),
            _ => ("", ",", false, ""),
        };
        let reserved = matches!(self.op, b'+' | b'#');
        let defined: Vec<(&str, &str, Option<usize>)> =
            self.specs.iter().filter_map(|(name, prefix)| Some((&**name, vars.get(name)?, *prefix))).collect();
        if defined.is_empty() {
            return; // RFC 6570 §3.2.1: undefined variables expand to nothing
        }
        out.push_str(first);
        for (n, &(name, value, prefix)) in defined.iter().enumerate() {
            if n > 0 {
                out.push_str(separator);
            }
            let value = match prefix {
                Some(chars) => value.char_indices().nth(chars).map_or(value, |(at, _)| &value[..at]),
                None => value,
            };
            if named {
                out.push_str(name);
                if value.is_empty() {
                    out.push_str(if_empty);
                    continue;
                }
                out.push('=');
            }
            let bytes = value.as_bytes();
            for (i, c) in value.char_indices() {
                let keep = c.is_ascii_alphanumeric()
                    || "-._~".contains(c)
                    || (reserved
                        && (":/?#[]@!$&'()*+,;=".contains(c)
                            || (c == '%'
                                && bytes.get(i + 1..i + 3).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)))));
                if keep {
                    out.push(c);
                } else {
                    let mut buf = [0; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("%{b:02X}"));
                    }
                }
            }
        }
    }
}

/// The template with the expressions expanded here replaced by placeholders, and those
/// expressions. iri-string 0.7.14 mishandles values in reserved expansion (`a%C3%28b`
/// loses `%28`; `%é` panics) and counts prefix lengths in bytes, not characters.
pub(super) fn split_own(written: &str) -> (String, Vec<Own>) {
    let mut out = String::with_capacity(written.len() + 8);
    let mut own = Vec::new();
    let mut rest = written;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |i| open + i + 1);
        let expression = &rest[open..close];
        let body = &expression[1..expression.len().saturating_sub(1).max(1)];
        let op = body.bytes().next().filter(|b| b"+#./;?&".contains(b));
        if matches!(op, Some(b'+' | b'#')) || body.contains(':') {
            let names = if op.is_some() { &body[1..] } else { body };
            let specs = names
                .split(',')
                .map(|spec| {
                    let (name, prefix) =
                        spec.split_once(':').map_or((spec.trim_end_matches('*'), None), |(n, p)| (n, p.parse().ok()));
                    (Box::<str>::from(name), prefix)
                })
                .collect();
            own.push(Own { op: op.unwrap_or(0), specs });
            out.push_str(PLACEHOLDER);
        } else {
            out.push_str(expression);
        }
        rest = &rest[close..];
    }
    out.push_str(rest);
    (out, own)
}

/// Path steps that URL parsers, and browsers, would resolve away.
pub(super) fn has_dot_segment(url: &str) -> bool {
    let after_scheme = url.split_once(':').map_or(url, |(_, rest)| rest);
    let path_and_more = match after_scheme.strip_prefix("//") {
        // The authority ends at the first `/`, `?` or `#`; only a `/` starts a path.
        Some(authority) => authority.find(['/', '?', '#']).map_or("", |at| &authority[at..]),
        None => after_scheme,
    };
    let path = path_and_more.split(['?', '#']).next().unwrap_or("");
    path.split(['/', '\\'])
        .any(|segment| [".", "..", "%2e", "%2e%2e", ".%2e", "%2e."].iter().any(|dot| segment.eq_ignore_ascii_case(dot)))
}

pub(super) struct Vars<'a> {
    pub(super) app: &'a str,
    pub(super) id: &'a str,
    pub(super) extras: &'a [(Box<str>, String)],
}

impl Vars<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        match name {
            "id" => Some(self.id),
            "app" => Some(self.app),
            _ => self.extras.iter().find(|(n, _)| &**n == name).map(|(_, v)| v.as_str()),
        }
    }
}

impl Context for Vars<'_> {
    fn visit<V: Visitor>(&self, visitor: V) -> V::Result {
        match self.get(visitor.var_name().as_str()) {
            Some(value) => visitor.visit_string(value),
            None => visitor.visit_undefined(),
        }
    }
}
