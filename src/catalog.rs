//! `Catalog`: the link files in force, each with its last good parse and its current errors.
//!
//! This is where "a broken file keeps its last good version" lives: a file whose
//! new text has errors keeps the `ParsedFile` it had, and the errors are kept beside it.
//! The catalog never builds lookups itself; [`Catalog::index`] hands the good files to the index.

use std::path::PathBuf;
use std::sync::Arc;

use crate::config_paths;
use crate::diagnostic::{Diagnostic, Label, Location};
use crate::index::Index;
use crate::loader;
use crate::parsed_file::{ParsedFile, fingerprint};

#[derive(Debug, Default)]
pub struct Catalog {
    paths: Vec<PathBuf>,
    files: Vec<FileState>,
    discovery: Vec<Diagnostic>,
}

#[derive(Debug)]
pub struct FileState {
    pub path: PathBuf,
    /// What the file looked like on disk when last read; a refresh re-reads it only if this changed.
    stamp: Option<Stamp>,
    /// Hash of the bytes last read, so that a rewrite with the same text changes nothing.
    read_fingerprint: Option<u64>,
    /// The last version of the file that had no errors; it stays in force until fixed.
    pub good: Option<Arc<ParsedFile>>,
    /// The errors and warnings of the file's current text.
    pub diagnostics: Vec<Diagnostic>,
}

impl Catalog {
    /// Finds and parses every link file below `paths`.
    pub fn load(paths: Vec<PathBuf>) -> Catalog {
        let mut catalog = Catalog { paths, ..Catalog::default() };
        catalog.reload();
        catalog
    }

    /// Re-reads every file. A file that now has errors keeps its last good version.
    pub fn reload(&mut self) {
        let (found, discovery) = config_paths::discover(&self.paths);
        self.discovery = discovery;
        self.files = parse_all(found);
    }

    /// Finds the files again and re-reads only those that are new, look changed on
    /// disk (size, modification time, inode), or are named in `touched`. Files that
    /// are gone take their links with them. Returns what changed.
    ///
    /// A file that had links and now reads empty is most likely caught between the
    /// truncate and the write of a save: unless `accept_empty`, it keeps its current
    /// version and is listed in `deferred`, to be read again a moment later.
    pub fn refresh(&mut self, touched: &[PathBuf], accept_empty: bool) -> Refresh {
        let search = config_paths::discover_all(&self.paths);
        let (found, discovery) = (search.files, search.diagnostics);
        self.discovery = discovery;
        // Pieces of a long file on all cores only when the link files are many MiB:
        // the thread pool costs memory a small set would feel (issue 12).
        let cores = self.files.iter().filter_map(|f| f.stamp.as_ref()).map(|s| s.len).sum::<u64>() > SMALL;
        let mut previous: std::collections::HashMap<PathBuf, FileState> =
            std::mem::take(&mut self.files).into_iter().map(|f| (f.path.clone(), f)).collect();
        let mut refresh = Refresh::default();
        for path in found {
            let file = match previous.remove(&path) {
                Some(old) if old.stamp.is_some() && old.stamp == Stamp::of(&path) && !touched.contains(&path) => old,
                Some(old) => match read_if_changed(path.clone(), old, accept_empty, cores) {
                    (file, Reread::Changed) => {
                        refresh.changed.push(path);
                        file
                    }
                    (file, Reread::Same) => file,
                    (file, Reread::Deferred) => {
                        refresh.deferred.push(path);
                        file
                    }
                },
                None => {
                    refresh.added.push(path.clone());
                    read(path, None, cores)
                }
            };
            self.files.push(file);
        }
        if search.incomplete {
            // Only a real absence removes a file: after a search that failed otherwise
            // (out of descriptors, say), files not seen keep their version.
            let mut kept: Vec<FileState> = previous.into_values().collect();
            kept.sort_by(|a, b| a.path.cmp(&b.path));
            self.files.extend(kept);
            self.files.sort_by(|a, b| a.path.as_os_str().as_encoded_bytes().cmp(b.path.as_os_str().as_encoded_bytes()));
            return refresh;
        }
        refresh.removed = previous.into_keys().collect();
        refresh.removed.sort();
        refresh
    }

    /// The config paths (files or directories) the catalog reads.
    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    pub fn files(&self) -> &[FileState] {
        &self.files
    }

    /// The index over the good version of every file, in path order.
    pub fn index(&self) -> Index {
        Index::build(self.files.iter().filter_map(|f| f.good.clone()).collect())
    }

    /// The index for the files now, made from `previous` when only some files
    /// changed and kept their shape (see `Index::patch`), else built anew.
    /// Says which it did: `true` for patched.
    pub fn index_from(&self, previous: &Index) -> (Index, bool) {
        let good: Vec<Arc<ParsedFile>> = self.files.iter().filter_map(|f| f.good.clone()).collect();
        let before = previous.files();
        if good.len() == before.len() && good.iter().zip(before).all(|(a, b)| a.path == b.path) {
            let replaced: Vec<(usize, Arc<ParsedFile>)> = good
                .iter()
                .enumerate()
                .filter(|(i, file)| !Arc::ptr_eq(file, &before[*i]))
                .map(|(i, file)| (i, file.clone()))
                .collect();
            if let Some(index) = previous.patch(&replaced) {
                return (index, true);
            }
        }
        (Index::build(good), false)
    }

