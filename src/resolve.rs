//! Resolution: (app, id) → URL, exactly as README: identify says. Pure: no I/O, no async.
//!
//! An exact pair with an explicit URL is answered without allocating.

use std::borrow::Cow;

use serde::Serialize;

use crate::index::{App, Candidate, Index, LinkView};
use crate::parsed_file::Kind;
use crate::template::Refusal;
use crate::unique_id::{self, UniqueIdError};

/// A resolved link. Only the URL is computed up front: a redirect needs nothing
/// else, and the rest (names, record) costs memory reads it should not pay for.
#[derive(Clone, Copy)]
pub struct Resolution<'a> {
    index: &'a Index,
    app: &'a App,
    id: &'a str,
    /// The link with the pair, if a file names it.
    link: Option<LinkView<'a>>,
    /// `link` when a link wrote the URL, `template` when the app's template made it.
    pub source: Source,
}

/// A resolution with its URL.
pub struct Resolved<'a> {
    pub url: Cow<'a, str>,
    pub resolution: Resolution<'a>,
}

impl<'a> Resolution<'a> {
    pub fn app(&self) -> &'a str {
        self.app.id.as_str()
    }

    pub fn id(&self) -> &'a str {
        self.id
    }

    pub fn app_name(&self) -> Option<&'a str> {
        self.link.and_then(|l| l.name()).or_else(|| self.index.app_name(self.app))
    }

    /// The record carrying the pair, if any.
    pub fn record(&self) -> Option<RecordSummary<'a>> {
        let record = self.index.record_of(self.link.as_ref()?);
        Some(RecordSummary { kind: record.kind, name: self.index.record_name(record) })
    }

    /// How `open` launches this app's links, when the app says (`open_with`).
    pub fn open_with(&self) -> Option<&'a [String]> {
        self.index.open_with(self.app)
    }
}

impl Serialize for Resolved<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let r = &self.resolution;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("url", &self.url)?;
        map.serialize_entry("app", r.app())?;
        map.serialize_entry("id", r.id())?;
        if let Some(name) = r.app_name() {
            map.serialize_entry("app_name", name)?;
        }
        map.serialize_entry("source", &r.source)?;
        if let Some(record) = r.record() {
            map.serialize_entry("record", &record)?;
        }
        if let Some(open_with) = r.open_with() {
            map.serialize_entry("open_with", open_with)?;
        }
        // What the app allows, so that whoever opens the URL can check it again.
        map.serialize_entry("schemes", &r.index.schemes(r.app).iter().collect::<Vec<_>>())?;
        map.end()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Link,
    Template,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordSummary<'a> {
    pub kind: Kind,
    pub name: &'a str,
}

/// Why nothing was resolved; each says what was looked up and what is close.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotFound {
    #[error("`{app}` is not an App ID any link file knows")]
    UnknownApp {
        app: String,
        /// Known App IDs one or two edits away.
        close: Vec<String>,
        /// Apps where the same id exists.
        same_id_in: Vec<String>,
        /// The id is itself a known App ID: the two words were likely swapped.
        swapped: Option<String>,
    },
    #[error("no link for `{app} {id}`, and `{app}` has no URL template to build one")]
    NoTemplate { app: String, id: String, same_id_in: Vec<String> },
    #[error("`{id}` is not a valid Unique ID: {reason}")]
    InvalidId { id: String, reason: UniqueIdError },
    #[error("refused `{app} {id}`: {reason}")]
    Refused { app: String, id: String, reason: Refusal },
    #[error("no record carries `{app} {id}`, so there is no other application to go to")]
    NoRecord { app: String, id: String },
    #[error(
        "`{app} {id}` is defined differently in {} places; neither applies until they agree{}",
        candidates.len(),
        kinds_hint(app, candidates)
    )]
    Conflict {
        app: String,
        id: String,
        /// Each definition: where it goes, and where it is written.
        candidates: Vec<Candidate>,
    },
    #[error("the {kind} `{record}` has no link to `{to}`")]
    NoLinkTo {
        to: String,
        kind: Kind,
        record: String,
        /// The apps the record does link to.
        has: Vec<String>,
    },
}

