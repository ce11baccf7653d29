//! Inversion (README: identify "Identify"): which ids a template could have expanded to a
//! given App URL.
//!
//! The template is expanded once with a placeholder id and canonicalised by the
//! `url` crate, exactly as resolution canonicalises; the placeholder's places cut
//! that URL into literal pieces and captures. An App URL matches when its origin is
//! the same, its path matches the pieces in order (one trailing `/` aside), each
//! query parameter of the template is among its own (in any order, extras allowed)
//! and, if the template has a fragment, so does the URL. Each capture is decoded
//! as its operator encoded it; every capture of one URL must decode to the same id.

use std::borrow::Cow;
use std::rc::Rc;

use super::UrlTemplate;
use super::work::{CUT, Work};
use crate::url_parts::UrlParts;

/// An id made of unreserved characters only, so every operator expands it unchanged.
const PLACEHOLDER_ID: &str = "applinkdXidXplaceholder";

/// A template made ready to identify App URLs.
#[derive(Debug, Clone)]
pub struct Inverse {
    /// `scheme://authority` or `scheme:`, canonical.
    origin: Box<str>,
    path: Pattern,
    /// The template's query parameters: name and, unless it has none, value.
    params: Vec<(Pattern, Option<Pattern>)>,
    fragment: Option<Pattern>,
    /// For a template with a reserved expression: the whole text after the origin as
    /// one pattern, since such an id may carry a `?` or `#` that moves the query and fragment.
    tail: Option<Pattern>,
    /// Literal characters: a template with more is more specific, and ranks first.
    pub literal_len: usize,
    /// The template's other variables (`pwd`): empty when this inverse leaves them out.
    extras: Box<[Box<str>]>,
    /// For a template with other variables: the inverse that captures them too, tried
    /// first (this one, with them undefined, matches URLs that lack them).
    full: Option<Box<Inverse>>,
}

/// What identify read from one App URL with one template: the id, and the values of
/// the template's other variables that the URL carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub id: String,
    pub extras: Vec<(Box<str>, String)>,
}

/// Why a template cannot be used to identify URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotInvertible {
    #[error("it has a prefix modifier (`{{id:3}}`), which keeps only part of the id")]
    Prefix,
    #[error("it has no `{{id}}`, so every id goes to the same page")]
    NoId,
    #[error("its expansion cannot be cut into path, query and fragment")]
    Unusual,
}

/// Literal pieces with a capture between each two: `pieces.len() == caps.len() + 1`.
#[derive(Debug, Clone)]
struct Pattern {
    pieces: Vec<Box<str>>,
    caps: Vec<Capture>,
    /// A path: a `/` the template ends with may be missing from the URL.
    lenient_slash: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Capture {
    /// Whose text: 0 the id, `k` the template's `k`-th other variable.
    var: u8,
    /// `{+id}` or `{#id}`: reserved characters and `%XX` triplets of the id kept as they are.
    reserved: bool,
    /// Where a simple expression's text cannot hold a `/` (the path and fragment).
    stops_at_slash: bool,
    /// In a query value, where `+` stands for a space (HTML forms write it so).
    in_query: bool,
}

/// A capture's text and how it was encoded, with what the id's captures agree on so far.
struct Captured<'s> {
    text: &'s str,
    capture: Capture,
    /// The ids that every capture of the id up to this one decodes to, best first;
    /// `None` before the first. Each capture is decoded once, when it is cut, and
    /// only compared after (a reading never decodes the others again).
    agreed: Option<Rc<[String]>>,
}

/// The captures of one way of cutting a URL, in the order they were cut.
#[derive(Default)]
struct Cuts<'s> {
    stack: Vec<Captured<'s>>,
}

/// The longest text a capture of the id may have: every reading of it is at least a
/// third as long (a `%XX` triplet is one byte), and no Unique ID is longer than its
/// maximum, so a longer capture can never be an id.
const LONGEST_ID_TEXT: usize = 3 * crate::unique_id::MAX_LEN;

impl UrlTemplate {
    /// The template made ready for identifying App URLs of app `app` (the value of `{app}`).
    pub fn inverse(&self, app: &str) -> Result<Inverse, NotInvertible> {
        let mut plain = self.inverse_of(app, false)?;
        if !self.extras().is_empty() {
            plain.full = self.inverse_of(app, true).ok().map(Box::new);
        }
        Ok(plain)
    }

