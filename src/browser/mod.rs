//! applinkd as the desktop's web-link router (README: The web-link router): where a clicked URL goes.
//!
//! `route` decides, on the index, with identify (no second matcher): an App URL of an
//! app that says how to open its records goes to the app's `native` deep link (unless
//! `--web`), else to its `open_with` program; every other URL goes to the fallback
//! browser unchanged. `fallback` finds that browser (`[browser] fallback`, else the
//! handler `register --browser` replaced) and refuses loops back into applinkd.

pub mod desktop_exec;
pub mod fallback;

use serde_json::{Value, json};

use crate::identify::Match;
use crate::index::Index;
use crate::resolve::Source;

/// Where a clicked URL goes, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub way: Way,
    /// The URL handed over: the deep link, the canonical App URL, or the URL as given.
    pub url: String,
    /// The app and id the URL is, when it is an App URL.
    pub record: Option<(String, String)>,
    pub app_name: Option<String>,
    /// Why this way, in words (for `open --dry-run`).
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Way {
    /// The app's `native` deep link, to the system opener (its scheme's handler).
    Native,
    /// The app's `open_with` program and arguments (URL appended).
    OpenWith(Vec<String>),
    /// The fallback browser, with the URL exactly as given.
    Fallback,
}

impl Way {
    pub fn name(&self) -> &'static str {
        match self {
            Way::Native => "native",
            Way::OpenWith(_) => "open_with",
            Way::Fallback => "fallback",
        }
    }
}

/// README: The web-link router: where `open URL` (no `--to`) sends `url`. `web`: `--web`, the web URL
/// even where the app has a `native` deep link.
///
/// Only the best match routes (identify's order: links, longest URL first, then
/// templates with the most literal text); of its readings only those whose forward
/// expansion gives back the clicked URL. Matches of equal rank whose apps route
/// differently are ambiguous: the fallback browser, and nothing runs.
pub fn route(index: &Index, url: &str, web: bool) -> Route {
    let fallback = |why: String| Route { way: Way::Fallback, url: url.to_owned(), record: None, app_name: None, why };
    let matches = match index.identify(url) {
        Ok(matches) => matches,
        Err(e) => return fallback(format!("not an App URL: {e}")),
    };
    let Ok(clicked) = url::Url::parse(url).map(String::from) else {
        return fallback("not an App URL".to_owned());
    };
    // One template's readings share its rank: invert each template once.
    let mut ranked: Vec<(&crate::index::App, Source, Rank)> = Vec::new();
    let ranks: Vec<Rank> = matches
        .iter()
        .map(|m| {
            if m.source == Source::Template
                && let Some((_, _, r)) = ranked.iter().find(|(a, s, _)| std::ptr::eq(*a, m.app) && *s == m.source)
            {
                return *r;
            }
            let r = rank(index, m);
            ranked.push((m.app, m.source, r));
            r
        })
        .collect();
    let best = ranks.iter().min().copied().expect("identify found at least one match");
    let mut readings = Vec::new();
    let mut refused = Vec::new();
    for (m, _) in matches.iter().zip(&ranks).filter(|(_, r)| **r == best) {
        match gives_back(index, m, &clicked) {
            Some(m) => readings.push(m),
            None => refused.push(describe(m)),
        }
    }
    let with_record = |mut route: Route, m: &Match<'_>| {
        route.record = Some((m.app.id.to_string(), m.id.to_string()));
        route.app_name = index.app_name(m.app).map(str::to_owned);
        route
    };
    let Some(chosen) = readings.first() else {
        let why = format!(
            "the URL reads as {}, but no reading's expansion gives back the clicked URL, so nothing runs",
            refused.join(", ")
        );
        return with_record(fallback(why), &matches[0]);
    };
    let how =
        |m: &Match<'_>| (if web { None } else { index.native(m.app).map(|n| n.as_str()) }, index.open_with(m.app));
    let mut apps: Vec<&Match<'_>> = Vec::new();
    for m in &readings {
        if !apps.iter().any(|a| std::ptr::eq(a.app, m.app)) {
            apps.push(m);
        }
    }
    if apps.iter().any(|m| how(m) != how(chosen)) {
        let names: Vec<String> = apps.iter().map(|m| describe(m)).collect();
        let why = format!(
            "ambiguous: the URL is equally {}, and they open it differently; nothing runs (give one of them a more \
             specific template)",
            names.join(" and ")
        );
        return with_record(fallback(why), chosen);
    }
    let m = chosen;
    let which = describe(m);
    let record = Some((m.app.id.to_string(), m.id.to_string()));
    let app_name = index.app_name(m.app).map(str::to_owned);
    let mut notes = Vec::new();
    if let Some(native) = index.native(m.app) {
        if web {
            notes.push(format!("{which}: `--web` leaves out its `native` link"));
        } else {
            match native.expand_with(m.app.id.as_str(), &m.id, &m.extras) {
                Ok(deep) if carries_only_what_was_clicked(&deep, native.as_str(), url, &clicked) => {
                    let vars: Vec<String> = m.extras.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    let captured = if vars.is_empty() { String::new() } else { format!(", with {}", vars.join(", ")) };
                    return Route {
                        way: Way::Native,
                        url: deep,
                        record,
                        app_name,
                        why: format!("the URL is {which}{captured}; the app's `native` is `{}`", native.as_str()),
                    };
                }
                Ok(deep) => notes.push(format!(
                    "{which}: its `native` link `{deep}` would carry characters the clicked URL does not, so it \
                     was refused"
                )),
                Err(e) => notes.push(format!("{which}: its `native` link was refused: {e}")),
            }
        }
    }
    if let Some(argv) = index.open_with(m.app) {
        return Route {
            way: Way::OpenWith(argv.to_vec()),
            url: clicked,
            record,
            app_name,
            why: format!("the URL is {which}; the app's `open_with` is {argv:?}"),
        };
    }
    if index.native(m.app).is_none() {
        notes.push(format!("{which}: the app has no `native` or `open_with`"));
    }
    with_record(fallback(notes.join("; ")), m)
}

