//! `Live`: the index in force, swapped whole on every reload, read without locks.
//!
//! A `Reloader` owns the catalog; each reload re-reads only the changed files,
//! builds a new `Snapshot` beside the old one and swaps it in with `arc-swap`.
//! Requests `load()` a snapshot and never wait, and never see a half-built index.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwap;

use crate::catalog::{Catalog, Refresh};
use crate::diagnostic::Diagnostic;
use crate::index::Index;

/// Everything a request may look at, consistent with itself.
pub struct Snapshot {
    pub index: Index,
    pub files: Vec<FileReport>,
    /// Current errors and warnings: finding files, each file's text, combining them.
    pub diagnostics: Vec<Diagnostic>,
    /// How many of `diagnostics` are errors.
    pub errors: usize,
    /// The config paths (files or directories) link files are read from.
    pub roots: Vec<String>,
    pub reload: ReloadReport,
    /// When this daemon made its first snapshot: with `reload.generation`, which starts at
    /// 0 in every process, it tells one daemon's files from a restarted one's.
    pub started: SystemTime,
    /// `/api/v1/origins`, made once per snapshot (the first time it is asked, or by the
    /// reloader right after the swap) and kept: one pass over the links.
    pub origins: std::sync::OnceLock<Arc<serde_json::Value>>,
}

impl Snapshot {
    /// The web origins the link files name, as `/api/v1/origins` answers them.
    pub fn origins(&self) -> Arc<serde_json::Value> {
        self.origins
            .get_or_init(|| {
                let origins = self.index.origins();
                let mut value = serde_json::to_value(&origins).expect("origins serialise");
                value["generation"] = self.reload.generation.into();
                Arc::new(value)
            })
            .clone()
    }
}

/// One link file as the daemon sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileReport {
    pub path: String,
    /// Whether some version of the file is in force (the current one, or its last good one).
    pub applied: bool,
    /// Whether the file has errors: in its text now (then its last good version, if
    /// any, is in force), or a conflict with another file (then the rest of it applies).
    pub has_errors: bool,
    pub errors: usize,
    pub links: usize,
}

/// What the latest reload did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReloadReport {
    /// 0 for the first load, then one more for every reload.
    pub generation: u64,
    #[serde(serialize_with = "rfc3339")]
    pub at: SystemTime,
    pub duration_ms: f64,
    /// Whether the index was patched (files kept their shape) or rebuilt.
    pub patched: bool,
    pub changed: Vec<String>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Reloads since the start that left more errors than before (a file kept its
    /// last good version, or a conflict came).
    pub failures: u64,
}

pub struct Live {
    current: ArcSwap<Snapshot>,
}

impl Live {
    pub fn load(&self) -> arc_swap::Guard<Arc<Snapshot>> {
        self.current.load()
    }
}

/// Owns the catalog; the only writer of `Live`.
pub struct Reloader {
    catalog: Catalog,
    live: Arc<Live>,
    generation: u64,
    failures: u64,
}

impl Reloader {
    /// Loads every file once and makes the first snapshot.
    pub fn start(paths: Vec<PathBuf>) -> Reloader {
        let started = Instant::now();
        let catalog = Catalog::load(paths);
        let snapshot = snapshot(&catalog, None, 0, started.elapsed(), Refresh::default());
        let live = Arc::new(Live { current: ArcSwap::from_pointee(snapshot) });
        crate::memory::release_freed();
        Reloader { catalog, live, generation: 0, failures: 0 }
    }

    pub fn live(&self) -> Arc<Live> {
        self.live.clone()
    }

