//! `Router`: which request gets which answer. Checks come first (Host, method,
//! size, encoding); every route only reads the current snapshot.

use std::time::Instant;

use hyper::header::HOST;
use hyper::{Method, Request, Response, StatusCode};

use super::host_guard::HostGuard;
use super::response::{self, Body};
use super::{api, pages};
use crate::live::Live;
use crate::target::{TargetError, decode};

/// Longest request target (path and query) answered, in bytes: a 1024-byte id
/// fully percent-encoded, an App ID and a `?to=` fit.
pub const MAX_TARGET: usize = 4096;

pub struct Router {
    live: std::sync::Arc<Live>,
    guard: HostGuard,
}

/// A request's `/{app}/{id}` after decoding (borrowed from the path when nothing was encoded).
pub struct Pair<'a> {
    pub app: std::borrow::Cow<'a, str>,
    pub id: std::borrow::Cow<'a, str>,
}

pub enum PairError {
    NoId,
    Bad(TargetError),
}

impl Router {
    pub fn new(live: std::sync::Arc<Live>, guard: HostGuard) -> Router {
        Router { live, guard }
    }

    pub fn handle<B>(&self, request: &Request<B>) -> Response<Body> {
        if !tracing::enabled!(tracing::Level::DEBUG) {
            return self.route(request);
        }
        let started = Instant::now();
        let response = self.route(request);
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
            "/" => response::html(StatusCode::OK, pages::index(&snapshot, param(query, "q").as_deref())),
            "/healthz" => response::text(StatusCode::OK, "ok\n"),
            _ if path.starts_with("/api/") => api::route(&snapshot, &path["/api".len()..], query),
            _ => self.redirect(&snapshot, path, query),
        }
    }

    fn redirect(&self, snapshot: &crate::live::Snapshot, path: &str, query: Option<&str>) -> Response<Body> {
        let pair = match split_pair(path) {
            Ok(pair) => pair,
            Err(PairError::NoId) => {
                let message = "A link is /APP/ID, like /mailchimp.com/48616032.";
                return response::html(StatusCode::NOT_FOUND, pages::problem("Not found", message));
            }
            Err(PairError::Bad(e)) => {
                return response::html(StatusCode::BAD_REQUEST, pages::problem("Bad request", &e.to_string()));
            }
        };
        let to = param(query, "to");
        match snapshot.index.resolve(&pair.app, &pair.id, to.as_deref()) {
            Ok(resolution) => response::redirect(&resolution.url),
            Err(not_found) => response::html(status_of(&not_found), pages::not_found(&not_found, &pair.app, &pair.id)),
        }
    }
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
