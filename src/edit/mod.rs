//! Editing link files (SPEC §7): `add`, `rm`, `app add`, `app rename` and `import`
//! as changes to the files people edit by hand. A change is computed whole (every
//! file it touches), checked like any load (an edit that would add an error or a
//! conflict is refused and writes nothing), shown as a unified diff (`--dry-run`), or
//! written file by file atomically (`write`).
//!
//! - `document`: format-preserving changes to one file's text (toml_edit).
//! - `write`: atomic writes that refuse a file changed on disk since it was read.
//! - `ops`: the edits themselves, on a `Workspace` (the files and their index).

pub mod document;
pub mod ops;
pub mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::diagnostic::Diagnostic;
use crate::index::Index;
use crate::parsed_file::ParsedFile;

/// The link files an edit starts from.
pub struct Workspace {
    pub catalog: Catalog,
    pub index: Index,
}

/// Why an edit was not made. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("{0}")]
    Invalid(String),
    #[error("{message}")]
    Refused { message: String, details: Vec<String> },
    #[error("{0}")]
    NotFound(String),
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error(transparent)]
    Write(#[from] write::WriteError),
}

impl EditError {
    pub fn details(&self) -> &[String] {
        match self {
            EditError::Refused { details, .. } => details,
            _ => &[],
        }
    }
}

/// A whole edit: the new text of each file it touches.
#[derive(Default)]
pub struct Edit {
    changes: BTreeMap<PathBuf, Change>,
}

struct Change {
    /// The bytes read (`None`: the file does not exist yet).
    before: Option<Vec<u8>>,
    after: String,
}

impl Workspace {
    pub fn load(paths: Vec<PathBuf>) -> Workspace {
        let catalog = Catalog::load(paths);
        let index = catalog.index();
        Workspace { catalog, index }
    }

    /// Where new records and apps go without `--file`: `links.toml` in the first
    /// config directory, or the first config path itself when it is a file.
    pub fn default_file(&self) -> PathBuf {
        let first = self.catalog.paths().first().cloned().unwrap_or_else(crate::config_paths::default_dir);
        if first.is_file() || first.extension().is_some_and(|e| e == "toml") { first } else { first.join("links.toml") }
    }

    /// The catalog's path for `path` (so that edits name files as the catalog does).
    fn known(&self, path: &Path) -> PathBuf {
        let target = write::target_of(path);
        self.catalog
            .files()
            .iter()
            .find(|f| f.path == path || write::target_of(&f.path) == target)
            .map_or_else(|| path.to_path_buf(), |f| f.path.clone())
    }

    fn good(&self, path: &Path) -> Option<&Arc<ParsedFile>> {
        self.catalog.files().iter().find(|f| f.path == path)?.good.as_ref()
    }
}

