//! Watcher: file system events → `Reloader::reload`, on a thread of its own.
//!
//! Watches each config directory recursively, and the parent directory of each
//! config file (editors replace files by rename, so the file's own watch would
//! die with it). Events are only hints: the catalog decides what changed by
//! looking at the files, which also covers symlink swaps such as a Kubernetes
//! ConfigMap's `..data`. Never touches the index itself.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, new_debouncer};

use crate::live::Reloader;

/// Quiet time after the last event before a reload: short enough to feel instant,
/// long enough to fold an editor's rename-and-write into one reload.
pub const DEBOUNCE: Duration = Duration::from_millis(30);

/// How long a file that reads empty mid-save may take to get its new text (by default:
/// `serve --empty-grace-ms`, hidden, lets tests wait on events instead of racing it).
pub const EMPTY_GRACE: Duration = Duration::from_millis(250);

/// How long after a reload that changed something the files are looked at once more,
/// whatever the events say: by then every event that was waiting in the debouncer at
/// that reload has been sent or folded (one debounce, a tick of a quarter of it, and
/// room). The debouncer folds a file made and removed within one debounce into no
/// event at all, which is right for a reader that sees the files only when events
/// come; but a reload that another event caused looks at every file, and may have
/// taken the new file in already: without this look, it stayed in force after its
/// removal (reload::a_file_removed_while_its_creation_is_debounced_is_removed).
pub const SETTLE: Duration = Duration::from_millis(2 * DEBOUNCE.as_millis() as u64);

/// The watcher's timed work: a file read empty mid-save waits for its grace, and a
/// reload that changed something is followed by one look after `SETTLE`.
#[derive(Debug, Default)]
struct Pending {
    /// Set when a file read empty mid-save: read it again when its grace is over.
    deferred_until: Option<Instant>,
    /// Set after a reload that changed something.
    settle_at: Option<Instant>,
}

impl Pending {
    /// When the watcher must wake up without an event, if at all.
    fn next(&self) -> Option<Instant> {
        self.deferred_until.into_iter().chain(self.settle_at).min()
    }

    /// Takes in what a reload did; `accept_empty` says it was the end of a grace.
    fn reloaded(&mut self, reloaded: crate::live::Reloaded, accept_empty: bool, grace: Duration) {
        let now = Instant::now();
        if self.settle_at.is_some_and(|at| at <= now) {
            self.settle_at = None;
        }
        if reloaded.changed {
            self.settle_at = Some(now + SETTLE);
        }
        self.deferred_until = match (reloaded.deferred, self.deferred_until) {
            (false, _) => None,
            (true, Some(at)) if !accept_empty => Some(at),
            (true, previous) => {
                if previous.is_none() {
                    tracing::info!(
                        "a link file reads empty, as in the middle of a save: its last version stays for up to {} ms",
                        grace.as_millis()
                    );
                }
                Some(now + grace)
            }
        };
    }
}

/// Stops watching when dropped.
pub struct Watcher {
    stop: Option<mpsc::Sender<DebounceEventResult>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            // An empty error list is the stop signal: notify never sends one.
            let _ = stop.send(Err(Vec::new()));
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts watching `paths` and reloading through `reloader`; a file read empty mid-save
/// keeps its last version for up to `empty_grace`.
pub fn spawn(paths: Vec<PathBuf>, mut reloader: Reloader, empty_grace: Duration) -> std::io::Result<Watcher> {
    let (tx, rx) = mpsc::channel::<DebounceEventResult>();
    let stop = tx.clone();
    let mut debouncer = new_debouncer(DEBOUNCE, None, tx).map_err(std::io::Error::other)?;
    let roots = roots(&paths);
    let mut watching = HashMap::new();
    watch_missing(&mut debouncer, &roots, &mut watching);
    let thread = std::thread::Builder::new().name("applinkd-watcher".into()).spawn(move || {
        let mut pending = Pending::default();
        loop {
            let received = match pending.next() {
                Some(at) => match rx.recv_timeout(at.saturating_duration_since(Instant::now())) {
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        // A file read empty mid-save got no write (it really is empty now),
                        // or a look after the debouncer settled (see `SETTLE`).
                        let accept_empty = pending.deferred_until.is_some_and(|at| at <= Instant::now());
                        let reloaded = reloader.reload(&[], accept_empty);
                        pending.reloaded(reloaded, accept_empty, empty_grace);
                        continue;
                    }
                    other => other.map_err(|_| ()),
                },
                None => rx.recv().map_err(|_| ()),
            };
            let Ok(result) = received else { break };
            let (mut touched, rescan) = match result {
                Ok(events) => changed_paths(events),
                Err(errors) if errors.is_empty() => break, // the stop signal
                Err(errors) => {
                    for e in errors {
                        tracing::warn!("watching the link files: {e}");
                    }
                    (Vec::new(), true)
                }
            };
            if touched.is_empty() && !rescan {
                continue; // only reads (our own, often): nothing to do
            }
            touched.sort();
            touched.dedup();
            let reloaded = reloader.reload(&touched, false);
            pending.reloaded(reloaded, false, empty_grace);
            if watch_missing(&mut debouncer, &roots, &mut watching) && pending.deferred_until.is_none() {
                // Files made in a root between its removal and its new watch sent no
                // event: look now rather than at the next event.
                let reloaded = reloader.reload(&[], false);
                pending.reloaded(reloaded, false, empty_grace);
            }
        }
        debouncer.stop();
    })?;
    Ok(Watcher { stop: Some(stop), thread: Some(thread) })
}

