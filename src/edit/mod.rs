//! Editing link files (README: Links in and out): `add`, `rm`, `app add`, `app rename` and `import`
//! as changes to the files people edit by hand. A change is computed whole (every
//! file it touches), checked like any load (an edit that would add an error or a
//! conflict is refused and writes nothing), shown as a unified diff (`--dry-run`), or
//! committed as one transaction (`Edit::commit`): every command that writes goes
//! through it, and nothing else writes a link file.
//!
//! The transaction: the edit lock is held from before the first read to after the last
//! write (`lock`); every file is checked before any is written (still the version
//! read, writable, not hard-linked, inside the config roots, in force); each is
//! replaced by a compare-and-swap (`write`); a failure restores the files already
//! written; and after writing, the files are loaded again and the edit's effect must
//! be in force, else everything is restored and the edit fails. No command says
//! "added" or "removed" unless it is true.
//!
//! - `document`: format-preserving changes to one file's text (toml_edit).
//! - `lock`: the edit lock among applinkd processes.
//! - `write`: one file replaced by compare-and-swap, keeping mode and owner.
//! - `ops`: the edits themselves, on a `Workspace` (the files and their index).

pub mod document;
pub mod lock;
pub mod ops;
pub mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::confine::Roots;
use crate::diagnostic::Diagnostic;
use crate::index::Index;
use crate::parsed_file::{Kind, ParsedFile};

/// The link files an edit starts from, locked against other applinkd edits while it lives.
pub struct Workspace {
    pub catalog: Catalog,
    pub index: Index,
    roots: Roots,
    _lock: lock::EditLock,
}

/// Why an edit was not made. Nothing was written (or everything written was restored).
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
    #[error(transparent)]
    Lock(#[from] lock::LockError),
}

impl EditError {
    pub fn details(&self) -> &[String] {
        match self {
            EditError::Refused { details, .. } => details,
            _ => &[],
        }
    }

    fn refused(message: String, details: Vec<String>) -> EditError {
        EditError::Refused { message, details }
    }

    /// `path` would pass the size a link file may have.
    pub(crate) fn too_large(path: &Path) -> EditError {
        EditError::refused(
            format!(
                "{} would be larger than {} MiB, the most a link file may be; nothing was written",
                path.display(),
                crate::catalog::MAX_FILE >> 20
            ),
            vec!["import into several files with `--file`".into()],
        )
    }
}

/// What must be true of the files once an edit is written (its postcondition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// `(app, id)` is on a record of `kind` one of whose definitions is named `name`.
    LinkOn { kind: Kind, name: String, app: String, id: String },
    /// No link has `(app, id)`.
    NoLink { app: String, id: String },
    /// `app` is defined (and, if given, `alias` resolves to it).
    App { app: String, alias: Option<String> },
    /// Many `LinkOn`s, kept compactly (an import's links).
    Placed(Arc<ops::Placed>),
}

/// A whole edit: the new text of each file it touches, and what it must achieve.
#[derive(Default)]
pub struct Edit {
    changes: BTreeMap<PathBuf, Change>,
    effects: Vec<Effect>,
}

struct Change {
    /// The bytes read (`None`: the file does not exist yet).
    before: Option<Vec<u8>>,
    /// The text edits work on: without a BOM, line ends as `\n` when the file's are all `\r\n`.
    before_text: String,
    after: String,
    encoding: Encoding,
}

/// How a file writes its text: a BOM or not, CRLF or LF line ends. An edit keeps both,
/// in the lines it adds too (README: Links in and out).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Encoding {
    bom: bool,
    crlf: bool,
}

impl Encoding {
    /// The encoding of `text`, and the text edits work on.
    fn read(text: &str) -> (Encoding, String) {
        let (bom, body) = match text.strip_prefix('\u{feff}') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let lines = body.matches('\n').count();
        // CRLF only when every line ends so: a mixed file is kept byte for byte as it is.
        let crlf = lines > 0 && body.matches("\r\n").count() == lines;
        let text = if crlf { body.replace("\r\n", "\n") } else { body.to_owned() };
        (Encoding { bom, crlf }, text)
    }

