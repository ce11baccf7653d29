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
use crate::parsed_file::ParsedFile;

#[derive(Debug, Default)]
pub struct Catalog {
    paths: Vec<PathBuf>,
    files: Vec<FileState>,
    discovery: Vec<Diagnostic>,
}

#[derive(Debug)]
pub struct FileState {
    pub path: PathBuf,
    /// The last version of the file that had no errors; it stays in force until fixed.
    pub good: Option<Arc<ParsedFile>>,
    /// The errors and warnings of the file's current text.
    pub diagnostics: Vec<Diagnostic>,
}

impl Catalog {
    /// Finds and parses every link file below `paths`.
    pub fn load(paths: Vec<PathBuf>) -> Catalog {
        let mut catalog = Catalog {
            paths,
            ..Catalog::default()
        };
        catalog.reload();
        catalog
    }

    /// Re-reads every file. A file that now has errors keeps its last good version.
    pub fn reload(&mut self) {
        let (found, discovery) = config_paths::discover(&self.paths);
        self.discovery = discovery;
        let mut previous = std::mem::take(&mut self.files);
        self.files = found
            .into_iter()
            .map(|path| {
                let last_good = previous
                    .iter_mut()
                    .find(|f| f.path == path)
                    .and_then(|f| f.good.take());
                read(path, last_good)
            })
            .collect();
    }

    pub fn files(&self) -> &[FileState] {
        &self.files
    }

    /// The index over the good version of every file, in path order.
    pub fn index(&self) -> Index {
        Index::build(self.files.iter().filter_map(|f| f.good.clone()).collect())
    }

    /// Errors and warnings of finding and reading the files (not of combining them: see the index).
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.discovery
            .iter()
            .chain(self.files.iter().flat_map(|f| &f.diagnostics))
    }
}

fn read(path: PathBuf, last_good: Option<Arc<ParsedFile>>) -> FileState {
    let shown = path.display().to_string();
    match std::fs::read(&path) {
        Ok(bytes) => {
            let outcome = loader::parse(&shown, &bytes);
            FileState {
                path,
                good: outcome.parsed.map(Arc::new).or(last_good),
                diagnostics: outcome.diagnostics,
            }
        }
        Err(e) => FileState {
            path,
            good: last_good,
            diagnostics: vec![Diagnostic::error(
                format!("cannot read the file: {e}"),
                Label::at(Location::file(shown), ""),
            )],
        },
    }
}