/// How good a match is, smaller first: a link's own `url` (the longer the better),
/// then a template (the more literal text the better).
type Rank = (u8, std::cmp::Reverse<usize>);

fn rank(index: &Index, m: &Match<'_>) -> Rank {
    match m.source {
        Source::Link => (0, std::cmp::Reverse(index.link(m.app, &m.id).and_then(|l| l.url()).map_or(0, str::len))),
        Source::Template => {
            let literal =
                index.template(m.app).and_then(|t| t.inverse(m.app.id.as_str()).ok()).map_or(0, |i| i.literal_len);
            (1, std::cmp::Reverse(literal))
        }
    }
}

fn describe(m: &Match<'_>) -> String {
    let by = if m.source == Source::Link { "a link's `url`" } else { "the app's `url` template" };
    format!("`{}` {} (by {by})", m.app.id, m.id)
}

/// `m` if its forward expansion (the app's `url` with the captured id and variables)
/// gives back `clicked` (canonical), as identify matches: a link's own `url` always
/// does; of what a template captured, only a reading that expands back to the URL.
/// A link whose template reading does not give the URL back keeps no variables.
fn gives_back<'a>(index: &'a Index, m: &Match<'a>, clicked: &str) -> Option<Match<'a>> {
    let expands_back = |extras: &[(Box<str>, String)]| {
        index
            .template(m.app)
            .and_then(|t| t.expand_with(m.app.id.as_str(), &m.id, extras).ok())
            .is_some_and(|forward| same_url(&forward, clicked))
    };
    match m.source {
        Source::Link if m.extras.is_empty() || expands_back(&m.extras) => Some(m.clone()),
        Source::Link => Some(Match { extras: Vec::new(), ..m.clone() }),
        Source::Template => expands_back(&m.extras).then(|| m.clone()),
    }
}

/// Whether `forward` (an expansion) is the clicked URL by identify's rules (README: identify:
/// the clicked URL may carry more query parameters, and a fragment the template has
/// none of), after normalising percent-encoding only where it cannot change what a URL
/// says: hex case, and triplets of characters that have no structural meaning.
fn same_url(forward: &str, clicked: &str) -> bool {
    let (forward, clicked) = (normalise(forward), normalise(clicked));
    crate::url_parts::UrlParts::of(&forward).matched_by(&crate::url_parts::UrlParts::of(&clicked))
}

/// Characters whose `%XX` form and plain form mean the same anywhere in a URL.
fn harmless(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(b, b'-' | b'.' | b'_' | b'~' | b':' | b'@' | b'!' | b'$' | b'\'' | b'(' | b')' | b'*' | b',')
}