    /// Re-reads what changed and swaps in a new snapshot (if anything changed).
    pub fn reload(&mut self, touched: &[PathBuf], accept_empty: bool) -> Reloaded {
        let started = Instant::now();
        let refresh = self.catalog.refresh(touched, accept_empty);
        let deferred = !refresh.deferred.is_empty();
        if refresh.is_empty() {
            return Reloaded { deferred, changed: false };
        }
        self.generation += 1;
        // A full `Arc`, not a guard: building takes long, and guards are for short reads.
        let previous = self.live.current.load_full();
        let mut snapshot = snapshot(&self.catalog, Some(&previous.index), self.generation, started.elapsed(), refresh);
        snapshot.started = previous.started;
        if snapshot.errors > previous.errors {
            self.failures += 1;
        }
        snapshot.reload.failures = self.failures;
        let report = snapshot.reload.clone();
        let links = snapshot.index.link_count();
        let errors = snapshot.diagnostics.iter().filter(|d| d.is_error()).count();
        // Log only problems that are new, not every standing one on every reload.
        let before: std::collections::HashSet<String> = previous.diagnostics.iter().map(ToString::to_string).collect();
        let (shown, more) = crate::diagnostic::bounded(&snapshot.diagnostics);
        let mut new: Vec<String> = shown.into_iter().map(ToString::to_string).filter(|d| !before.contains(d)).collect();
        new.extend(crate::diagnostic::more_lines(&more).into_iter().filter(|d| !before.contains(d)));
        let snapshot = Arc::new(snapshot);
        self.live.current.store(snapshot.clone());
        // Made here, off the request workers, before the extension asks for it.
        snapshot.origins();
        drop(snapshot);
        // The old snapshot is freed when its last reader lets go (a request in flight):
        // wait for that (briefly) so that what it held is given back with the rest.
        let deadline = Instant::now() + Duration::from_millis(250);
        while Arc::strong_count(&previous) > 1 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1)); // a deadline-bounded wait for readers
        }
        drop(previous);
        crate::memory::release_freed();
        tracing::info!(
            generation = report.generation,
            reparsed = report.changed.len() + report.added.len(),
            removed = report.removed.len(),
            links,
            errors,
            patched = report.patched,
            ms = format!("{:.1}", started.elapsed().as_secs_f64() * 1000.0),
            "reloaded: {}",
            describe(&report)
        );
        for d in new {
            tracing::warn!("{d}");
        }
        Reloaded { deferred, changed: true }
    }
}

/// What one `Reloader::reload` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reloaded {
    /// A file was deferred as caught mid-save (see `Catalog::refresh`): the caller
    /// reloads again shortly, with `accept_empty`.
    pub deferred: bool,
    /// A file was added, changed or removed: a new snapshot is in force.
    pub changed: bool,
}

fn snapshot(
    catalog: &Catalog,
    previous: Option<&Index>,
    generation: u64,
    parse_time: Duration,
    refresh: Refresh,
) -> Snapshot {
    let started = Instant::now();
    let (index, patched) = match previous {
        Some(previous) => catalog.index_from(previous),
        None => (catalog.index(), false),
    };
    let mut diagnostics: Vec<Diagnostic> = catalog.diagnostics().chain(index.diagnostics()).cloned().collect();
    diagnostics.sort_by(|a, b| a.order().cmp(&b.order()));
    let files = catalog
        .files()
        .iter()
        .map(|f| {
            let path = f.path.display().to_string();
            let errors = crate::diagnostic::errors_in(&f.diagnostics, &path)
                + f.diagnostics.iter().filter(|d| d.is_error() && d.location().file != path).count()
                + crate::diagnostic::errors_in(index.diagnostics(), &path);
            FileReport {
                applied: f.good.is_some(),
                has_errors: errors > 0,
                errors,
                links: f.good.as_ref().map_or(0, |g| g.links.len()),
                path,
            }
        })
        .collect();
    let shown = |paths: Vec<PathBuf>| paths.into_iter().map(|p| p.display().to_string()).collect();
    Snapshot {
        index,
        files,
        errors: diagnostics.iter().filter(|d| d.is_error()).count(),
        roots: catalog.paths().iter().map(|p| p.display().to_string()).collect(),
        diagnostics,
        reload: ReloadReport {
            generation,
            at: SystemTime::now(),
            duration_ms: (parse_time + started.elapsed()).as_secs_f64() * 1000.0,
            patched,
            changed: shown(refresh.changed),
            added: shown(refresh.added),
            removed: shown(refresh.removed),
            failures: 0,
        },
        origins: std::sync::OnceLock::new(),
        started: SystemTime::now(),
    }
}

fn describe(report: &ReloadReport) -> String {
    let mut parts = Vec::new();
    for (word, list) in [("changed", &report.changed), ("added", &report.added), ("removed", &report.removed)] {
        if !list.is_empty() {
            parts.push(format!("{word} {}", list.join(", ")));
        }
    }
    parts.join("; ")
}

fn rfc3339<S: serde::Serializer>(at: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&humantime::format_rfc3339_millis(*at))
}
