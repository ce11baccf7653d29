//! The JSON API under `/api/v1/`: resolve, show, status, apps, records.

use hyper::{Response, StatusCode};
use serde_json::json;

use super::response::{self, Body};
use super::routes::{PairError, param, split_pair, status_of};
use crate::live::Snapshot;
use crate::report;
use crate::target::Target;

/// Records in one `/api/v1/records` answer unless `?limit=` says otherwise.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 10_000;

pub fn route(snapshot: &Snapshot, path: &str, query: Option<&str>) -> Response<Body> {
    let mut response = answer_route(snapshot, path, query);
    // Every answer says how many errors the files have, so that a CLI asking it can warn.
    response.headers_mut().insert(ERRORS_HEADER, snapshot.errors.into());
    response
}

/// The header counting the errors in the daemon's link files.
pub const ERRORS_HEADER: &str = "applinkd-file-errors";

fn answer_route(snapshot: &Snapshot, path: &str, query: Option<&str>) -> Response<Body> {
    match path {
        "/v1/status" => response::json(StatusCode::OK, &status(snapshot)),
        "/v1/apps" => {
            let apps: Vec<_> = snapshot.index.apps().iter().map(|a| report::app(&snapshot.index, a)).collect();
            response::json(StatusCode::OK, &json!({ "apps": apps }))
        }
        "/v1/records" => records(snapshot, query),
        // The browser extension's allow-list (README: "In the browser").
        "/v1/origins" => response::json(StatusCode::OK, &snapshot.origins()),
        "/v1/resolve" | "/v1/show" => match param(query, "url") {
            Some(url) => {
                let target = Target::AppUrl(url);
                answer(if path == "/v1/show" {
                    report::show(&snapshot.index, &target)
                } else {
                    report::resolve(&snapshot.index, &target, param(query, "to").as_deref())
                })
            }
            None => error(StatusCode::BAD_REQUEST, "no_url", &format!("give /api{path}?url=APP_URL")),
        },
        "/v1/route" => match param(query, "url") {
            // README: The web-link router: where `open URL` sends a clicked link (what the CLI asks a daemon).
            Some(url) => {
                let web = param(query, "web").is_some_and(|w| w == "1" || w == "true");
                let route = crate::browser::route(&snapshot.index, &url, web);
                response::json(StatusCode::OK, &crate::browser::to_json(&snapshot.index, &route))
            }
            None => error(StatusCode::BAD_REQUEST, "no_url", "give /api/v1/route?url=URL"),
        },
        _ if path.starts_with("/v1/show/") => match split_pair(&path["/v1/show".len()..]) {
            Ok(pair) => answer(report::show(&snapshot.index, &pair.target())),
            Err(e) => pair_error(e, "/api/v1/show/APP/ID"),
        },
        _ => match path.strip_prefix("/v1/resolve") {
            Some(pair) => resolve(snapshot, pair, query),
            None => error(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such API; see /api/v1/status, /api/v1/resolve/APP/ID, /api/v1/resolve?url=&to=, \
                 /api/v1/show/APP/ID, /api/v1/show?url=, /api/v1/route?url=, /api/v1/apps, /api/v1/records, \
                 /api/v1/origins",
            ),
        },
    }
}

fn answer(answer: Result<serde_json::Value, report::Problem>) -> Response<Body> {
    match answer {
        Ok(value) => response::json(StatusCode::OK, &value),
        Err(problem) => {
            response::json(StatusCode::from_u16(problem.status).unwrap_or(StatusCode::NOT_FOUND), &problem.body)
        }
    }
}

fn pair_error(e: PairError, form: &str) -> Response<Body> {
    match e {
        PairError::NoId => error(StatusCode::NOT_FOUND, "no_id", &format!("give {form}")),
        PairError::Bad(e) => error(StatusCode::BAD_REQUEST, "bad_request", &e.to_string()),
    }
}

fn resolve(snapshot: &Snapshot, path: &str, query: Option<&str>) -> Response<Body> {
    let pair = match split_pair(path) {
        Ok(pair) => pair,
        Err(e) => return pair_error(e, "/api/v1/resolve/APP/ID"),
    };
    match snapshot.index.resolve(&pair.app, &pair.id, param(query, "to").as_deref()) {
        Ok(resolution) => {
            response::json(StatusCode::OK, &serde_json::to_value(&resolution).expect("resolutions serialise"))
        }
        Err(not_found) => response::json(status_of(&not_found), &report::not_found(&not_found, &pair.app, &pair.id)),
    }
}

fn records(snapshot: &Snapshot, query: Option<&str>) -> Response<Body> {
    let number = |name: &str| param(query, name).and_then(|l| l.parse().ok());
    let limit = number("limit").unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);
    let kind = match param(query, "kind") {
        Some(kind) => match crate::parsed_file::Kind::from_key(&kind) {
            Some(kind) => Some(kind),
            None => return error(StatusCode::BAD_REQUEST, "bad_kind", "kind is person, company or project"),
        },
        None => None,
    };
    answer(report::records(
        &snapshot.index,
        &param(query, "q").unwrap_or_default(),
        param(query, "app").as_deref(),
        kind,
        number("offset").unwrap_or(0),
        limit,
    ))
}

fn status(snapshot: &Snapshot) -> serde_json::Value {
    let (shown, more) = crate::diagnostic::bounded(&snapshot.diagnostics);
    let errors = snapshot.diagnostics.iter().filter(|d| d.is_error()).count();
    json!({
        "ok": errors == 0,
        "generation": snapshot.reload.generation,
        "started": humantime::format_rfc3339_millis(snapshot.started).to_string(),
        "files": snapshot.files,
        "apps": snapshot.index.apps().len(),
        "records": snapshot.index.records().len(),
        "links": snapshot.index.link_count(),
        "errors": errors,
        "warnings": snapshot.diagnostics.len() - errors,
        "diagnostics": shown,
        "omitted": more.iter().map(|(file, n)| json!({ "file": file, "count": n })).collect::<Vec<_>>(),
        "last_reload": snapshot.reload,
    })
}

fn error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    response::json(status, &json!({ "error": { "code": code, "message": message } }))
}
