//! Response builders. Every answer carries the same safety headers; pages also
//! a strict Content-Security-Policy (inline CSS only, no scripts, no framing).

use hyper::body::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};

pub type Body = http_body_util::Full<Bytes>;

const PAGE_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn base(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(Body::new(body.into()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// `302 Found` to `url`, which must be a canonical URL (ASCII, as the `url` crate writes it).
/// No body, so no content type: the redirect path is the hot one, and lean.
pub fn redirect(url: &str) -> Response<Body> {
    match HeaderValue::from_str(url) {
        Ok(location) => {
            let mut response = Response::new(Body::new(Bytes::new()));
            *response.status_mut() = StatusCode::FOUND;
            let headers = response.headers_mut();
            headers.insert(header::LOCATION, location);
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
            response
        }
        Err(_) => text(StatusCode::INTERNAL_SERVER_ERROR, "the resolved URL cannot be sent as a header\n"),
    }
}

/// `303 See Other` to a path of the daemon itself (a search that is an App URL).
pub fn see_other(path: &str) -> Response<Body> {
    let mut response = text(StatusCode::SEE_OTHER, "");
    if let Ok(location) = HeaderValue::from_str(path) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// The Prometheus text exposition format.
pub fn metrics(body: String) -> Response<Body> {
    base(StatusCode::OK, "text/plain; version=0.0.4; charset=utf-8", body)
}

pub fn text(status: StatusCode, body: impl Into<String>) -> Response<Body> {
    base(status, "text/plain; charset=utf-8", body.into())
}

pub fn html(status: StatusCode, body: String) -> Response<Body> {
    let mut response = base(status, "text/html; charset=utf-8", body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_POLICY));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

pub fn json(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    let mut body = serde_json::to_vec_pretty(value).expect("JSON values serialise");
    body.push(b'\n');
    base(status, "application/json", body)
}

pub fn method_not_allowed() -> Response<Body> {
    let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD are answered\n");
    response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    response
}
