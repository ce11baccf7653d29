//! The link directory is a boundary (README: Link files): which real paths are inside the
//! config roots. A `*.toml` symlink (or a symlinked directory) whose real target lies
//! outside every root is never followed, read, printed or written, so a shared link
//! repository cannot make `check`, the daemon or an edit read `~/.git-credentials` or
//! write `~/.bashrc`. Discovery (`config_paths`) and every edit ask here; nothing
//! else decides it.
//!
//! A root is the real path of a config path as given: a directory (everything below
//! it) or a file (that file alone). A file named with `-c` that is itself a symlink is
//! held to the same rule as one found in a directory: its real target must lie in the
//! directory that holds the link (a ConfigMap's `links.toml -> ..data/links.toml` does;
//! a shared repository's `links.toml -> ~/.git-credentials`, which CI may `check -c`,
//! does not). A symlink that leads nowhere is judged by where it leads.

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
                let link = unresolved(path);
                let holder = link.parent().unwrap_or(Path::new("/"));
                // A symlink out of its own directory is the link alone: `check` then
                // finds its target outside and refuses it.
                roots.files.push(if is_symlink(path) && !real.starts_with(holder) { link } else { real });
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
            let through_link = path.ancestors().any(is_symlink);
            return Err(if through_link && (self.contains(&lexical(path)) || self.contains(&unresolved(path))) {
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

fn is_symlink(path: &Path) -> bool {
    path.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink())
}

/// `path` with its directory's real path and its own name: the link itself, not where
/// it leads.
fn unresolved(path: &Path) -> PathBuf {
    let absolute = lexical(path);
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) => real_path(parent).join(name),
        _ => absolute,
    }
}

/// Symlinks followed at most, as the kernel does (ELOOP).
const MAX_LINKS: usize = 40;

/// The real path of `path`: symlinks resolved; for a path that does not exist, its
/// nearest existing ancestor resolved and the rest appended; for a symlink that leads
/// nowhere (yet), where it leads.
pub fn real_path(path: &Path) -> PathBuf {
    real_path_following(path, MAX_LINKS)
}

fn real_path_following(path: &Path, links: usize) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    if links > 0
        && let Ok(target) = std::fs::read_link(path)
    {
        let at = lexical(path);
        return real_path_following(&at.parent().unwrap_or(Path::new("/")).join(target), links - 1);
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

    #[test]
    fn a_file_named_as_a_root_is_held_to_its_own_directory() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join("..data")).unwrap();
        std::fs::write(dir.path().join("secret"), "x").unwrap();
        std::fs::write(repo.join("..data/links.toml"), "").unwrap();
        std::os::unix::fs::symlink("../secret", repo.join("out.toml")).unwrap();
        std::os::unix::fs::symlink("..data/links.toml", repo.join("links.toml")).unwrap();
        std::os::unix::fs::symlink("../nowhere/new.toml", repo.join("dangling.toml")).unwrap();
        let out = Roots::of(&[repo.join("out.toml")]);
        assert_eq!(out.check(&repo.join("out.toml")), Err(Outside::Symlink));
        let configmap = Roots::of(&[repo.join("links.toml")]);
        assert!(configmap.check(&repo.join("links.toml")).is_ok());
        let dangling = Roots::of(&[repo.join("dangling.toml")]);
        assert_eq!(dangling.check(&repo.join("dangling.toml")), Err(Outside::Symlink));
        let below = Roots::of(std::slice::from_ref(&repo));
        assert_eq!(below.check(&repo.join("dangling.toml")), Err(Outside::Symlink));
    }
}