fn normalise(url: &str) -> String {
    let bytes = url.as_bytes();
    let mut out = String::with_capacity(url.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (bytes.get(i + 1).and_then(|&b| hex(b)), bytes.get(i + 2).and_then(|&b| hex(b)))
        {
            let b = (h * 16 + l) as u8;
            if harmless(b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
            i += 3;
        } else {
            let len = url[i..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&url[i..i + len]);
            i += len;
        }
    }
    out
}

/// README: The web-link router: a `native` link never carries a character the clicked URL did not. Each
/// character the deep link writes plainly is in the `native` template's own text or
/// plainly in the clicked URL (as given, canonical, or with harmless triplets decoded),
/// so an encoded `%3F` never becomes a `?`; each it writes as `%XX` is one of those or
/// one the clicked URL encoded.
fn carries_only_what_was_clicked(deep: &str, native: &str, given: &str, clicked: &str) -> bool {
    let normalised = normalise(clicked);
    let plain = |c: char| native.contains(c) || given.contains(c) || clicked.contains(c) || normalised.contains(c);
    let decoded: Vec<u8> = percent_encoding::percent_decode_str(clicked).collect();
    let bytes = deep.as_bytes();
    let mut i = 0;
    while i < deep.len() {
        let triplet =
            (bytes[i] == b'%').then(|| deep.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())).flatten();
        match triplet {
            Some(b) => {
                if !(decoded.contains(&b) || native.as_bytes().contains(&b)) {
                    return false;
                }
                i += 3;
            }
            None => {
                let c = deep[i..].chars().next().expect("inside the string");
                if !plain(c) {
                    return false;
                }
                i += c.len_utf8();
            }
        }
    }
    true
}

/// The route as JSON (`/api/v1/route`): `{"route", "url", "app", "id", "app_name",
/// "open_with", "why", "fallback"}`; `fallback` is `[browser] fallback`, if the files give one.
pub fn to_json(index: &Index, route: &Route) -> Value {
    json!({
        "route": route.way.name(),
        "url": route.url,
        "app": route.record.as_ref().map(|r| &r.0),
        "id": route.record.as_ref().map(|r| &r.1),
        "app_name": route.app_name,
        "open_with": match &route.way { Way::OpenWith(argv) => Some(argv), _ => None },
        "why": route.why,
        "fallback": index.browser_fallback().map(|(argv, _, _)| argv),
    })
}

/// A route read back from `to_json` (the daemon's answer), with `[browser] fallback`.
pub fn from_json(value: &Value) -> Option<(Route, Option<Vec<String>>)> {
    let strings = |v: &Value| -> Option<Vec<String>> {
        v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
    };
    let way = match value["route"].as_str()? {
        "native" => Way::Native,
        "open_with" => Way::OpenWith(strings(&value["open_with"]).filter(|a| !a.is_empty())?),
        "fallback" => Way::Fallback,
        _ => return None,
    };
    let record = match (value["app"].as_str(), value["id"].as_str()) {
        (Some(app), Some(id)) => Some((app.to_owned(), id.to_owned())),
        _ => None,
    };
    let route = Route {
        way,
        url: value["url"].as_str()?.to_owned(),
        record,
        app_name: value["app_name"].as_str().map(str::to_owned),
        why: value["why"].as_str().unwrap_or_default().to_owned(),
    };
    Some((route, strings(&value["fallback"]).filter(|a| !a.is_empty())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_expansions_give_back_the_clicked_url_only_when_nothing_structural_was_decoded() {
        let clicked = "https://teams.microsoft.com/l/meetup-join/abc%3Fevil%3D1%26x%23f";
        assert!(!same_url("https://teams.microsoft.com/l/meetup-join/abc?evil=1&x#f", clicked));
        assert!(same_url(clicked, clicked));
        // Hex case and harmless triplets (`%3a` for `:`, `%40` for `@`) are the same URL.
        assert!(same_url("https://t.example/19:m@t/0", "https://t.example/19%3am%40t/0"));
        // Extra parameters and a fragment the template has none of, as identify matches.
        assert!(same_url("https://zoom.us/j/85?pwd=x", "https://zoom.us/j/85?utm_source=chat&pwd=x#top"));
        assert!(!same_url("https://zoom.us/j/85?pwd=x", "https://zoom.us/j/85?pwd=y"));
    }

    #[test]
    fn a_native_link_carries_only_what_was_clicked() {
        let native = "msteams:/l/meetup-join/{+id}";
        let clicked = "https://teams.microsoft.com/l/meetup-join/abc%3Fevil%3D1";
        assert!(carries_only_what_was_clicked("msteams:/l/meetup-join/abc%3Fevil%3D1", native, clicked, clicked));
        assert!(!carries_only_what_was_clicked("msteams:/l/meetup-join/abc?evil=1", native, clicked, clicked));
        let zoom = "zoommtg://zoom.us/join?confno={id}{&pwd}";
        let clicked = "https://zoom.us/j/85?pwd=x";
        assert!(carries_only_what_was_clicked("zoommtg://zoom.us/join?confno=85&pwd=x", zoom, clicked, clicked));
        assert!(!carries_only_what_was_clicked("zoommtg://zoom.us/join?confno=85&pwd=x%0A", zoom, clicked, clicked));
    }
}