/// Paths that events say were written, made, removed or renamed. Reads are
/// events too (inotify reports opening and closing), and reading files is what
/// a reload does: counting them would make every reload cause the next.
/// Also says whether events were lost (the kernel's queue overflowed), when
/// only looking at every file again can tell what changed.
fn changed_paths(events: Vec<notify_debouncer_full::DebouncedEvent>) -> (Vec<PathBuf>, bool) {
    let rescan = events.iter().any(|e| e.event.need_rescan());
    let paths = events
        .into_iter()
        .filter(|e| !matches!(e.event.kind, notify::EventKind::Access(_)))
        .flat_map(|e| e.event.paths)
        .collect();
    (paths, rescan)
}

/// What to watch for each config path: a directory recursively, and its parent
/// (so that a directory deleted and made again is noticed); for a file, or a path
/// not there yet, its parent directory.
fn roots(paths: &[PathBuf]) -> Vec<(PathBuf, RecursiveMode)> {
    let parent = |p: &Path| p.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
    let mut roots = Vec::new();
    for path in paths {
        if path.is_dir() {
            roots.push((path.clone(), RecursiveMode::Recursive));
        }
        roots.push((parent(path), RecursiveMode::NonRecursive));
    }
    roots.dedup();
    roots
}

/// What a watch is on: the directory a root leads to, and which directory that is (a
/// directory removed and made again under the same name is another one, and the old
/// watch died with the old one).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Watched {
    target: PathBuf,
    identity: Option<(u64, u64)>,
}

impl Watched {
    fn of(root: &Path) -> Watched {
        let target = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        Watched { identity: identity(&target), target }
    }
}

#[cfg(unix)]
fn identity(dir: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(dir).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(_dir: &Path) -> Option<(u64, u64)> {
    None
}

/// (Re)starts watches on roots that exist now but are not watched: a config
/// directory deleted and created again (`rm -rf config && cp -r saved config`, a
/// rename over it) gets its watch back, also when both happened within one debounce.
/// A root that is a symlink is watched at its target; when the symlink is swapped to
/// another target (git-sync, a ConfigMap volume), the watch moves to the new target, so
/// that edits made inside it are seen too. Says whether a watch was (re)started.
fn watch_missing(
    debouncer: &mut notify_debouncer_full::Debouncer<
        notify::RecommendedWatcher,
        notify_debouncer_full::RecommendedCache,
    >,
    roots: &[(PathBuf, RecursiveMode)],
    watching: &mut HashMap<PathBuf, Watched>,
) -> bool {
    let mut started = false;
    for (root, mode) in roots {
        let exists = root.is_dir();
        let now = Watched::of(root);
        if exists && watching.get(root).is_some_and(|watched| *watched != now) {
            let watched = &watching[root];
            if watched.target == now.target {
                tracing::info!("{} was replaced; watching the new directory", root.display());
            } else {
                tracing::info!("{} now leads to {}; watching there", root.display(), now.target.display());
            }
            // The old watch may be gone with its directory already: nothing to undo then.
            let _ = debouncer.unwatch(root);
            watching.remove(root);
        }
        if exists && !watching.contains_key(root) {
            match debouncer.watch(root, *mode) {
                Ok(()) => {
                    watching.insert(root.clone(), now);
                    started = true;
                }
                Err(e) => tracing::warn!("cannot watch {}: {e}", root.display()),
            }
        } else if !exists && watching.remove(root).is_some() {
            let _ = debouncer.unwatch(root);
            tracing::warn!("{} is gone; watching for it to come back", root.display());
        }
    }
    started
}
