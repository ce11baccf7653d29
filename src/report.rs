//! JSON shapes shared by the command line and the HTTP API: records, apps, the
//! answers to resolve and show, and the answer for something not found. One shape,
//! two edges: the CLI reading files prints what the daemon's API would answer.

use std::borrow::Cow;

use serde_json::{Value, json};

use crate::identify::{IdentifyError, Unresolved};
use crate::index::{App, Index, Record};
use crate::resolve::{NotFound, Source};
use crate::target::Target;

/// A path as shown: control characters (an ESC that would drive a terminal, a
/// newline that would forge a log line) escaped.
pub fn shown_path(path: &str) -> String {
    if !path.chars().any(char::is_control) {
        return path.to_owned();
    }
    path.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

pub fn record(index: &Index, record: &Record) -> Value {
    let defs: Vec<_> = index
        .record_defs(record)
        .map(|(file, def)| json!({"name": file.record_name(def), "file": file.path, "line": def.at.line}))
        .collect();
    let links: Vec<_> = index
        .record_links(record)
        .map(|link| {
            let resolved = index.resolve(link.app.id.as_str(), link.id(), None);
            json!({
                "app": link.app.id.as_str(),
                "id": link.id(),
                "app_name": link.name().or_else(|| index.app_name(link.app)),
                "url": resolved.as_ref().ok().map(|r| r.url.as_ref()),
                "error": resolved.as_ref().err().map(ToString::to_string),
                "file": link.file.path,
                "line": link.at().line,
            })
        })
        .collect();
    json!({
        "kind": record.kind,
        "name": index.record_name(record),
        "definitions": defs,
        "links": links,
    })
}

pub fn app(index: &Index, app: &App) -> Value {
    let def = index.app_def(app);
    json!({
        "id": app.id.as_str(),
        "name": index.app_name(app),
        "template": index.template(app).map(|t| t.as_str()),
        "native": index.native(app).map(|t| t.as_str()),
        "schemes": index.schemes(app).iter().collect::<Vec<_>>(),
        "formerly": def.map(|d| d.formerly.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>()).unwrap_or_default(),
        "defined": def.is_some(),
    })
}

pub fn not_found(not_found: &NotFound, app: &str, id: &str) -> Value {
    let mut answer = json!({
        "error": {
            "code": not_found.code(),
            "message": not_found.to_string(),
            "app": app,
            "id": id,
            "suggestions": not_found.suggestions(),
        }
    });
    if let NotFound::Conflict { candidates, .. } = not_found {
        answer["error"]["candidates"] = json!(candidates);
    }
    answer
}

/// A question answered with an error: the HTTP status the API gives it, and its
/// `{"error": {...}}` document (`code`, `message`, `suggestions`, and what was asked).
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: u16,
    pub body: Value,
}

impl Problem {
    fn new(status: u16, code: &str, message: String, suggestions: Vec<String>, asked: Value) -> Problem {
        let mut error = json!({ "code": code, "message": message, "suggestions": suggestions });
        if let (Some(error), Value::Object(asked)) = (error.as_object_mut(), asked) {
            error.extend(asked);
        }
        Problem { status, body: json!({ "error": error }) }
    }

    fn not_found(not_found: &NotFound, app: &str, id: &str) -> Problem {
        let status = match not_found {
            NotFound::InvalidId { .. } | NotFound::Refused { .. } => 400,
            NotFound::Conflict { .. } => 409,
            _ => 404,
        };
        Problem { status, body: self::not_found(not_found, app, id) }
    }

    fn unidentified(error: &IdentifyError, url: &str) -> Problem {
        let status = match error {
            IdentifyError::NoMatch { .. } => 404,
            _ => 400,
        };
        let cut_short = matches!(error, IdentifyError::NoMatch { cut_short: true, .. });
        let mut asked = json!({ "url": url });
        if cut_short {
            asked["cut_short"] = json!(true);
        }
        Problem::new(status, error.code(), error.to_string(), error.suggestions(), asked)
    }

    pub fn from_unresolved(error: &Unresolved, url: &str) -> Problem {
        match error {
            Unresolved::Identify(e) => Problem::unidentified(e, url),
            Unresolved::NotFound(e) => {
                let mut problem = Problem::not_found(e, "", "");
                problem.body["error"]["url"] = json!(url);
                problem
            }
        }
    }

    /// The message, for people.
    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }

    pub fn suggestions(&self) -> Vec<String> {
        self.body["error"]["suggestions"]
            .as_array()
            .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }
}