    /// The inverse with the other variables left out, or (`extras`) captured too.
    fn inverse_of(&self, app: &str, extras: bool) -> Result<Inverse, NotInvertible> {
        let names: &[Box<str>] = if extras { self.extras() } else { &[] };
        let var_of = |name: &str| {
            if name == "id" { Some(0u8) } else { names.iter().position(|n| &**n == name).map(|k| k as u8 + 1) }
        };
        let mut reserved = Vec::new();
        let mut has_id = false;
        let mut rest = self.as_str();
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').map_or(rest.len(), |i| open + i);
            let body = &rest[open + 1..close];
            let op = body.bytes().next().filter(|b| b"+#./;?&".contains(b));
            let names = if op.is_some() { &body[1..] } else { body };
            for spec in names.split(',') {
                if spec.contains(':') {
                    return Err(NotInvertible::Prefix);
                }
                let name = spec.trim_end_matches('*');
                has_id |= name == "id";
                if let Some(var) = var_of(name) {
                    reserved.push((var, matches!(op, Some(b'+' | b'#'))));
                }
            }
            rest = &rest[(close + 1).min(rest.len())..];
        }
        if !has_id {
            return Err(NotInvertible::NoId);
        }
        let placeholders: Vec<(Box<str>, String)> =
            names.iter().enumerate().map(|(k, name)| (name.clone(), format!("applinkdXv{k}Xplaceholder"))).collect();
        let vars = super::expand::Vars { app, id: PLACEHOLDER_ID, extras: &placeholders };
        let expanded = self.expand_vars(&vars).map_err(|_| NotInvertible::Unusual)?;
        let marks: Vec<&str> =
            std::iter::once(PLACEHOLDER_ID).chain(placeholders.iter().map(|(_, p)| p.as_str())).collect();
        let canonical = String::from(url::Url::parse(&expanded).map_err(|_| NotInvertible::Unusual)?);
        let parts = UrlParts::of(&canonical);
        let flags = reserved.clone();
        let mut reserved = reserved.into_iter();
        let mut next = |text: &str, stops_at_slash: bool, in_query: bool, lenient_slash: bool| {
            let (pieces, vars) = split_marks(text, &marks);
            let caps = vars
                .into_iter()
                .map(|var| {
                    reserved.next().filter(|&(v, _)| v == var).map(|(var, reserved)| Capture {
                        var,
                        reserved,
                        stops_at_slash,
                        in_query,
                    })
                })
                .collect::<Option<Vec<_>>>()?;
            Some(Pattern { pieces, caps, lenient_slash })
        };
        let path = next(parts.path, true, false, true).ok_or(NotInvertible::Unusual)?;
        let mut params = Vec::new();
        for param in parts.params() {
            let (name, value) = match param.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (param, None),
            };
            let name = next(name, false, true, false).ok_or(NotInvertible::Unusual)?;
            let value = match value {
                Some(value) => Some(next(value, false, true, false).ok_or(NotInvertible::Unusual)?),
                None => None,
            };
            params.push((name, value));
        }
        let fragment = match parts.fragment {
            Some(fragment) => Some(next(fragment, true, false, false).ok_or(NotInvertible::Unusual)?),
            None => None,
        };
        if reserved.next().is_some() {
            return Err(NotInvertible::Unusual); // the placeholder vanished somewhere
        }
        // A reserved expression may write `?` and `#` itself, moving the URL's query and
        // fragment: then only the whole text after the origin, cut at the placeholder,
        // can say what the id was (found by fuzzing).
        let tail = flags.iter().any(|&(_, r)| r).then(|| {
            let text = &canonical[parts.origin.len()..];
            let (pieces, _) = split_marks(text, &marks);
            let caps = flags
                .iter()
                .map(|&(var, reserved)| Capture { var, reserved, stops_at_slash: true, in_query: false })
                .collect();
            Pattern { pieces, caps, lenient_slash: false }
        });
        let literal_len = parts.origin.len()
            + path.literal_len()
            + params
                .iter()
                .map(|(n, v)| n.literal_len() + v.as_ref().map_or(0, Pattern::literal_len) + 1)
                .sum::<usize>()
            + fragment.as_ref().map_or(0, Pattern::literal_len);
        Ok(Inverse {
            origin: parts.origin.into(),
            path,
            params,
            fragment,
            tail,
            literal_len,
            extras: names.into(),
            full: None,
        })
    }
}

impl Inverse {
    /// `scheme://authority` (or `scheme:`) every URL this template makes starts with.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The ids this template expands to `url` (canonical, cut into `parts`), best first.
    pub fn ids(&self, url: &str, parts: &UrlParts<'_>) -> Vec<String> {
        self.readings(url, parts).into_iter().map(|r| r.id).collect()
    }