/// For a pair on records of different kinds (a person and a company): what to do
/// instead, as `add` and `check` say it (README: Link files).
fn kinds_hint(app: &str, candidates: &[Candidate]) -> String {
    let mut kinds = candidates.iter().filter_map(|c| c.kind);
    let Some(first) = kinds.next() else { return String::new() };
    if kinds.all(|k| k == first) {
        return String::new();
    }
    format!(
        ": a pair names one record; give each kind of object its own App ID, a sub-domain such as \
         `companies.{app}` or `lead.{app}`"
    )
}

impl NotFound {
    /// A stable machine name for `--json` and the API.
    pub fn code(&self) -> &'static str {
        match self {
            NotFound::UnknownApp { .. } => "unknown_app",
            NotFound::NoTemplate { .. } => "no_template",
            NotFound::InvalidId { .. } => "invalid_id",
            NotFound::Refused { .. } => "refused",
            NotFound::NoRecord { .. } => "no_record",
            NotFound::NoLinkTo { .. } => "no_link_to",
            NotFound::Conflict { .. } => "conflict",
        }
    }

    /// What is close to what was looked up, for people.
    pub fn suggestions(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self {
            NotFound::UnknownApp { app, close, same_id_in, swapped } => {
                if let Some(known) = swapped {
                    out.push(format!("the two words may be swapped: the App ID comes first, `{known} {app}`"));
                }
                out.extend(close.iter().map(|a| format!("did you mean `{a}`?")));
                out.extend(same_id_in.iter().map(|a| format!("the same id exists in `{a}`")));
            }
            NotFound::NoTemplate { same_id_in, .. } => {
                out.extend(same_id_in.iter().map(|a| format!("the same id exists in `{a}`")));
            }
            NotFound::Conflict { candidates, .. } => {
                out.extend(candidates.iter().map(|c| format!("candidate: {c}")));
            }
            NotFound::NoLinkTo { has, .. } if !has.is_empty() => {
                out.push(format!(
                    "it links to {}",
                    has.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
                ));
            }
            _ => {}
        }
        out
    }
}

impl Index {
    /// README: identify: the URL of (app, id), optionally of the same record in `to`.
    pub fn resolve<'a>(&'a self, app: &str, id: &'a str, to: Option<&str>) -> Result<Resolved<'a>, NotFound> {
        unique_id::check(id).map_err(|reason| NotFound::InvalidId { id: id.to_owned(), reason })?;
        let Some(known) = self.app(app) else {
            return Err(self.unknown_app(app, id));
        };
        let Some(to) = to else {
            return self.resolve_in(known, id);
        };
        let Some(link) = self.link(known, id) else {
            if let Some(candidates) = self.pair_conflict(known, id) {
                return Err(conflict(known, id, candidates));
            }
            return Err(NotFound::NoRecord { app: known.id.to_string(), id: id.to_owned() });
        };
        self.resolve_other(link, to)
    }

    /// The same record's link in app `to`, resolved.
    pub(crate) fn resolve_other<'a>(&'a self, link: LinkView<'a>, to: &str) -> Result<Resolved<'a>, NotFound> {
        let record = self.record_of(&link);
        let target_app = self.app(to);
        let target = target_app.and_then(|t| self.record_links(record).find(|l| l.app.id == t.id));
        match target {
            Some(target) => self.resolve_link(target),
            None => Err(match target_app.and_then(|t| Some((t, self.conflict_on_record(record, t)?))) {
                // The record's own link to `to` is disputed by another record.
                Some((t, (id, candidates))) => conflict(t, id, candidates),
                None => NotFound::NoLinkTo {
                    to: target_app.map_or_else(|| to.to_ascii_lowercase(), |t| t.id.to_string()),
                    kind: record.kind,
                    record: self.record_name(record).to_owned(),
                    has: self
                        .record_links(record)
                        .map(|l| l.app.id.to_string())
                        .filter(|a| *a != link.app.id.as_str())
                        .collect(),
                },
            }),
        }
    }

