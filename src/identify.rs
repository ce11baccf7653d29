//! Identify (README: identify, reverse resolution): an App URL → every (app, id) it is, best
//! first: links whose `url` it is, then apps whose template could have made it, the
//! template with the most literal text first. Pure: no I/O, no async; beside
//! `resolve`, on the same index, and agreeing with it: identify(resolve(app, id))
//! holds (app, id).
//!
//! The lookups it uses, link URLs by origin and path and templates' inverses by
//! origin, are the index's (`index::Reverse`).

use std::borrow::Cow;

use crate::index::{App, Index, url_key};
use crate::link_url::LinkUrlError;
use crate::resolve::{NotFound, Resolved, Source};
use crate::template::{PER_TEMPLATE, Reading, Work};
use crate::url_parts::UrlParts;

/// What an answer adds when identify stopped at its work budget.
pub const CUT_SHORT_NOTE: &str =
    " (identify was cut short: its templates can cut this URL in too many ways to try them all)";

/// Longest App URL identified, in bytes (README: identify's bad input: "over 8 KiB").
pub const MAX_URL: usize = 8 * 1024;

/// Most matches in one answer (README: identify); the answer says how many more there were.
pub const MAX_MATCHES: usize = 16;

/// What one identify found: the matches shown, best first, and what was left out.
pub struct Identification<'a> {
    pub matches: Vec<Match<'a>>,
    /// Matches beyond `MAX_MATCHES`, left out.
    pub more: usize,
    /// The work budget ran out: some templates were not tried to the end, and the
    /// URL may be more than `matches` say.
    pub cut_short: bool,
}

impl<'a> Identification<'a> {
    /// Whether the answer is not everything: matches were left out, or the search was cut short.
    pub fn truncated(&self) -> bool {
        self.more > 0 || self.cut_short
    }

    fn add(&mut self, found: Match<'a>) {
        if self.matches.len() < MAX_MATCHES {
            self.matches.push(found);
        } else {
            self.more += 1;
        }
    }

    /// A template's reading: a new match, or what else the URL gave to a link's match.
    fn add_reading(&mut self, app: &'a App, reading: Reading) {
        match self.matches.iter_mut().find(|m| std::ptr::eq(m.app, app) && m.id == reading.id) {
            // A link's URL matched first; the template still says what else the URL gave.
            Some(m) if m.extras.is_empty() => m.extras = reading.extras,
            Some(_) => {}
            None => {
                self.add(Match { app, id: Cow::Owned(reading.id), source: Source::Template, extras: reading.extras })
            }
        }
    }
}