    /// The ids, each with the values of the template's other variables the URL
    /// carries; best first. Readings that capture those variables come first.
    pub fn readings(&self, url: &str, parts: &UrlParts<'_>) -> Vec<Reading> {
        self.readings_within(url, parts, &mut Work::default())
    }

    /// `readings`, spending at most what `work` holds (README: identify: identify is bounded):
    /// when it runs out, the readings found so far, and `work` says it was cut short.
    pub fn readings_within(&self, url: &str, parts: &UrlParts<'_>, work: &mut Work) -> Vec<Reading> {
        let mut readings = self.full.as_ref().map(|full| full.readings_within(url, parts, work)).unwrap_or_default();
        push_new(&mut readings, self.own_readings(url, parts, work));
        readings
    }

    fn own_readings(&self, url: &str, parts: &UrlParts<'_>, work: &mut Work) -> Vec<Reading> {
        let mut ids = Vec::new();
        if parts.origin != &*self.origin {
            return ids;
        }
        let mut cuts = Cuts::default();
        let trimmed = parts.path.strip_suffix('/').filter(|p| !p.is_empty());
        for path in std::iter::once(parts.path).chain(trimmed) {
            cuts.clear();
            if self.path.matches(path, &mut cuts, work)
                && self.query_matches(parts, &mut cuts, work)
                && self.fragment.as_ref().is_none_or(|f| parts.fragment.is_some_and(|u| f.matches(u, &mut cuts, work)))
            {
                push_new(&mut ids, self.read(&cuts, work));
            }
        }
        if let Some(tail) = &self.tail
            && (parts.query.is_some() || parts.fragment.is_some())
        {
            cuts.clear();
            if tail.matches(&url[parts.origin.len()..], &mut cuts, work) {
                push_new(&mut ids, self.read(&cuts, work));
            }
        }
        ids
    }

    /// The readings of one way of cutting: every id the captures agree on, each with
    /// the other variables' values (their first capture, decoded).
    fn read(&self, cuts: &Cuts<'_>, work: &mut Work) -> Vec<Reading> {
        let extras: Option<Vec<(Box<str>, String)>> = self
            .extras
            .iter()
            .enumerate()
            .filter_map(|(k, name)| {
                let first = cuts.stack.iter().find(|c| c.capture.var == k as u8 + 1)?;
                work.charge(first.text.len());
                Some(decodings(first.text, first.capture).into_iter().next().map(|value| (name.clone(), value)))
            })
            .collect();
        let Some(extras) = extras else { return Vec::new() };
        let ids = cuts.agreed().map_or(&[][..], |ids| &ids[..]);
        ids.iter().map(|id| Reading { id: id.clone(), extras: extras.clone() }).collect()
    }

    /// Every parameter of the template matched by a parameter of the URL, in any
    /// order, with every capture so far agreeing on one id. Which URL parameter
    /// matches which template parameter is searched, not taken greedily: a first
    /// fit whose id disagrees later gives way to the next (found by fuzzing).
    fn query_matches<'s>(&self, parts: &UrlParts<'s>, cuts: &mut Cuts<'s>, work: &mut Work) -> bool {
        self.params_from(0, parts, cuts, work)
    }

    fn params_from<'s>(&self, i: usize, parts: &UrlParts<'s>, cuts: &mut Cuts<'s>, work: &mut Work) -> bool {
        let Some((name, value)) = self.params.get(i) else {
            return true;
        };
        for param in parts.params() {
            if !work.charge(CUT as usize) {
                return false;
            }
            let mark = cuts.len();
            let (n, v) = match param.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (param, None),
            };
            // A capture that disagrees with the id so far is no match (`Cuts::push`).
            let hit = name.matches(n, cuts, work)
                && match (value, v) {
                    (None, None) => true,
                    (Some(value), Some(v)) => value.matches(v, cuts, work),
                    (Some(value), None) => value.caps.is_empty() && value.pieces[0].is_empty(),
                    (None, Some(v)) => v.is_empty(),
                };
            if hit && self.params_from(i + 1, parts, cuts, work) {
                return true;
            }
            cuts.truncate(mark);
        }
        // A parameter that is only another variable (`{?lang,rev}` without `rev`) is
        // left out where that variable was undefined: the URL still matches.
        let optional = name.caps.is_empty()
            && value
                .as_ref()
                .is_some_and(|v| v.caps.len() == 1 && v.caps[0].var != 0 && v.pieces.iter().all(|p| p.is_empty()));
        optional && self.params_from(i + 1, parts, cuts, work)
    }
}