    fn resolve_in<'a>(&'a self, app: &'a App, id: &'a str) -> Result<Resolved<'a>, NotFound> {
        if let Some(link) = self.link(app, id) {
            return self.resolve_link(link);
        }
        if let Some(candidates) = self.pair_conflict(app, id).or_else(|| self.app_conflict(app)) {
            return Err(conflict(app, id, candidates));
        }
        match self.template(app) {
            Some(template) => match template.expand(app.id.as_str(), id) {
                Ok(url) => Ok(Resolved {
                    url: Cow::Owned(url),
                    resolution: Resolution { index: self, app, id, link: None, source: Source::Template },
                }),
                Err(reason) => Err(NotFound::Refused { app: app.id.to_string(), id: id.to_owned(), reason }),
            },
            None => Err(NotFound::NoTemplate {
                app: app.id.to_string(),
                id: id.to_owned(),
                same_id_in: self.apps_with_id(id, Some(app)),
            }),
        }
    }

    fn resolve_link<'a>(&'a self, link: LinkView<'a>) -> Result<Resolved<'a>, NotFound> {
        let id = link.id();
        let (url, source) = match link.url() {
            Some(url) => (Cow::Borrowed(url), Source::Link),
            None => {
                if let Some(candidates) = self.app_conflict(link.app) {
                    return Err(conflict(link.app, id, candidates));
                }
                let refused = |reason| NotFound::Refused { app: link.app.id.to_string(), id: id.to_owned(), reason };
                let Some(template) = self.template(link.app) else {
                    return Err(NotFound::NoTemplate {
                        app: link.app.id.to_string(),
                        id: id.to_owned(),
                        same_id_in: Vec::new(),
                    });
                };
                (Cow::Owned(template.expand(link.app.id.as_str(), id).map_err(refused)?), Source::Template)
            }
        };
        Ok(Resolved { url, resolution: Resolution { index: self, app: link.app, id, link: Some(link), source } })
    }

    fn unknown_app(&self, app: &str, id: &str) -> NotFound {
        let lower = app.to_lowercase();
        // Bounded work: no App ID is longer than 253 bytes, and an app whose length
        // differs by more than two cannot be within two edits, so it is not compared.
        let close = self
            .apps()
            .iter()
            .filter(|_| lower.len() <= crate::app_id::MAX_LEN + 2)
            .filter(|a| a.id.as_str().len().abs_diff(lower.len()) <= 2)
            .map(|a| (strsim::damerau_levenshtein(&lower, a.id.as_str()), a.id.as_str()))
            .filter(|&(d, _)| d <= 2)
            .min()
            .map(|(_, a)| a.to_owned())
            .into_iter()
            .collect();
        let swapped = self.app(id).map(|known| known.id.as_str().to_owned());
        NotFound::UnknownApp { app: app.to_owned(), close, same_id_in: self.apps_with_id(id, None), swapped }
    }

    /// Apps where a link with this exact id exists: one lookup per app, never a scan of links.
    fn apps_with_id(&self, id: &str, except: Option<&App>) -> Vec<String> {
        self.apps()
            .iter()
            .filter(|a| except.is_none_or(|e| e.id != a.id))
            .filter(|a| self.link(a, id).is_some())
            .take(5)
            .map(|a| a.id.to_string())
            .collect()
    }
}

fn conflict(app: &App, id: &str, candidates: Vec<Candidate>) -> NotFound {
    NotFound::Conflict { app: app.id.to_string(), id: id.to_owned(), candidates }
}