impl Edit {
    /// The text `path` has in this edit so far: its new text, else what is on disk.
    pub fn text(&mut self, path: &Path) -> Result<String, EditError> {
        if let Some(change) = self.changes.get(path) {
            return Ok(change.after.clone());
        }
        let before = match std::fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(EditError::Read { path: path.display().to_string(), source }),
        };
        let text = match &before {
            Some(bytes) => String::from_utf8(bytes.clone())
                .map_err(|_| EditError::Invalid(format!("{} is not UTF-8; fix it first", path.display())))?,
            None => String::new(),
        };
        self.changes.insert(path.to_path_buf(), Change { before, after: text.clone() });
        Ok(text)
    }

    pub fn set(&mut self, path: &Path, after: String) -> Result<(), EditError> {
        self.text(path)?;
        self.changes.get_mut(path).expect("read above").after = after;
        Ok(())
    }

    /// The files whose text changes.
    pub fn files(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.changes
            .iter()
            .filter(|(_, c)| c.before.as_deref() != Some(c.after.as_bytes()))
            .map(|(p, c)| (p.as_path(), c.after.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.files().next().is_none()
    }

    /// A unified diff of every file the edit changes.
    pub fn diff(&self) -> String {
        let mut out = String::new();
        for (path, change) in &self.changes {
            let before = change.before.as_deref().map(String::from_utf8_lossy).unwrap_or_default();
            if before == change.after {
                continue;
            }
            let shown = path.display().to_string();
            let (old, new) = if change.before.is_some() { (shown.clone(), shown) } else { ("/dev/null".into(), shown) };
            let diff = similar::TextDiff::from_lines(before.as_ref(), change.after.as_str());
            out.push_str(&diff.unified_diff().context_radius(3).header(&old, &new).to_string());
        }
        out
    }

    /// Loads the files as they would be after the edit; refuses it if that has more
    /// errors than before (a new error, or a conflict), naming them.
    pub fn check(&self, workspace: &Workspace) -> Result<(), EditError> {
        if let Some((path, _)) = self.files().find(|(_, text)| text.len() as u64 > crate::catalog::MAX_FILE) {
            return Err(EditError::Refused {
                message: format!(
                    "{} would be larger than {} MiB, the most a link file may be; nothing was written",
                    path.display(),
                    crate::catalog::MAX_FILE >> 20
                ),
                details: vec!["import into several files with `--file`".into()],
            });
        }
        let errors = |ds: &mut dyn Iterator<Item = &Diagnostic>| ds.filter(|d| d.is_error()).count();
        let before = errors(&mut workspace.catalog.diagnostics()) + errors(&mut workspace.index.diagnostics().iter());
        let mut problems: Vec<Diagnostic> = Vec::new();
        let mut files: Vec<(PathBuf, Arc<ParsedFile>)> = Vec::new();
        let mut unchanged_errors = 0;
        for file in workspace.catalog.files() {
            if let Some(change) = self.changes.get(&file.path) {
                let outcome = crate::loader::parse(&file.path.display().to_string(), change.after.as_bytes());
                problems.extend(outcome.diagnostics.into_iter().filter(Diagnostic::is_error));
                if let Some(parsed) = outcome.parsed {
                    files.push((file.path.clone(), Arc::new(parsed)));
                }
            } else {
                unchanged_errors += file.diagnostics.iter().filter(|d| d.is_error()).count();
                if let Some(good) = &file.good {
                    files.push((file.path.clone(), good.clone()));
                }
            }
        }
        for (path, change) in &self.changes {
            if workspace.catalog.files().iter().any(|f| f.path == *path) {
                continue;
            }
            let outcome = crate::loader::parse(&path.display().to_string(), change.after.as_bytes());
            problems.extend(outcome.diagnostics.into_iter().filter(Diagnostic::is_error));
            if let Some(parsed) = outcome.parsed {
                files.push((path.clone(), Arc::new(parsed)));
            }
        }
        files.sort_by(|a, b| a.0.as_os_str().as_encoded_bytes().cmp(b.0.as_os_str().as_encoded_bytes()));
        let index = Index::build(files.into_iter().map(|(_, f)| f).collect());
        let index_errors: Vec<&Diagnostic> = index.diagnostics().iter().filter(|d| d.is_error()).collect();
        let after = problems.len() + unchanged_errors + index_errors.len();
        if after > before {
            let details: Vec<String> = problems.iter().chain(index_errors).take(5).map(ToString::to_string).collect();
            return Err(EditError::Refused {
                message: "the edit would leave the link files with errors; nothing was written".into(),
                details,
            });
        }
        Ok(())
    }

    /// Writes every changed file atomically, each refused if it changed on disk
    /// since it was read. Files are written in path order.
    pub fn write(&self) -> Result<(), EditError> {
        for (path, change) in &self.changes {
            if change.before.as_deref() == Some(change.after.as_bytes()) {
                continue;
            }
            write::write_atomic(path, change.after.as_bytes(), change.before.as_deref())?;
        }
        Ok(())
    }
}