impl Pattern {
    fn literal_len(&self) -> usize {
        self.pieces.iter().map(|p| p.len()).sum()
    }

    /// Whether `text` is the pieces with a capture between each two; pushes the captures.
    fn matches<'s>(&self, text: &'s str, cuts: &mut Cuts<'s>, work: &mut Work) -> bool {
        let mark = cuts.len();
        let hit = text.strip_prefix(&*self.pieces[0]).is_some_and(|rest| self.from(0, rest, cuts, work))
            || (self.caps.is_empty() && self.lenient_slash && self.pieces[0].strip_suffix('/') == Some(text));
        if !hit {
            cuts.truncate(mark);
        }
        hit
    }

    /// Matches `rest` against capture `i` and what follows it (piece `i` is consumed).
    /// Where one id stands twice (`{+id}/x/{+id}`), a way of cutting whose captures
    /// disagree is no match, and the next way is tried (found by fuzzing). Every way
    /// tried is charged to `work`, agreeing or not: the search ends when it is spent.
    fn from<'s>(&self, i: usize, rest: &'s str, cuts: &mut Cuts<'s>, work: &mut Work) -> bool {
        let Some(&capture) = self.caps.get(i) else {
            return rest.is_empty();
        };
        let next = &*self.pieces[i + 1];
        // A capture of the id is never longer than an id's text; a simple expression's
        // text stops at the first `/` where it cannot hold one.
        let longest = if capture.var == 0 { LONGEST_ID_TEXT.min(rest.len()) } else { rest.len() };
        let mut bound = longest;
        if capture.stops_at_slash && !capture.reserved {
            let scanned = floor_boundary(rest, (longest + 1).min(rest.len()));
            if !work.charge(scanned / 8) {
                return false;
            }
            if let Some(slash) = rest[..scanned].find('/') {
                bound = bound.min(slash);
            }
        }
        if i + 1 == self.caps.len() {
            let end = if rest.ends_with(next) {
                rest.len() - next.len()
            } else if self.lenient_slash
                && let Some(short) = next.strip_suffix('/')
                && rest.ends_with(short)
            {
                rest.len() - short.len()
            } else {
                return false;
            };
            return end > 0 && end <= bound && cuts.push(&rest[..end], capture, work);
        }
        // Each end where `next` follows, shortest first. Overlapping: an id ending in
        // `/` before a literal `//` ends one `/` later than the first `//` found
        // (found by fuzzing).
        let mut at = 1;
        while at <= bound {
            let at_boundary = ceil_boundary(rest, at);
            let end = if next.is_empty() {
                at_boundary
            } else {
                match rest[at_boundary..].find(next) {
                    Some(found) => at_boundary + found,
                    None => {
                        work.charge((rest.len() - at_boundary) / 8);
                        break;
                    }
                }
            };
            if end > bound || !work.charge(CUT as usize + (end - at) / 8) {
                break;
            }
            if cuts.push(&rest[..end], capture, work) {
                if self.from(i + 1, &rest[end + next.len()..], cuts, work) {
                    return true;
                }
                cuts.pop();
            }
            if work.cut_short() {
                return false;
            }
            at = end + 1;
        }
        false
    }
}

/// The largest char boundary of `text` at or before `at`.
fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The smallest char boundary of `text` at or after `at` (its length at most).
fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while at < text.len() && !text.is_char_boundary(at) {
        at += 1;
    }
    at.min(text.len())
}

impl<'s> Cuts<'s> {
    fn len(&self) -> usize {
        self.stack.len()
    }

    fn clear(&mut self) {
        self.stack.clear();
    }

    fn truncate(&mut self, len: usize) {
        self.stack.truncate(len);
    }

    fn pop(&mut self) {
        self.stack.pop();
    }

    /// The ids every capture of the id so far decodes to, best first.
    fn agreed(&self) -> Option<&Rc<[String]>> {
        self.stack.last().and_then(|c| c.agreed.as_ref())
    }