    /// The bytes to write for `text`: `text` itself when there is no BOM nor CRLF to
    /// put back (no copy of a large file).
    fn write(self, text: &str) -> std::borrow::Cow<'_, [u8]> {
        if !self.bom && !self.crlf {
            return std::borrow::Cow::Borrowed(text.as_bytes());
        }
        let mut out = String::with_capacity(text.len() + 3);
        if self.bom {
            out.push('\u{feff}');
        }
        if self.crlf {
            out.push_str(&text.replace('\n', "\r\n"));
        } else {
            out.push_str(text);
        }
        std::borrow::Cow::Owned(out.into_bytes())
    }
}

impl Workspace {
    /// Takes the edit lock of `paths`' roots, then loads their link files.
    pub fn open(paths: Vec<PathBuf>) -> Result<Workspace, EditError> {
        let roots = Roots::of(&paths);
        // Every directory that holds a link file is locked too, not only the roots: an
        // edit of `-c repo` and one of `-c repo/team` read and write the same files.
        let mut dirs = roots.lock_dirs();
        let found = crate::config_paths::discover_all(&paths).files;
        dirs.extend(found.iter().filter_map(|f| crate::confine::real_path(f).parent().map(Path::to_path_buf)));
        let lock = lock::EditLock::acquire(&dirs)?;
        let catalog = Catalog::load(paths);
        let index = catalog.index();
        Ok(Workspace { catalog, index, roots, _lock: lock })
    }

    /// The link files with errors, which an edit does not read (nor does the daemon).
    pub fn unread_files(&self) -> Vec<String> {
        self.catalog.files().iter().filter(|f| f.good.is_none()).map(|f| f.path.display().to_string()).collect()
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

    /// Refuses an edit of `path` unless it is a link file in force inside the roots,
    /// or a new file there (README: Link files; README: Links in and out).
    pub(crate) fn writable(&self, path: &Path) -> Result<PathBuf, EditError> {
        let shown = path.display().to_string();
        let real = self.roots.check(path).map_err(|why| EditError::refused(format!("{shown}: {why}"), Vec::new()))?;
        match self.catalog.files().iter().find(|f| f.path == path) {
            Some(file) => {
                let errors: Vec<String> =
                    file.diagnostics.iter().filter(|d| d.is_error()).take(3).map(ToString::to_string).collect();
                if !errors.is_empty() {
                    return Err(EditError::refused(
                        format!(
                            "{shown} has errors, so it is not in force and an edit there would not be either; fix it first (`applinkd check -c {shown}`); nothing was written"
                        ),
                        errors,
                    ));
                }
            }
            None if real.exists() => {
                return Err(EditError::refused(
                    format!(
                        "{shown} is not one of the link files the config paths hold (a `*.toml` file, not hidden); nothing was written"
                    ),
                    Vec::new(),
                ));
            }
            None => {}
        }
        Ok(real)
    }

    /// Whether `effect` holds in this workspace's index; if not, why.
    fn holds(&self, effect: &Effect) -> Result<(), String> {
        let index = &self.index;
        match effect {
            Effect::LinkOn { kind, name, app, id } => link_on(index, *kind, name, app, id),
            Effect::Placed(placed) => {
                placed.links().try_for_each(|(kind, name, app, id)| link_on(index, kind, name, app, id))
            }
            Effect::NoLink { app, id } => match index.app(app).and_then(|a| index.link(a, id)) {
                Some(link) => Err(format!("`{app} {id}` is still at {}:{}", link.file.path, link.at().line)),
                None => Ok(()),
            },
            Effect::App { app, alias } => {
                let defined = index.app(app).is_some_and(|a| a.id.as_str() == app && index.app_def_place(a).is_some());
                if !defined {
                    return Err(format!("`{app}` is not defined"));
                }
                match alias {
                    Some(alias) if index.app(alias).is_none_or(|a| a.id.as_str() != app) => {
                        Err(format!("`{alias}` does not lead to `{app}`"))
                    }
                    _ => Ok(()),
                }
            }
        }
    }
}

/// Whether `(app, id)` is on a record of `kind` one of whose definitions is named `name`.
fn link_on(index: &Index, kind: Kind, name: &str, app: &str, id: &str) -> Result<(), String> {
    let link = index.app(app).and_then(|a| index.link(a, id)).ok_or(format!("`{app} {id}` is not in force"))?;
    let record = index.record_of(&link);
    let named = index.record_defs(record).any(|(file, def)| def.kind == kind && file.record_name(def) == name);
    if record.kind == kind && named { Ok(()) } else { Err(format!("`{app} {id}` is not on the {kind} `{name}`")) }
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
        let (encoding, text) = match &before {
            Some(bytes) => Encoding::read(
                std::str::from_utf8(bytes)
                    .map_err(|_| EditError::Invalid(format!("{} is not UTF-8; fix it first", path.display())))?,
            ),
            None => (Encoding::default(), String::new()),
        };
        self.changes
            .insert(path.to_path_buf(), Change { before, before_text: text.clone(), after: text.clone(), encoding });
        Ok(text)
    }