/// `/api/v1/resolve` and `applinkd resolve`: the URL of a target, or of its record in `to`.
pub fn resolve(index: &Index, target: &Target, to: Option<&str>) -> Result<Value, Problem> {
    let resolved = match target {
        Target::Pair(pair) => index
            .resolve(&pair.app, &pair.id, to.or(pair.to.as_deref()))
            .map_err(|e| Problem::not_found(&e, &pair.app, &pair.id))?,
        Target::AppUrl(url) => {
            let Some(to) = to else {
                return Err(Problem::new(
                    400,
                    "needs_to",
                    "an App URL resolves only in another app: give `to`, or show the record".into(),
                    vec!["`applinkd show URL` (or /show?url=URL) shows every link of the record".into()],
                    json!({ "url": url }),
                ));
            };
            index.resolve_url(url, to).map_err(|e| Problem::from_unresolved(&e, url))?
        }
    };
    Ok(serde_json::to_value(&resolved).expect("resolutions serialise"))
}

/// `/api/v1/show` and `applinkd show`: which (app, id) the target is, best first, and
/// the record of the first that a record carries (absent when none does). `more`
/// counts the matches left out, `cut_short` says identify stopped at its budget.
pub fn show(index: &Index, target: &Target) -> Result<Value, Problem> {
    type Shown<'a> = Vec<(&'a App, Cow<'a, str>, Source)>;
    let (matches, more, cut_short): (Shown<'_>, usize, bool) = match target {
        Target::Pair(pair) => {
            let resolved =
                index.resolve(&pair.app, &pair.id, None).map_err(|e| Problem::not_found(&e, &pair.app, &pair.id))?;
            let app = index.app(&pair.app).expect("a resolved app is known");
            (vec![(app, Cow::Owned(pair.id.clone()), resolved.resolution.source)], 0, false)
        }
        Target::AppUrl(url) => {
            let found = index.identification(url).map_err(|e| Problem::unidentified(&e, url))?;
            let (more, cut_short) = (found.more, found.cut_short);
            (found.matches.into_iter().map(|m| (m.app, m.id, m.source)).collect(), more, cut_short)
        }
    };
    let shown: Vec<Value> = matches
        .iter()
        .map(|(app, id, source)| {
            json!({
                "app": app.id.as_str(),
                "id": id,
                "source": source,
                "app_name": index.app_name(app),
                "url": index.resolve(app.id.as_str(), id, None).ok().map(|r| r.url.into_owned()),
            })
        })
        .collect();
    // README: identify: at most 16 matches, and a note when more were left out.
    let mut answer = json!({
        "matches": shown,
        "truncated": more > 0 || cut_short,
        "more": more,
        "cut_short": cut_short,
    });
    if let Some((app, id, link)) = matches.iter().find_map(|(app, id, _)| index.link(app, id).map(|l| (app, id, l))) {
        let mut shown = record(index, index.record_of(&link));
        if let Some(links) = shown["links"].as_array_mut() {
            for link in links {
                let matched = link["app"] == app.id.as_str() && link["id"] == id.as_ref();
                link["matched"] = json!(matched);
            }
        }
        answer["record"] = shown;
    }
    Ok(answer)
}

/// `/api/v1/records` and `applinkd list`: records matching a search, an app and a kind,
/// `limit` of them from `offset` on, and how many match in all.
pub fn records(
    index: &Index,
    query: &str,
    app: Option<&str>,
    kind: Option<crate::parsed_file::Kind>,
    offset: usize,
    limit: usize,
) -> Result<Value, Problem> {
    let app = match app {
        Some(name) => match index.app(name) {
            Some(app) => Some(&app.id),
            None => {
                let not_found = index.resolve(name, "x", None).err().filter(|e| e.code() == "unknown_app");
                let suggestions = not_found.map(|e| e.suggestions()).unwrap_or_default();
                return Err(Problem::new(
                    404,
                    "unknown_app",
                    format!("`{name}` is not an App ID any link file knows"),
                    suggestions,
                    json!({ "app": name }),
                ));
            }
        },
        None => None,
    };
    let matching = index
        .search(query)
        .filter(|r| kind.is_none_or(|k| r.kind == k))
        .filter(|r| app.is_none_or(|a| index.record_links(r).any(|l| l.app.id == *a)));
    let mut total = 0;
    let mut shown = Vec::new();
    for record in matching {
        if total >= offset && shown.len() < limit {
            shown.push(self::record(index, record));
        }
        total += 1;
    }
    Ok(json!({ "total": total, "offset": offset, "records": shown }))
}