    /// Errors and warnings of finding and reading the files (not of combining them: see the index).
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.discovery.iter().chain(self.files.iter().flat_map(|f| &f.diagnostics))
    }
}

/// Which files a refresh re-read.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Refresh {
    pub changed: Vec<PathBuf>,
    pub added: Vec<PathBuf>,
    pub removed: Vec<PathBuf>,
    /// Files that read empty mid-save, kept as they were for now.
    pub deferred: Vec<PathBuf>,
}

impl Refresh {
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.added.is_empty() && self.removed.is_empty()
    }

    /// How many files were read again.
    pub fn reparsed(&self) -> usize {
        self.changed.len() + self.added.len()
    }
}

/// A file's identity and version on disk, following symlinks (so a Kubernetes
/// ConfigMap's `..data` swap shows as a change of the files behind it).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    inode: (u64, u64),
}

impl Stamp {
    fn of(path: &std::path::Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        Some(Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            inode: {
                use std::os::unix::fs::MetadataExt;
                (meta.dev(), meta.ino())
            },
        })
    }
}

/// Reads and parses files on all cores; the order of the result is the order given.
/// Small sets (the usual case for `open`, where every ms counts) are read on this
/// thread: starting the thread pool would cost more time and memory than it saves.
fn parse_all(paths: Vec<PathBuf>) -> Vec<FileState> {
    use rayon::prelude::*;
    let total: u64 = paths.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
    if total <= SMALL {
        return paths.into_iter().map(|path| read(path, None, false)).collect();
    }
    if paths.len() < 2 {
        return paths.into_iter().map(|path| read(path, None, true)).collect();
    }
    paths.into_par_iter().map(|path| read(path, None, true)).collect()
}

/// Link files up to this size in all are read on one thread (see `parse_all`).
const SMALL: u64 = 1 << 20;

/// Reads and parses one file; `cores`: a long file's pieces may be parsed on all cores.
fn read(path: PathBuf, last_good: Option<Arc<ParsedFile>>, cores: bool) -> FileState {
    // Stamp before reading: a write racing the read shows as a change next time.
    let stamp = Stamp::of(&path);
    let bytes = read_link_file(&path);
    parse(path, stamp, bytes, last_good, cores)
}

/// The largest link file read, in bytes.
pub const MAX_FILE: u64 = 64 * 1024 * 1024;

/// Reads a link file: a regular file only (a FIFO would block, a device never end),
/// opened without blocking, and at most `MAX_FILE` bytes.
pub fn read_link_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let not_regular =
        || std::io::Error::other("not a regular file (a FIFO, socket or device); only regular files are read");
    let too_big = || {
        std::io::Error::other(format!("the file is larger than {} MiB, the most a link file may be", MAX_FILE >> 20))
    };
    if !std::fs::metadata(path)?.is_file() {
        return Err(not_regular());
    }
    // Non-blocking: a FIFO swapped in after the check cannot hang the open.
    let file = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    if meta.len() > MAX_FILE {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_FILE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(too_big());
    }
    Ok(bytes)
}

enum Reread {
    Changed,
    Same,
    Deferred,
}

/// Re-reads a file; returns the new state and whether its text changed.
fn read_if_changed(path: PathBuf, old: FileState, accept_empty: bool, cores: bool) -> (FileState, Reread) {
    let stamp = Stamp::of(&path);
    let bytes = read_link_file(&path);
    if let Ok(bytes) = &bytes {
        if old.read_fingerprint == Some(fingerprint(bytes)) {
            return (FileState { stamp, ..old }, Reread::Same);
        }
        let had_content = old.good.as_ref().is_some_and(|g| !g.links.is_empty() || !g.apps.is_empty());
        if bytes.is_empty() && had_content && !accept_empty {
            // No stamp: the next refresh reads it again whatever the disk says.
            return (FileState { stamp: None, ..old }, Reread::Deferred);
        }
    }
    (parse(path, stamp, bytes, old.good, cores), Reread::Changed)
}

fn parse(
    path: PathBuf,
    stamp: Option<Stamp>,
    bytes: std::io::Result<Vec<u8>>,
    last_good: Option<Arc<ParsedFile>>,
    cores: bool,
) -> FileState {
    let shown = crate::report::shown_path(&path.display().to_string());
    match bytes {
        Ok(bytes) => {
            let outcome = loader::parse_on(&shown, &bytes, cores);
            FileState {
                path,
                stamp,
                read_fingerprint: Some(fingerprint(&bytes)),
                good: outcome.parsed.map(Arc::new).or(last_good),
                diagnostics: outcome.diagnostics,
            }
        }
        Err(e) => FileState {
            path,
            stamp: None,
            read_fingerprint: None,
            good: last_good,
            diagnostics: vec![Diagnostic::error(
                format!("cannot read the file: {e}"),
                Label::at(Location::file(shown), ""),
            )],
        },
    }
}
