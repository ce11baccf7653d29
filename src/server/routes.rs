//! `Router`: which request gets which answer. Checks come first (Host, method,
//! size, encoding); every route only reads the current snapshot.

use std::time::Instant;

use hyper::header::HOST;
use hyper::{Method, Request, Response, StatusCode};

use super::host_guard::HostGuard;
use super::response::{self, Body};
use super::{api, pages};
use crate::identify::Unresolved;
use crate::live::Live;
use crate::report;
use crate::target::{Pair as TargetPair, Target, TargetError, decode};

/// Longest request target (path and query) answered, in bytes: a 1024-byte id
/// fully percent-encoded, an App ID and a `?to=` fit, and so does an App URL of up to
/// 8 KiB (what identify takes) in `/show?url=` or `/go?url=` as applinkd's own clients
/// encode it (only what a query value must: `%XX` becomes `%25XX`), even one made
/// of `%XX` alone; the whole head stays within `MAX_HEAD` (16 KiB).
pub const MAX_TARGET: usize = 15 * 1024;

pub struct Router {
    live: std::sync::Arc<Live>,
    guard: HostGuard,
    metrics: super::metrics::Metrics,
    proof: Option<std::sync::Arc<crate::proof::Secret>>,
}

/// A request's `/{app}/{id}` after decoding (borrowed from the path when nothing was encoded).
pub struct Pair<'a> {
    pub app: std::borrow::Cow<'a, str>,
    pub id: std::borrow::Cow<'a, str>,
}

impl Pair<'_> {
    pub fn target(&self) -> Target {
        Target::Pair(TargetPair { app: self.app.to_string(), id: self.id.to_string(), to: None })
    }
}

pub enum PairError {
    NoId,
    Bad(TargetError),
}

impl Router {
    pub fn new(live: std::sync::Arc<Live>, guard: HostGuard) -> Router {
        Router { live, guard, metrics: super::metrics::Metrics::new(), proof: None }
    }

    /// The secret `/api/v1/proof` proves with.
    pub fn with_proof(self, proof: Option<std::sync::Arc<crate::proof::Secret>>) -> Router {
        Router { proof, ..self }
    }

    /// The answer, if it takes no more than a redirect's work: an identify that needs
    /// more (an App URL its templates can cut many ways) gives `None`, and the request
    /// is to be handled again off the runtime's workers (README: identify: a redirect never
    /// waits behind it). Identify is pure: the second answer is the whole one.
    pub fn handle_inline<B>(&self, request: &Request<B>) -> Option<Response<Body>> {
        let started = Instant::now();
        let (response, too_long) = crate::template::within(INLINE_IDENTIFY, || self.route(request));
        if too_long {
            return None;
        }
        Some(self.observed(request, response, started))
    }

    pub fn handle<B>(&self, request: &Request<B>) -> Response<Body> {
        let started = Instant::now();
        let response = self.route(request);
        self.observed(request, response, started)
    }

    /// Counts the answer in the metrics (and logs it at debug level).
    fn observed<B>(&self, request: &Request<B>, response: Response<Body>, started: Instant) -> Response<Body> {
        let route = super::metrics::route_of(request.uri().path());
        self.metrics.observe(route, response.status().as_u16(), started.elapsed());
        if !tracing::enabled!(tracing::Level::DEBUG) {
            return response;
        }
        tracing::debug!(
            method = %request.method(),
            target = %request.uri(),
            status = response.status().as_u16(),
            us = started.elapsed().as_micros() as u64,
            "request"
        );
        response
    }