    pub fn set(&mut self, path: &Path, after: String) -> Result<(), EditError> {
        self.text(path)?;
        self.changes.get_mut(path).expect("read above").after = after;
        Ok(())
    }

    /// The files whose text changes.
    pub fn files(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.changes.iter().filter(|(_, c)| c.changed()).map(|(p, c)| (p.as_path(), c.after.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.files().next().is_none()
    }

    /// A unified diff of every file the edit changes.
    pub fn diff(&self) -> String {
        let mut out = String::new();
        for (path, change) in &self.changes {
            let before = &change.before_text;
            if !change.changed() {
                continue;
            }
            let shown = path.display().to_string();
            let (old, new) = if change.before.is_some() { (shown.clone(), shown) } else { ("/dev/null".into(), shown) };
            let diff = similar::TextDiff::from_lines(before.as_str(), change.after.as_str());
            out.push_str(&diff.unified_diff().context_radius(3).header(&old, &new).to_string());
        }
        out
    }

    /// Loads the files as they would be after the edit; refuses it if that has more
    /// errors than before (a new error, or a conflict), naming them.
    pub fn check(&self, workspace: &Workspace) -> Result<(), EditError> {
        for (path, _) in self.files() {
            workspace.writable(path)?;
        }
        if let Some((path, _)) = self.files().find(|(_, text)| text.len() as u64 > crate::catalog::MAX_FILE) {
            return Err(EditError::too_large(path));
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
            let mut details: Vec<String> =
                problems.iter().chain(index_errors).take(5).map(ToString::to_string).collect();
            details.push("(at the lines the edit would have written: `--dry-run` shows them)".into());
            return Err(EditError::Refused {
                message: "the edit would leave the link files with errors; nothing was written".into(),
                details,
            });
        }
        Ok(())
    }

    /// What the edit must achieve; checked after writing (`commit`).
    pub fn expect(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    /// Writes the edit as one transaction (see the module doc): checks every file,
    /// writes each by compare-and-swap, restores what was written if a later file
    /// fails, then reloads and confirms every effect, restoring everything if one is
    /// not in force. `workspace` is the one the edit was computed from (its lock held).
    /// The new texts are dropped once written (a file written is known by its SHA-256
    /// from then on), so that the reload does not hold a second copy of a large import.
    pub fn commit(self, workspace: &Workspace) -> Result<(), EditError> {
        let mut plan: Vec<Written> = Vec::new();
        let mut texts: Vec<Vec<u8>> = Vec::new();
        for (path, change) in self.changes {
            if !change.changed() {
                continue;
            }
            let real = workspace.writable(&path)?;
            let shown = path.display().to_string();
            write::preflight(&real, &shown, change.before.as_deref())?;
            let after = match change.encoding.write(&change.after) {
                std::borrow::Cow::Borrowed(_) => change.after.into_bytes(),
                std::borrow::Cow::Owned(bytes) => bytes,
            };
            texts.push(after);
            plan.push(Written { path, real, shown, before: change.before, after: [0; 32] });
        }
        let mut written: Vec<&Written> = Vec::new();
        for (file, text) in plan.iter_mut().zip(&texts) {
            file.after = sha256(text);
        }
        for (file, text) in plan.iter().zip(&texts) {
            if let Err(e) = write::replace(&file.real, &file.shown, text, file.before.as_deref()) {
                let restored = restore(&written);
                return Err(with_restore(e.into(), restored));
            }
            written.push(file);
        }
        drop(texts);
        let after = Workspace::reloaded(workspace);
        let mut wrong: Vec<String> = Vec::new();
        for file in &plan {
            if let Some(loaded) = after.files().iter().find(|f| f.path == file.path) {
                wrong.extend(loaded.diagnostics.iter().filter(|d| d.is_error()).take(3).map(ToString::to_string));
            } else {
                wrong.push(format!("{} is not among the link files after the write", file.path.display()));
            }
        }
        let loaded = Workspace {
            index: after.index(),
            catalog: after,
            roots: workspace.roots.clone(),
            _lock: lock::EditLock::none(),
        };
        wrong.extend(self.effects.iter().filter_map(|e| loaded.holds(e).err()));
        if !wrong.is_empty() {
            let restored = restore(&written);
            let mut details = wrong;
            details.truncate(5);
            let message = match restored {
                Ok(()) => {
                    "the edit was written but is not in force; every file was restored, nothing changed".to_owned()
                }
                Err(e) => format!("the edit was written but is not in force, and restoring failed: {e}"),
            };
            return Err(EditError::refused(message, details));
        }
        Ok(())
    }
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

impl Change {
    fn changed(&self) -> bool {
        self.after != self.before_text || self.before.is_none()
    }
}

impl Workspace {
    /// The catalog of the same config paths, read again from disk.
    fn reloaded(workspace: &Workspace) -> Catalog {
        Catalog::load(workspace.catalog.paths().to_vec())
    }
}

/// A file the transaction writes: its path as the catalog names it, its real path, its
/// name in messages, the bytes it held (`None`: it was new) and the SHA-256 of the bytes
/// written.
struct Written {
    path: PathBuf,
    real: PathBuf,
    shown: String,
    before: Option<Vec<u8>>,
    after: [u8; 32],
}

/// Puts back what `written` replaced, each only if it still holds what the edit wrote
/// (its SHA-256; the compare-and-swap then checks the very bytes read).
fn restore(written: &[&Written]) -> Result<(), String> {
    let mut failed = Vec::new();
    for file in written.iter().rev() {
        let shown = &file.shown;
        let result = match std::fs::read(&file.real) {
            Ok(now) if sha256(&now) == file.after => match &file.before {
                Some(before) => write::replace(&file.real, shown, before, Some(&now)).map_err(|e| e.to_string()),
                None => std::fs::remove_file(&file.real).map_err(|e| e.to_string()),
            },
            // Someone wrote after the edit: their file is kept, as the compare-and-swap of
            // the bytes written would (and says so, as it would).
            Ok(_) if file.before.is_some() => Err(write::WriteError::Changed(shown.clone()).to_string()),
            Ok(_) => Err(format!("{shown} changed on disk meanwhile; left as it is")),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = result {
            failed.push(e);
        }
    }
    if failed.is_empty() { Ok(()) } else { Err(failed.join("; ")) }
}

fn with_restore(e: EditError, restored: Result<(), String>) -> EditError {
    match restored {
        Ok(()) => e,
        Err(why) => EditError::refused(format!("{e}; restoring the files written before failed: {why}"), Vec::new()),
    }
}