    /// Cuts `text` as a capture: false, and nothing cut, when it is a capture of the
    /// id that agrees with none of the ids so far (or no valid Unique ID), or when
    /// the work is spent. Decoding and comparing are charged by the byte.
    fn push(&mut self, text: &'s str, capture: Capture, work: &mut Work) -> bool {
        let agreed = self.agreed().cloned();
        if capture.var != 0 {
            self.stack.push(Captured { text, capture, agreed });
            return true;
        }
        if text.len() > LONGEST_ID_TEXT || !work.charge(text.len()) {
            return false;
        }
        let found: Vec<String> = match &agreed {
            // Two captures of the same text and encoding agree on everything.
            Some(ids) if self.stack.iter().any(|c| c.capture == capture && c.text == text) => ids.to_vec(),
            None => {
                let readings = decodings(text, capture);
                if !work.charge(text.len() * readings.len()) {
                    return false;
                }
                readings.into_iter().filter(|id| crate::unique_id::check(id).is_ok()).collect()
            }
            Some(ids) => {
                let readings = decodings(text, capture);
                if !work.charge(text.len() * (readings.len() + ids.len())) {
                    return false;
                }
                let readings: hashbrown::HashSet<&str> = readings.iter().map(String::as_str).collect();
                ids.iter().filter(|id| readings.contains(id.as_str())).cloned().collect()
            }
        };
        if found.is_empty() {
            return false;
        }
        self.stack.push(Captured { text, capture, agreed: Some(found.into()) });
        true
    }
}

/// `text` cut at each of `marks` (placeholders): the pieces between, and which mark
/// stood at each cut.
fn split_marks(text: &str, marks: &[&str]) -> (Vec<Box<str>>, Vec<u8>) {
    let (mut pieces, mut vars) = (Vec::new(), Vec::new());
    let mut rest = text;
    loop {
        let found = marks.iter().enumerate().filter_map(|(v, m)| rest.find(m).map(|at| (at, v, m.len()))).min();
        match found {
            Some((at, var, len)) => {
                pieces.push(rest[..at].into());
                vars.push(var as u8);
                rest = &rest[at + len..];
            }
            None => {
                pieces.push(rest.into());
                return (pieces, vars);
            }
        }
    }
}

/// What a capture's text decodes to. A simple expression encoded everything but
/// unreserved characters: decode it all. A reserved one (`{+id}`) kept reserved
/// characters and the id's own `%XX` triplets as they were, and encoded the rest:
/// a triplet that decodes to such a rest (a space, `%`, non-ASCII) may be either,
/// and so may one the `url` crate encoded when canonicalising (`'` in a query).
/// Each reading is tried, the most decoded first (up to 64 readings; beyond that,
/// all decoded and none).
fn decodings(text: &str, capture: Capture) -> Vec<String> {
    if !capture.reserved {
        let text = if capture.in_query && text.contains('+') {
            Cow::Owned(text.replace('+', " "))
        } else {
            Cow::Borrowed(text)
        };
        return crate::target::decode(&text).map(|d| vec![d.into_owned()]).unwrap_or_default();
    }
    // The text cut into what stays as written and triplet runs that may be decoded.
    let mut pieces: Vec<(&str, Option<String>)> = Vec::new();
    let bytes = text.as_bytes();
    let (mut at, mut plain) = (0, 0);
    while at < bytes.len() {
        let run = triplet_run(&text[at..]);
        if run.is_empty() {
            at += 1;
            continue;
        }
        // Unreserved characters are never encoded, by the expansion or by the `url`
        // crate; anything else may have been (`'` is, in a query).
        let decoded = percent_encoding::percent_decode_str(run)
            .decode_utf8()
            .ok()
            .filter(|d| d.chars().all(|c| !(c.is_ascii_alphanumeric() || "-._~".contains(c))));
        if let Some(decoded) = decoded {
            pieces.push((&text[plain..at], None));
            pieces.push((run, Some(decoded.into_owned())));
            plain = at + run.len();
        }
        at += run.len();
    }
    pieces.push((&text[plain..], None));
    let ambiguous = pieces.iter().filter(|(_, d)| d.is_some()).count();
    let readings: Vec<u32> = if ambiguous <= 6 {
        let mut all: Vec<u32> = (0..1u32 << ambiguous).collect();
        all.sort_by_key(|m| std::cmp::Reverse(m.count_ones()));
        all
    } else {
        vec![u32::MAX, 0]
    };
    readings
        .into_iter()
        .map(|decode| {
            let mut n = 0;
            let mut out = String::with_capacity(text.len());
            for (raw, decoded) in &pieces {
                match decoded {
                    Some(decoded) => {
                        out.push_str(if decode & (1 << n.min(31)) != 0 { decoded } else { raw });
                        n += 1;
                    }
                    None => out.push_str(raw),
                }
            }
            out
        })
        .collect()
}