/// One (app, id) an App URL is.
#[derive(Clone)]
pub struct Match<'a> {
    pub app: &'a App,
    pub id: Cow<'a, str>,
    /// `link` when a link's `url` matched, `template` when the app's template did.
    pub source: Source,
    /// The template's other variables the URL gave (`pwd` of a Zoom link), for the
    /// app's `native` deep link (README: The web-link router).
    pub extras: Vec<(Box<str>, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifyError {
    #[error("the URL is {0} bytes long; at most {MAX_URL} are identified")]
    TooLong(usize),
    #[error(transparent)]
    Url(#[from] LinkUrlError),
    #[error("no link or app template matches `{url}`{}", if *cut_short { CUT_SHORT_NOTE } else { "" })]
    NoMatch {
        url: String,
        /// Apps whose templates are on the same origin, and what they look like.
        close: Vec<String>,
        /// The work budget ran out before every template was tried.
        cut_short: bool,
    },
}

impl IdentifyError {
    /// A stable machine name for `--json` and the API.
    pub fn code(&self) -> &'static str {
        match self {
            IdentifyError::TooLong(_) | IdentifyError::Url(_) => "bad_url",
            IdentifyError::NoMatch { .. } => "no_match",
        }
    }

    pub fn suggestions(&self) -> Vec<String> {
        match self {
            IdentifyError::NoMatch { close, .. } => close.clone(),
            _ => Vec::new(),
        }
    }
}

/// Why an App URL could not be resolved in another app.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unresolved {
    #[error(transparent)]
    Identify(#[from] IdentifyError),
    #[error(transparent)]
    NotFound(#[from] NotFound),
}

/// `url` parsed and canonicalised (WHATWG: case, default port, IDNA), refusing the
/// schemes a link may never have, as a link's `url` is checked.
fn canonical(url: &str) -> Result<url::Url, LinkUrlError> {
    let Some(scheme) = crate::scheme::of(url) else {
        return Err(LinkUrlError::NotAbsolute(url.to_owned()));
    };
    crate::scheme::check(scheme)?;
    url::Url::parse(url).map_err(|reason| LinkUrlError::Invalid { url: url.to_owned(), reason })
}

impl Index {
    /// README: identify: every (app, id) that `url` is, best first, at most `MAX_MATCHES`. An
    /// error when `url` is not a usable absolute URL, or when nothing matches (then it
    /// says what is close).
    pub fn identify(&self, url: &str) -> Result<Vec<Match<'_>>, IdentifyError> {
        self.identification(url).map(|found| found.matches)
    }

    /// `identify`, with what the answer left out: the bounded matcher every identify
    /// goes through (README: identify, "Identify is bounded"). Links whose `url` it is come
    /// first; then, for each template (most literal text first), its readings that a
    /// record carries, or else its one best reading. All within one `Work` budget.
    pub fn identification(&self, url: &str) -> Result<Identification<'_>, IdentifyError> {
        if url.len() > MAX_URL {
            return Err(IdentifyError::TooLong(url.len()));
        }
        let canonical = canonical(url)?;
        let canonical = canonical.as_str();
        let parts = UrlParts::of(canonical);
        let reverse = self.reverse();
        let mut found = Identification { matches: Vec::new(), more: 0, cut_short: false };
        let mut links: Vec<Match<'_>> = Vec::new();
        for param in std::iter::once("").chain(parts.params()) {
            for &entry in reverse.urls.iter_hash(url_key(&parts, param)) {
                let Some(link_url) = self.entry_url(entry) else { continue };
                if UrlParts::of(link_url).matched_by(&parts) {
                    let link = self.entry_link(entry);
                    if !links.iter().any(|m| std::ptr::eq(m.app, link.app) && m.id == link.id()) {
                        links.push(Match {
                            app: link.app,
                            id: Cow::Borrowed(link.id()),
                            source: Source::Link,
                            extras: Vec::new(),
                        });
                    }
                }
            }
        }
        // The most specific link first: the longest URL; among equals, in file order
        // (not the hash table's, which depends on the order of reloads).
        links.sort_by_cached_key(|m| {
            let link = self.link(m.app, &m.id);
            let len = link.and_then(|l| l.url()).map_or(0, str::len);
            (std::cmp::Reverse(len), link.map(|l| (l.file.path.clone(), l.at().line, l.at().column)))
        });
        for link in links {
            found.add(link);
        }
        let mut work = Work::default();
        if let Some(positions) = reverse.by_origin.get(parts.origin) {
            for &n in positions {
                if work.cut_short() {
                    // The budget is spent: the templates not tried may have matched.
                    found.cut_short = true;
                    break;
                }
                let (app, inverse) = &reverse.templates[n as usize];
                let app = self.app_at(*app);
                let mut share = work.share(PER_TEMPLATE);
                let readings = inverse.readings_within(canonical, &parts, &mut share);
                found.cut_short |= share.cut_short();
                work.settle(share);
                // Of one template's readings, those a record carries; else its best.
                let carried: Vec<_> = readings.iter().filter(|r| self.link(app, &r.id).is_some()).cloned().collect();
                let chosen = if carried.is_empty() { readings.into_iter().take(1).collect() } else { carried };
                for reading in chosen {
                    found.add_reading(app, reading);
                }
            }
        }
        if found.matches.is_empty() {
            return Err(IdentifyError::NoMatch {
                url: url.to_owned(),
                close: self.close_to(&parts),
                cut_short: found.cut_short,
            });
        }
        Ok(found)
    }

    /// `resolve(identify(url), to = to)`: the record an App URL is, in app `to`. The
    /// first match whose record links to `to` wins; else the first match's answer.
    pub fn resolve_url<'a>(&'a self, url: &str, to: &str) -> Result<Resolved<'a>, Unresolved> {
        let matches = self.identify(url)?;
        let mut first_failure = None;
        for m in &matches {
            let answer = match self.link(m.app, &m.id) {
                Some(link) => self.resolve_other(link, to),
                None => Err(NotFound::NoRecord { app: m.app.id.to_string(), id: m.id.to_string() }),
            };
            match answer {
                Ok(resolved) => return Ok(resolved),
                Err(not_found) => {
                    first_failure.get_or_insert(not_found);
                }
            }
        }
        Err(Unresolved::NotFound(first_failure.expect("identify found at least one match")))
    }

    /// For a URL nothing matched: the templates on its origin (its path did not fit
    /// them), else apps on the same host with another scheme or port.
    fn close_to(&self, parts: &UrlParts<'_>) -> Vec<String> {
        let reverse = self.reverse();
        let host = |origin: &str| origin.split_once("://").map(|(_, h)| h.split(':').next().unwrap_or(h).to_owned());
        let wanted = host(parts.origin);
        let mut close = Vec::new();
        for (origin, positions) in &reverse.by_origin {
            let same_origin = **origin == *parts.origin;
            if !same_origin && (wanted.is_none() || host(origin) != wanted) {
                continue;
            }
            for &n in positions {
                let app = self.app_at(reverse.templates[n as usize].0);
                if let Some(template) = self.template(app) {
                    close.push(format!("`{}` makes URLs like `{}`", app.id, template.as_str()));
                }
            }
        }
        close.sort();
        close.truncate(5);
        close
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;

    fn examples() -> Catalog {
        Catalog::load(vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")])
    }

    fn pairs(index: &Index, url: &str) -> Vec<(String, String)> {
        match index.identify(url) {
            Ok(matches) => matches.iter().map(|m| (m.app.id.to_string(), m.id.to_string())).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// identify(resolve(app, id)) holds (app, id): for every link of the examples,
    /// and for generated ids in every templated app, ids with `/`, `%`, spaces,
    /// non-ASCII, `?`, `#` and the rest of printable ASCII among them (where a
    /// reserved expansion makes such an id ambiguous, the app with its best reading).
    #[test]
    fn identify_inverts_resolve() {
        let index = examples().index();
        let index = &index;
        let mut checked = 0;
        for record in index.records() {
            for link in index.record_links(record) {
                let url = index.resolve(link.app.id.as_str(), link.id(), None).unwrap().url.into_owned();
                let found = pairs(index, &url);
                assert!(found.contains(&(link.app.id.to_string(), link.id().to_owned())), "{url}: {found:?}");
                checked += 1;
            }
        }
        assert!(checked >= 8);
        let pool: Vec<char> = (0x20u8..0x7f).map(char::from).chain(['é', '😀', 'ß', 'Ω']).collect();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for app in index.apps().iter().filter(|a| index.template(a).is_some()) {
            let mut resolved = 0;
            for _ in 0..2000 {
                let len = 1 + next() as usize % 10;
                let id: String = (0..len).map(|_| pool[next() as usize % pool.len()]).collect();
                if crate::unique_id::check(&id).is_err() {
                    continue;
                }
                let Ok(resolution) = index.resolve(app.id.as_str(), &id, None) else { continue };
                let url = resolution.url.into_owned();
                let found = pairs(index, &url);
                // A `{+id}` URL with `%XX`, `?` or `#` has several readings; without a
                // record that carries one, the answer holds the template's best (README: identify).
                let reserved = index.template(app).is_some_and(|t| t.as_str().contains(['+', '#']));
                let ambiguous = reserved && id.contains(['%', '?', '#']);
                let exact = found.contains(&(app.id.to_string(), id.clone()));
                assert!(
                    exact || ambiguous && found.iter().any(|(a, _)| *a == app.id.as_str()),
                    "{} {id:?} → {url}: {found:?}",
                    app.id
                );
                resolved += 1;
            }
            assert!(resolved > 1000, "{}: only {resolved} ids resolved", app.id);
        }
    }

    #[test]
    fn explicit_links_rank_before_templates() {
        let index = examples().index();
        let found = pairs(&index, "https://github.com/ada?tab=repositories#x");
        assert_eq!(found[0], ("github.com".into(), "ada".into()));
        let matches = index.identify("https://github.com/ada").unwrap();
        assert_eq!(matches[0].source, Source::Link);
        assert_eq!(matches.len(), 1, "the template's match is the same pair");
    }

    fn index_of(text: &str) -> Index {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("links.toml"), text).unwrap();
        Catalog::load(vec![dir.path().join("links.toml")]).index()
    }

    /// Issue 18: six `%XX` runs give a `{+id}` template 64 readings; each app answers
    /// its best, and an answer holds at most 16 matches and says how many it left out.
    #[test]
    fn answers_hold_at_most_16_matches_and_count_the_rest() {
        let mut text = String::new();
        for n in 0..40 {
            text.push_str(&format!("[apps.\"a{n}.example\"]\nurl = \"https://h.example/{{+id}}\"\n"));
        }
        text.push_str("[[person]]\nname = \"Ada\"\nlinks = [{ app = \"a0.example\", id = \"x%20y z\" }]\n");
        let index = index_of(&text);
        let found = index.identification("https://h.example/x%20y%20z%20%20%20%20").unwrap();
        assert_eq!(found.matches.len(), MAX_MATCHES);
        assert_eq!(found.more, 40 - MAX_MATCHES);
        assert!(!found.cut_short);
        let found = index.identification("https://h.example/x%20y%20z").unwrap();
        let shown: Vec<(&str, &str)> = found.matches.iter().map(|m| (m.app.id.as_str(), m.id.as_ref())).collect();
        assert_eq!(shown[0], ("a0.example", "x%20y z"), "the reading its record carries, not the best");
        assert_eq!(shown[1], ("a1.example", "x y z"), "the best reading of the next template");
        assert_eq!(shown.len() + found.more, 40, "one reading per template: {shown:?}");
    }

    /// What the daemon answers on a runtime worker is what takes a redirect's work:
    /// ordinary URLs; URLs cut every way go to the blocking pool (`server`).
    #[test]
    fn ordinary_urls_identify_within_a_redirects_work() {
        let index = examples().index();
        let short = |index: &Index, url: &str| !crate::template::within(20_000, || index.identification(url).is_ok()).1;
        assert!(short(&index, "https://github.com/ada?tab=repositories"));
        assert!(short(&index, "https://acme.zendesk.com/agent/users/991"));
        assert!(short(&index, "https://unknown.example/x"), "nothing to try");
        let index = index_of("[apps.\"d.example\"]\nurl = \"https://h.example/{id}.{id}.{id}\"\n");
        let url = format!("https://h.example/{}", "a.".repeat(3000));
        assert!(!short(&index, &url));
        let Err(IdentifyError::NoMatch { cut_short: true, .. }) = index.identification(&url) else {
            panic!("the answer says it was cut short");
        };
    }

    #[test]
    fn bad_and_unknown_urls() {
        let index = examples().index();
        let index = &index;
        for url in ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "/agent/users/991", "zendesk"] {
            assert!(matches!(index.identify(url), Err(IdentifyError::Url(_))), "{url}");
        }
        let long = format!("https://acme.zendesk.com/agent/users/{}", "9".repeat(MAX_URL));
        assert!(matches!(index.identify(&long), Err(IdentifyError::TooLong(_))));
        assert!(matches!(index.identify("https://unknown.example/x"), Err(IdentifyError::NoMatch { .. })));
        let Err(IdentifyError::NoMatch { close, .. }) = index.identify("https://acme.zendesk.com/agent/tickets/5")
        else {
            panic!("a path no template fits matches nothing");
        };
        assert!(close[0].contains("zendesk.com"), "{close:?}");
        // An id that is not a valid Unique ID never matches.
        assert!(index.identify("https://acme.zendesk.com/agent/users/%0A").is_err());
    }
}
