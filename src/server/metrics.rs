//! `/metrics`: the Prometheus text format (prometheus-client). Requests by route and
//! status, request durations, reloads, and what is in force. Labels are a fixed set
//! of route names and status codes, never ids or paths, so the output stays bounded.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

use crate::live::Snapshot;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Request {
    route: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabel {
    route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Build {
    version: &'static str,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<Request, Counter>,
    durations: Family<RouteLabel, Histogram>,
    reloads: Gauge,
    reload_seconds: Gauge<f64, AtomicU64>,
    reload_failures: Gauge,
    links: Gauge,
    records: Gauge,
    apps: Gauge,
    files: Gauge,
    files_with_errors: Gauge,
    errors: Gauge,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("applinkd");
        let requests = Family::<Request, Counter>::default();
        registry.register("requests", "HTTP requests answered, by route and status", requests.clone());
        let durations = Family::<RouteLabel, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.000_01, 4.0, 10))
        });
        registry.register("request_duration_seconds", "Time to answer a request, by route", durations.clone());
        let reloads = Gauge::default();
        registry.register("reloads", "Reloads since the start (a count)", reloads.clone());
        let reload_seconds = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "last_reload_duration_seconds",
            "How long the latest load or reload took",
            reload_seconds.clone(),
        );
        let reload_failures = Gauge::default();
        registry.register(
            "reload_failures",
            "Reloads that left a file with errors (its last good version kept)",
            reload_failures.clone(),
        );
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let g = Gauge::default();
            registry.register(name, help, g.clone());
            g
        };
        let links = gauge(&mut registry, "links", "Distinct (app, id) pairs in force");
        let records = gauge(&mut registry, "records", "Records in force");
        let apps = gauge(&mut registry, "apps", "Applications known");
        let files = gauge(&mut registry, "files", "Link files found");
        let files_with_errors =
            gauge(&mut registry, "files_with_errors", "Link files with errors (syntax, validation or conflicts)");
        let errors = gauge(&mut registry, "errors", "Errors in the link files");
        registry.register("build", "applinkd's version", Info::new(Build { version: env!("CARGO_PKG_VERSION") }));
        Metrics {
            registry,
            requests,
            durations,
            reloads,
            reload_seconds,
            reload_failures,
            links,
            records,
            apps,
            files,
            files_with_errors,
            errors,
        }
    }

    /// Counts one answered request.
    pub fn observe(&self, route: &'static str, status: u16, took: Duration) {
        self.requests.get_or_create(&Request { route, status }).inc();
        self.durations.get_or_create(&RouteLabel { route }).observe(took.as_secs_f64());
    }

    /// The text exposition, with what is in force read from `snapshot`.
    pub fn render(&self, snapshot: &Snapshot) -> String {
        self.reloads.set(snapshot.reload.generation as i64);
        self.reload_seconds.set(snapshot.reload.duration_ms / 1000.0);
        self.reload_failures.set(snapshot.reload.failures as i64);
        self.links.set(snapshot.index.link_count() as i64);
        self.records.set(snapshot.index.records().len() as i64);
        self.apps.set(snapshot.index.apps().len() as i64);
        self.files.set(snapshot.files.len() as i64);
        self.files_with_errors.set(snapshot.files.iter().filter(|f| f.has_errors).count() as i64);
        self.errors.set(snapshot.errors as i64);
        let mut out = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

/// The route a request path belongs to: a fixed set, so labels stay bounded.
pub fn route_of(path: &str) -> &'static str {
    match path {
        "/" => "index",
        "/healthz" => "healthz",
        "/metrics" => "metrics",
        "/show" => "show",
        "/go" => "go",
        _ if path.starts_with("/show/") => "show",
        _ if path.starts_with("/api/v1/resolve") => "api_resolve",
        _ if path.starts_with("/api/v1/show") => "api_show",
        "/api/v1/route" => "api_route",
        _ if path.starts_with("/api/") => "api",
        _ => "redirect",
    }
}