/// The longest run of `%XX` triplets at the start of `text` that decodes to whole
/// characters: one triplet, or the triplets of one UTF-8 sequence.
fn triplet_run(text: &str) -> &str {
    let hex = |at: usize| {
        let b = text.as_bytes();
        (b.get(at) == Some(&b'%') && b.get(at + 1..at + 3).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)))
            .then(|| u8::from_str_radix(&text[at + 1..at + 3], 16).ok())
            .flatten()
    };
    let Some(first) = hex(0) else { return "" };
    let len = match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    };
    if (1..len).all(|k| hex(3 * k).is_some_and(|b| (0x80..0xc0).contains(&b))) { &text[..3 * len] } else { &text[..3] }
}

fn push_new(readings: &mut Vec<Reading>, found: Vec<Reading>) {
    for reading in found {
        if !readings.iter().any(|r| r.id == reading.id) {
            readings.push(reading);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(template: &str, url: &str) -> Vec<String> {
        let inverse = UrlTemplate::parse(template).unwrap().inverse("app.example").unwrap();
        let canonical = String::from(url::Url::parse(url).unwrap());
        inverse.ids(&canonical, &UrlParts::of(&canonical))
    }

    #[test]
    fn simple_expressions_stop_at_slash_and_decode() {
        let t = "https://acme.zendesk.com/agent/users/{id}";
        assert_eq!(ids(t, "https://acme.zendesk.com/agent/users/991"), ["991"]);
        assert_eq!(ids(t, "https://ACME.zendesk.com:443/agent/users/991/"), ["991"]);
        assert_eq!(ids(t, "https://acme.zendesk.com/agent/users/a%2Fb%20c"), ["a/b c"]);
        assert_eq!(ids(t, "https://acme.zendesk.com/agent/users/zoë"), ["zoë"]);
        assert!(ids(t, "https://acme.zendesk.com/agent/users/991/tickets").is_empty());
        assert!(ids(t, "https://acme.zendesk.com/agent/users/").is_empty());
        assert!(ids(t, "https://other.zendesk.com/agent/users/991").is_empty());
        assert!(ids(t, "http://acme.zendesk.com/agent/users/991").is_empty());
        assert_eq!(ids(t, "https://acme.zendesk.com/agent/users/991?tab=x#top"), ["991"]);
    }

    #[test]
    fn reserved_expressions_span_slashes() {
        let t = "https://github.com/{+id}";
        assert_eq!(ids(t, "https://github.com/acme/website"), ["acme/website"]);
        assert_eq!(ids(t, "https://github.com/acme/website/"), ["acme/website/", "acme/website"]);
        assert_eq!(ids(t, "https://github.com/a%20b"), ["a b", "a%20b"]);
        assert_eq!(ids(t, "https://github.com/ada?tab=repositories"), ["ada", "ada?tab=repositories"]);
    }

    #[test]
    fn query_parameters_in_any_order_with_extras() {
        let t = "https://us1.admin.mailchimp.com/lists/members/view?id={id}";
        let url = "https://us1.admin.mailchimp.com/lists/members/view?utm_source=x&id=48616032";
        assert_eq!(ids(t, url), ["48616032"]);
        assert!(ids(t, "https://us1.admin.mailchimp.com/lists/members/view?uid=4").is_empty());
        let t = "https://h.example/search{?id,app}";
        assert_eq!(ids(t, "https://h.example/search?app=app.example&id=a+b"), ["a b"]);
        assert!(ids(t, "https://h.example/search?app=other.example&id=1").is_empty());
        let t = "https://h.example/x?a=1{&id}";
        assert_eq!(ids(t, "https://h.example/x?id=7&a=1"), ["7"]);
    }

    #[test]
    fn fragments_count_only_when_the_template_has_one() {
        let t = "https://h.example/app#/people/{id}";
        assert_eq!(ids(t, "https://h.example/app#/people/5"), ["5"]);
        assert!(ids(t, "https://h.example/app#/companies/5").is_empty());
        assert!(ids(t, "https://h.example/app").is_empty());
    }

    /// Found by fuzzing: six `{+id}` with empty or short literals between them took
    /// the whole matching budget before captures were compared as they were cut.
    #[test]
    fn many_adjacent_reserved_expressions_still_match() {
        let t = "https://h.example/xo{+id}{+id}1ps/{+id}{+id}tps/{+id}{+id}t";
        let id = ".applinkdXidXplaceholdex";
        let url = format!("https://h.example/xo{id}{id}1ps/{id}{id}tps/{id}{id}t");
        assert!(ids(t, &url).iter().any(|found| found == id));
    }

    /// Found by fuzzing: the first URL parameter a template parameter fits is not
    /// always the one whose capture agrees with the rest.
    #[test]
    fn query_parameters_are_searched_not_taken_greedily() {
        let t = "https://h.example/{id}/?a{id}/?t.b{id}/&a{id}/";
        assert_eq!(ids(t, "https://h.example/x/?ax/?t.bx/&ax/"), ["x"]);
        let t = "https://h.example/p?a{id}z&a{id}";
        assert_eq!(ids(t, "https://h.example/p?ayz&ay"), ["y"]);
    }

    #[test]
    fn a_capture_may_end_inside_a_repeated_literal() {
        let t = "https://h.example/{+id}//{id}";
        assert_eq!(ids(t, "https://h.example/a/b///a%2Fb%2F"), ["a/b/"]);
    }

    fn readings(template: &str, url: &str) -> Vec<Reading> {
        let inverse = UrlTemplate::parse(template).unwrap().inverse("app.example").unwrap();
        let canonical = String::from(url::Url::parse(url).unwrap());
        inverse.readings(&canonical, &UrlParts::of(&canonical))
    }

    /// README: The web-link router: variables besides `id` are captured when the URL has them, and the
    /// URL still matches when it lacks them.
    #[test]
    fn other_variables_are_captured_when_present() {
        let t = "https://zoom.us/j/{id}{?pwd}";
        let found = readings(t, "https://zoom.us/j/85?pwd=x%20y&utm_source=chat");
        assert_eq!(found[0], Reading { id: "85".into(), extras: vec![("pwd".into(), "x y".into())] });
        assert_eq!(readings(t, "https://zoom.us/j/85"), [Reading { id: "85".into(), extras: vec![] }]);
        let t = "https://app.slack.com/client/{team}/{id}";
        let found = readings(t, "https://app.slack.com/client/T01/C02");
        assert_eq!(found[0], Reading { id: "C02".into(), extras: vec![("team".into(), "T01".into())] });
        let t = UrlTemplate::parse("zoommtg://zoom.us/join?confno={id}{&pwd}").unwrap();
        assert_eq!(t.extras(), [Box::<str>::from("pwd")]);
        assert_eq!(t.expand("zoom.us", "85").unwrap(), "zoommtg://zoom.us/join?confno=85");
        assert_eq!(
            t.expand_with("zoom.us", "85", &[("pwd".into(), "x y&z".into())]).unwrap(),
            "zoommtg://zoom.us/join?confno=85&pwd=x%20y%26z"
        );
    }

    #[test]
    fn every_capture_must_agree() {
        let t = "https://h.example/{id}/x?check={id}";
        assert_eq!(ids(t, "https://h.example/5/x?check=5"), ["5"]);
        assert!(ids(t, "https://h.example/5/x?check=6").is_empty());
    }

    #[test]
    fn not_invertible() {
        let inverse = |t: &str| UrlTemplate::parse(t).unwrap().inverse("a.example").map(|_| ());
        assert_eq!(inverse("https://h.example/{id:3}"), Err(NotInvertible::Prefix));
        assert_eq!(inverse("https://h.example/static"), Err(NotInvertible::NoId));
        assert_eq!(inverse("https://h.example/{app}"), Err(NotInvertible::NoId));
        assert!(inverse("mailto:{id}").is_ok());
    }

    /// For every operator and many places, what a template expands an id to identifies
    /// as that id again (ids with `/`, `%`, spaces, `?`, `#`, non-ASCII and the rest).
    #[test]
    fn inverse_of_expansion_holds_the_id() {
        let pool: Vec<char> = (0x20u8..0x7f).map(char::from).chain(['é', '😀', 'ß']).collect();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for text in [
            "https://h.example/users/{id}",
            "https://h.example/users/{id}/",
            "https://h.example/{+id}",
            "https://h.example/x{/id}/edit",
            "https://h.example/x{;id}",
            "https://h.example/x/{id}.json",
            "https://h.example/x{.id}",
            "https://h.example/search{?id}",
            "https://h.example/search?a=1{&id}",
            "https://h.example/view?id={id}&app={app}",
            "https://h.example/app{#id}",
            "https://h.example/app#/people/{id}",
            "https://h.example/{id}/x?check={id}",
            "https://h.example/{id,app}",
            "HTTPS://H.Example:443/Users/{id}",
            "slack://user?team=T1&id={id}",
            "mailto:{id}",
        ] {
            let template = UrlTemplate::parse(text).unwrap();
            let inverse = template.inverse("app.example").unwrap();
            let mut checked = 0;
            for _ in 0..1500 {
                let len = 1 + next() as usize % 10;
                let id: String = (0..len).map(|_| pool[next() as usize % pool.len()]).collect();
                if crate::unique_id::check(&id).is_err() {
                    continue;
                }
                let Ok(url) = template.expand("app.example", &id) else { continue };
                let canonical = String::from(url::Url::parse(&url).unwrap());
                let found = inverse.ids(&canonical, &UrlParts::of(&canonical));
                assert!(found.contains(&id), "{text} with {id:?} → {url}: {found:?}");
                checked += 1;
            }
            assert!(checked > 500, "{text}: {checked}");
        }
    }

    /// Found by fuzzing (template): one id twice, with the literal between them inside the id.
    #[test]
    fn repeated_ids_are_cut_where_they_agree() {
        let id = "//eo:/A{+id}A{+i`/x";
        let template = UrlTemplate::parse("foo:/A{+id}A{+id}").unwrap();
        let url = template.expand("app.example", id).unwrap();
        let canonical = String::from(url::Url::parse(&url).unwrap());
        let found = template.inverse("app.example").unwrap().ids(&canonical, &UrlParts::of(&canonical));
        assert!(found.iter().any(|f| f == id), "{found:?}");
    }

    /// Found by fuzzing (template): an id with `?` and `#` in a template with a query
    /// and fragment of its own.
    #[test]
    fn reserved_ids_that_move_the_query_and_fragment() {
        let id = "///?#[t{ph";
        let template = UrlTemplate::parse("https://hlz/{+id}/{+id}/?#[t").unwrap();
        let url = template.expand("app.example", id).unwrap();
        let canonical = String::from(url::Url::parse(&url).unwrap());
        let found = template.inverse("app.example").unwrap().ids(&canonical, &UrlParts::of(&canonical));
        assert!(found.iter().any(|f| f == id), "{canonical}: {found:?}");
    }

    /// Issue 18: two other variables before the id (`{group}/{project}`) made every
    /// cut look like a disagreement, so no URL of such a template identified.
    #[test]
    fn any_number_of_other_variables_identify() {
        let t = "https://gitlab.example/{group}/{project}/-/issues/{id}";
        let found = readings(t, "https://gitlab.example/acme/web/-/issues/42");
        assert_eq!(
            found[0],
            Reading {
                id: "42".into(),
                extras: vec![("group".into(), "acme".into()), ("project".into(), "web".into())]
            }
        );
        let t = "https://h.example/{a}/{b}/{c}/{+id}{?d,e}";
        let found = readings(t, "https://h.example/1/2/3/x/y?e=5&d=4");
        assert_eq!(found[0].id, "x/y");
        assert_eq!(found[0].extras.len(), 5, "{found:?}");
        let found = readings(t, "https://h.example/1/2/3/x/y?e=5");
        assert_eq!(found[0].id, "x/y", "`d` undefined");
        assert_eq!(found[0].extras.len(), 4, "{found:?}");
    }

    /// Issue 18: templates that can cut a URL in millions of ways stop at the budget,
    /// say so, and still find what an ordinary URL of theirs holds.
    #[test]
    fn adversarial_cuts_are_bounded_and_said() {
        let dots = format!("https://h.example/{}", "a.".repeat(1500));
        let runs = format!("https://h.example/{}", "%C3%A9a/".repeat(1000));
        for (template, url) in [
            ("https://h.example/{id}.{id}.{id}", dots.as_str()),
            ("https://h.example/{+id}/{+id}/{+id}", runs.as_str()),
            ("https://h.example/{+a}/{+b}/{+id}", runs.as_str()),
            ("https://h.example/{+id}{+id}{+id}{+id}", runs.as_str()),
        ] {
            let inverse = UrlTemplate::parse(template).unwrap().inverse("app.example").unwrap();
            let canonical = String::from(url::Url::parse(url).unwrap());
            let mut work = Work::new(super::super::work::PER_TEMPLATE);
            let _ = inverse.readings_within(&canonical, &UrlParts::of(&canonical), &mut work);
            assert!(work.cut_short(), "{template}: the search ended without reaching the budget");
            assert_eq!(work.left(), 0, "{template}");
        }
        assert_eq!(ids("https://h.example/{id}.{id}.{id}", "https://h.example/a.b.a.b.a.b"), ["a.b"]);
        assert_eq!(ids("https://h.example/{+id}/{+id}/{+id}", "https://h.example/x/y/x/y/x/y"), ["x/y"]);
    }

    #[test]
    fn other_schemes() {
        assert_eq!(ids("slack://user?team=T1&id={id}", "slack://user?id=U2&team=T1"), ["U2"]);
        assert_eq!(ids("mailto:{id}", "mailto:ada@example.com"), ["ada@example.com"]);
    }
}
