//! The link directory is a boundary (README: Link files): which real paths are inside the
//! config roots. A `*.toml` symlink (or a symlinked directory) whose real target lies
//! outside every root is never followed, read, printed or written, so a shared link
//! repository cannot make `check`, the daemon or an edit read `~/.git-credentials` or
//! write `~/.bashrc`. Discovery (`config_paths`) and every edit ask here; nothing
//! else decides it.
//!
//! A root is the real path of a config path as given: a directory (everything below
//! it) or a file (that file alone; naming it with `-c` is the owner's choice).

use std::path::{Path, PathBuf};

/// The real paths of the config roots.
#[derive(Debug, Clone, Default)]
pub struct Roots {
    dirs: Vec<PathBuf>,
    files: Vec<PathBuf>,
}

/// Why a path is not a link file applinkd may touch. The messages never name a
/// symlink's target (that could be a secret's path).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Outside {
    #[error(
        "a symlink that leads outside the config paths; it is not read (a link file must lie inside a config directory)"
    )]
    Symlink,
    #[error("not a regular file (a FIFO, socket, device or directory); only regular files are link files")]
    NotRegular,
    #[error("outside the config paths ({0}); edits only go into files inside them")]
    NotInRoots(String),
}

impl Roots {
    /// The roots of `paths`; paths that do not exist (yet) are taken as written,
    /// their nearest existing ancestor resolved.
    pub fn of(paths: &[PathBuf]) -> Roots {
        let mut roots = Roots::default();
        for path in paths {
            let real = real_path(path);
            if std::fs::metadata(path).is_ok_and(|m| m.is_file()) || (!path.exists() && is_toml(path)) {
                roots.files.push(real);
            } else {
                roots.dirs.push(real);
            }
        }
        roots
    }

    /// The directories below which edits and reads may go (a file root's own directory
    /// is not among them: only the file is).
    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// The directories an edit locks: each directory root, and the directory of each file root.
    pub fn lock_dirs(&self) -> Vec<PathBuf> {
        let parents = self.files.iter().filter_map(|f| f.parent().map(Path::to_path_buf));
        self.dirs.iter().cloned().chain(parents).collect()
    }

    /// Whether the real path `real` is inside a root.
    pub fn contains(&self, real: &Path) -> bool {
        self.files.iter().any(|f| f == real) || self.dirs.iter().any(|d| real.starts_with(d))
    }

    /// Checks a link file found below a root, or named by an edit: its real path must be
    /// inside a root and, if it exists, a regular file. Returns the real path.
    pub fn check(&self, path: &Path) -> Result<PathBuf, Outside> {
        let real = real_path(path);
        if !self.contains(&real) {
            let through_link = path.ancestors().any(|a| a.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink()));
            return Err(if through_link && self.contains(&lexical(path)) {
                Outside::Symlink
            } else {
                Outside::NotInRoots(self.describe())
            });
        }
        match std::fs::metadata(&real) {
            Ok(meta) if !meta.is_file() => Err(Outside::NotRegular),
            _ => Ok(real),
        }
    }

    fn describe(&self) -> String {
        let all: Vec<String> = self.dirs.iter().chain(&self.files).map(|p| p.display().to_string()).collect();
        all.join(", ")
    }
}

fn is_toml(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "toml")
}

/// The real path of `path`: symlinks resolved; for a path that does not exist, its
/// nearest existing ancestor resolved and the rest appended.
pub fn real_path(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    let absolute = lexical(path);
    let mut rest = Vec::new();
    let mut at = absolute.as_path();
    while let Some(parent) = at.parent() {
        if let Some(name) = at.file_name() {
            rest.push(name.to_owned());
        }
        if let Ok(real) = std::fs::canonicalize(parent) {
            let mut out = real;
            out.extend(rest.iter().rev());
            return out;
        }
        at = parent;
    }
    absolute
}

/// `path` made absolute and `.`/`..` taken out by text alone (no symlink followed).
fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let absolute =
        if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(path) };
    let mut out = PathBuf::new();
    for part in absolute.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symlink_out_of_the_root_is_outside_and_one_inside_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("links");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(dir.path().join("secret"), "x").unwrap();
        std::fs::write(root.join("a.toml"), "").unwrap();
        std::os::unix::fs::symlink("../secret", root.join("out.toml")).unwrap();
        std::os::unix::fs::symlink("a.toml", root.join("in.toml")).unwrap();
        let roots = Roots::of(std::slice::from_ref(&root));
        assert_eq!(roots.check(&root.join("out.toml")), Err(Outside::Symlink));
        assert!(roots.check(&root.join("in.toml")).is_ok());
        assert!(roots.check(&root.join("new.toml")).is_ok());
        assert!(matches!(roots.check(&dir.path().join("secret")), Err(Outside::NotInRoots(_))));
        assert!(!Outside::Symlink.to_string().contains("secret"));
    }
}