    fn route<B>(&self, request: &Request<B>) -> Response<Body> {
        let host = request.headers().get(HOST).and_then(|h| h.to_str().ok());
        let authority = request.uri().authority().map(|a| a.as_str());
        let host_ok = host.is_some_and(|h| self.guard.allows(h)) && authority.is_none_or(|a| self.guard.allows(a));
        if !host_ok {
            return response::text(StatusCode::FORBIDDEN, self.guard.explain());
        }
        if request.method() != Method::GET && request.method() != Method::HEAD {
            return response::method_not_allowed();
        }
        let uri = request.uri();
        if uri.path_and_query().map_or(0, |p| p.as_str().len()) > MAX_TARGET {
            return response::text(
                StatusCode::BAD_REQUEST,
                format!("the request target is longer than {MAX_TARGET} bytes\n"),
            );
        }
        let path = uri.path();
        let query = uri.query();
        let snapshot = self.live.load();
        match path {
            "/" => match param(query, "q") {
                // An App URL in the search box: its record.
                Some(q) if matches!(Target::parse(std::slice::from_ref(&q), ""), Ok(Target::AppUrl(_))) => {
                    response::see_other(&format!("/show?url={}", encode(&q)))
                }
                q => response::html(StatusCode::OK, pages::index(&snapshot, q.as_deref(), &origin(host))),
            },
            "/healthz" => response::text(StatusCode::OK, "ok\n"),
            "/metrics" => response::metrics(self.metrics.render(&snapshot)),
            "/show" => match param(query, "url") {
                Some(url) => show_page(&snapshot, &Target::AppUrl(url)),
                None => response::html(
                    StatusCode::BAD_REQUEST,
                    pages::problem("Bad request", "Give the App URL to show: /show?url=https://…"),
                ),
            },
            "/go" => go(&snapshot, query),
            "/api/v1/proof" => super::proof::answer(
                self.proof.as_deref(),
                request.extensions().get::<super::proof::Reached>(),
                param(query, "nonce").as_deref(),
            ),
            _ if path.starts_with("/show/") => match split_pair(&path["/show".len()..]) {
                Ok(pair) => show_page(&snapshot, &pair.target()),
                Err(e) => pair_problem(e),
            },
            _ if path.starts_with("/api/") => api::route(&snapshot, &path["/api".len()..], query),
            _ => self.redirect(&snapshot, path, query),
        }
    }

    fn redirect(&self, snapshot: &crate::live::Snapshot, path: &str, query: Option<&str>) -> Response<Body> {
        let pair = match split_pair(path) {
            Ok(pair) => pair,
            Err(e) => return pair_problem(e),
        };
        let to = param(query, "to");
        match snapshot.index.resolve(&pair.app, &pair.id, to.as_deref()) {
            Ok(resolution) => response::redirect(&resolution.url),
            Err(not_found) => not_found_page(&not_found, &pair.app, &pair.id),
        }
    }
}

/// What a redirect route answers when it cannot redirect: `300 Multiple Choices`
/// listing the candidates of a conflict, else the not-found page (`404` or `400`).
fn not_found_page(not_found: &crate::resolve::NotFound, app: &str, id: &str) -> Response<Body> {
    if let crate::resolve::NotFound::Conflict { candidates, .. } = not_found {
        return response::html(StatusCode::MULTIPLE_CHOICES, pages::conflict(not_found, candidates));
    }
    response::html(status_of(not_found), pages::not_found(not_found, app, id))
}

/// The page for a path that is not `/APP/ID`.
fn pair_problem(error: PairError) -> Response<Body> {
    match error {
        PairError::NoId => {
            let message = "A link is /APP/ID, like /mailchimp.com/48616032.";
            response::html(StatusCode::NOT_FOUND, pages::problem("Not found", message))
        }
        PairError::Bad(e) => response::html(StatusCode::BAD_REQUEST, pages::problem("Bad request", &e.to_string())),
    }
}

/// `/show?url=U` and `/show/APP/ID`: the record page, or why there is none.
fn show_page(snapshot: &crate::live::Snapshot, target: &Target) -> Response<Body> {
    let url = match target {
        Target::AppUrl(url) => Some(url.as_str()),
        Target::Pair(_) => None,
    };
    match report::show(&snapshot.index, target) {
        Ok(answer) => response::html(StatusCode::OK, pages::record(&answer, url)),
        Err(problem) => problem_page(&problem, url, &[]),
    }
}

