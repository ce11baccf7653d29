//! Config paths: which files the link files are (README: Link files and §4).
//!
//! Owns the order of files (it decides which definition wins a conflict) and
//! the skipping of hidden files and editor droppings. Reads directories, never files.

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Label, Location};

/// The environment variable naming config paths, separated like `PATH`.
pub const ENV: &str = "APPLINKD_CONFIG";

/// Config paths from `-c` if given, else `$APPLINKD_CONFIG`, else the user's config directory.
pub fn from_arguments(given: &[PathBuf]) -> Vec<PathBuf> {
    if !given.is_empty() {
        return given.to_vec();
    }
    if let Some(paths) = std::env::var_os(ENV).filter(|v| !v.is_empty()) {
        return std::env::split_paths(&paths).collect();
    }
    vec![default_dir()]
}

/// `$XDG_CONFIG_HOME/applinkd` on Linux, and the platform's equivalent elsewhere.
pub fn default_dir() -> PathBuf {
    use etcetera::BaseStrategy;
    match etcetera::choose_base_strategy() {
        Ok(strategy) => strategy.config_dir().join("applinkd"),
        Err(_) => PathBuf::from(".applinkd"),
    }
}

/// The link files below `paths`, in order: paths as given, and inside a directory
/// every `*.toml` below it in byte order of path. A file reached twice counts once.
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let found = discover_all(paths);
    (found.files, found.diagnostics)
}

/// What a search for link files found.
pub struct Found {
    pub files: Vec<PathBuf>,
    pub diagnostics: Vec<Diagnostic>,
    /// Whether some path or directory could not be read for a reason other than its
    /// absence (out of descriptors, permissions): then a file not found may still exist.
    pub incomplete: bool,
}

/// Like `discover`, and says whether the search was complete.
pub fn discover_all(paths: &[PathBuf]) -> Found {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut diagnostics = Vec::new();
    let mut incomplete = false;
    let roots = crate::confine::Roots::of(paths);
    for path in paths {
        let shown = crate::report::shown_path(&path.display().to_string());
        match std::fs::metadata(path) {
            Err(e) => {
                incomplete |= e.kind() != std::io::ErrorKind::NotFound;
                let hint = if *path == default_dir() {
                    "`applinkd serve` makes it, with a commented example; or pass files with `-c`"
                } else {
                    "pass an existing file or directory with `-c`"
                };
                diagnostics.push(
                    Diagnostic::error(format!("cannot read config path: {e}"), Label::at(Location::file(shown), ""))
                        .with_hint(Some(hint)),
                )
            }
            Ok(meta) if meta.is_dir() => {
                let mut found = toml_files_below(path, &roots, &mut diagnostics, &mut incomplete);
                found.sort_by(|a, b| a.as_os_str().as_encoded_bytes().cmp(b.as_os_str().as_encoded_bytes()));
                if found.is_empty() {
                    diagnostics.push(Diagnostic::warning(
                        "the directory holds no `*.toml` link files",
                        Label::at(Location::file(shown), ""),
                    ));
                }
                for file in found {
                    if seen.insert(identity(&file)) {
                        files.push(file);
                    }
                }
            }
            Ok(_) => match roots.check(path) {
                Ok(_) => {
                    if seen.insert(identity(path)) {
                        files.push(path.clone());
                    }
                }
                Err(why) => diagnostics.push(outside(path, why)),
            },
        }
    }
    Found { files, diagnostics, incomplete }
}

/// Whether a file name below a config directory is a link file.
pub fn is_link_file(name: &str) -> bool {
    name.ends_with(".toml") && !name.starts_with('.') && !name.starts_with('#')
}

fn toml_files_below(
    dir: &Path,
    roots: &crate::confine::Roots,
    diagnostics: &mut Vec<Diagnostic>,
    incomplete: &mut bool,
) -> Vec<PathBuf> {
    let shown = |path: &Path| crate::report::shown_path(&path.display().to_string());
    // A symlinked directory is entered only when its real path is inside the roots
    // (README: Link files): one leading to `/` or `~` is reported and never walked.
    let mut refused = Vec::new();
    let walk = walkdir::WalkDir::new(dir).follow_links(true).into_iter().filter_entry(|e| {
        if e.depth() > 0 && e.file_name().as_encoded_bytes().starts_with(b".") {
            return false;
        }
        if e.depth() > 0
            && e.path_is_symlink()
            && e.file_type().is_dir()
            && !roots.contains(&crate::confine::real_path(e.path()))
        {
            refused.push(e.path().to_path_buf());
            return false;
        }
        true
    });
    let mut files = Vec::new();
    let mut found_diagnostics = Vec::new();
    for entry in walk {
        match entry {
            Ok(e) if !e.file_type().is_dir() && is_link_file(&e.file_name().to_string_lossy()) => {
                match roots.check(e.path()) {
                    Ok(_) => files.push(e.into_path()),
                    // A FIFO or device named like a link file is never opened (it could
                    // block or never end); a symlink out of the roots is never followed.
                    Err(why) => found_diagnostics.push(outside(e.path(), why)),
                }
            }
            Ok(_) => {}
            Err(e) => {
                // A symlink that leads nowhere: one out of the roots is refused as any other.
                let link_file = e.path().filter(|p| p.file_name().is_some_and(|n| is_link_file(&n.to_string_lossy())));
                if let Some(path) = link_file
                    && let Err(why) = roots.check(path)
                {
                    found_diagnostics.push(outside(path, why));
                    continue;
                }
                *incomplete |= e.io_error().is_none_or(|io| io.kind() != std::io::ErrorKind::NotFound);
                let at = shown(e.path().unwrap_or(dir));
                found_diagnostics.push(Diagnostic::warning(format!("skipped: {e}"), Label::at(Location::file(at), "")));
            }
        }
    }
    for path in refused {
        diagnostics.push(outside(&path, crate::confine::Outside::Symlink));
    }
    diagnostics.extend(found_diagnostics);
    files
}

/// The error of a path that is not a link file applinkd may read (`confine`).
fn outside(path: &Path, why: crate::confine::Outside) -> Diagnostic {
    let shown = crate::report::shown_path(&path.display().to_string());
    Diagnostic::error(why.to_string(), Label::at(Location::file(shown), ""))
        .with_hint(Some("replace the symlink with the file itself, or point it inside the config directory"))
}

fn identity(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_file_names() {
        assert!(is_link_file("links.toml"));
        for skipped in
            [".#links.toml", ".links.toml", "links.toml~", "links.toml.swp", "4913", "#links.toml#", "links.txt"]
        {
            assert!(!is_link_file(skipped), "{skipped}");
        }
    }
}