/// `/go?url=U&to=APP`: `302` to the record of App URL U in APP.
fn go(snapshot: &crate::live::Snapshot, query: Option<&str>) -> Response<Body> {
    let (Some(url), Some(to)) = (param(query, "url"), param(query, "to")) else {
        let message = "Give the App URL and the app to go to: /go?url=https://…&to=APP";
        return response::html(StatusCode::BAD_REQUEST, pages::problem("Bad request", message));
    };
    match snapshot.index.resolve_url(&url, &to) {
        Ok(resolved) => response::redirect(&resolved.url),
        Err(Unresolved::NotFound(not_found @ crate::resolve::NotFound::Conflict { .. })) => {
            not_found_page(&not_found, "", "")
        }
        Err(error) => {
            // The record links elsewhere: each other app is a link to try.
            let others: Vec<(String, String)> = match &error {
                Unresolved::NotFound(crate::resolve::NotFound::NoLinkTo { has, .. }) => has
                    .iter()
                    .map(|app| (format!("/go?url={}&to={}", encode(&url), encode(app)), format!("go to {app}")))
                    .collect(),
                _ => Vec::new(),
            };
            problem_page(&report::Problem::from_unresolved(&error, &url), Some(&url), &others)
        }
    }
}

fn problem_page(problem: &report::Problem, url: Option<&str>, links: &[(String, String)]) -> Response<Body> {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::NOT_FOUND);
    let title = if status == StatusCode::NOT_FOUND { "Not found" } else { "Bad request" };
    response::html(status, pages::problem_with(title, problem.message(), url, &problem.suggestions(), links))
}

/// `http://HOST`, the daemon as the client reached it (the Host guard passed it).
fn origin(host: Option<&str>) -> String {
    format!("http://{}", host.unwrap_or("127.0.0.1"))
}

/// A query parameter's value, form-encoded.
pub fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Whether a path's answer scans every record (the index and its search, record
/// lists, status, metrics): those run on the blocking pool, not a runtime worker.
pub fn scans(path: &str) -> bool {
    matches!(path, "/" | "/api/v1/records" | "/api/v1/status" | "/api/v1/apps" | "/api/v1/origins" | "/metrics")
}

/// Work an identify may take on a runtime worker: what an ordinary App URL takes (a few
/// thousand units, microseconds), far from the whole budget (`template::PER_IDENTIFY`).
const INLINE_IDENTIFY: u32 = 20_000;

/// Whether a path's answer may identify an App URL (`?url=`).
pub fn identifies(path: &str) -> bool {
    matches!(path, "/show" | "/go" | "/api/v1/show" | "/api/v1/resolve" | "/api/v1/route")
}

/// `/{app}/{id}`: the id is everything after the first segment, percent-decoded once.
pub fn split_pair(path: &str) -> Result<Pair<'_>, PairError> {
    let rest = path.strip_prefix('/').unwrap_or(path);
    let (app, id) = rest.split_once('/').ok_or(PairError::NoId)?;
    if id.is_empty() {
        return Err(PairError::NoId);
    }
    Ok(Pair { app: decode(app).map_err(PairError::Bad)?, id: decode(id).map_err(PairError::Bad)? })
}

/// Not found is `404`; an id that can never be valid, or whose expansion is
/// refused, is the request's fault: `400`.
pub fn status_of(not_found: &crate::resolve::NotFound) -> StatusCode {
    match not_found {
        crate::resolve::NotFound::InvalidId { .. } | crate::resolve::NotFound::Refused { .. } => {
            StatusCode::BAD_REQUEST
        }
        crate::resolve::NotFound::Conflict { .. } => StatusCode::CONFLICT,
        _ => StatusCode::NOT_FOUND,
    }
}

/// The first value of a query parameter (form-decoded, so lenient: it is only a hint).
pub fn param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
}
