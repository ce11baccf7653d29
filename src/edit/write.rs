//! One link file replaced as a compare-and-swap against every other writer (README: Links in and out).
//!
//! The new text goes to a temporary file beside the old one (a hidden name no watcher
//! takes for a link file), written, synced, and given the old file's mode and owner.
//! Then, on Linux, `renameat2(RENAME_EXCHANGE)` swaps it with the file in one step, and
//! the file it displaced is compared with the version the edit read: the same, and it
//! is deleted; different (an editor saved, `git pull` ran, between the read and the
//! swap), and the two are swapped back, so the other writer's content is in place and
//! intact, and the edit fails with "changed on disk". A file is only ever deleted after
//! it was compared: what was not verified stays on disk, and the error says where.
//!
//! Elsewhere (and on file systems without the exchange) the best equivalent is a
//! compare immediately before an atomic rename: a save in that window (microseconds)
//! can still be lost. A new file is created with a hard link of the temporary file,
//! which fails if another writer made the file first, on every system.
//!
//! What is refused before anything is written, as the shell would refuse it: a file the
//! user may not write (mode, a read-only mount; root too, when no one may write it),
//! a file with other hard links (replacing it would split them), a file owned by
//! someone else whose ownership the swap could not keep.

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0} changed on disk since it was read; nothing was written (run the command again)")]
    Changed(String),
    #[error(
        "{path} changed on disk while the edit wrote it; nothing of the edit was written: the other writer's newest version is in place, and {kept} holds an older one of theirs (compare and delete it)"
    )]
    Displaced { path: String, kept: String },
    #[error("{path} is read-only ({why}); nothing was written")]
    ReadOnly { path: String, why: String },
    #[error(
        "{path} has {links} hard links; replacing it would split them (edit the file itself, or make it a single file); nothing was written"
    )]
    HardLinked { path: String, links: u64 },
    #[error("{path} is owned by another user; writing it would change its owner; nothing was written")]
    Owner { path: String },
    #[error("cannot write {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

/// Checks that `path` may be replaced (or created) and still holds `expected`
/// (`None`: it must not exist). Writes nothing.
/// `shown` is how messages name the file.
pub fn preflight(path: &Path, shown: &str, expected: Option<&[u8]>) -> Result<(), WriteError> {
    let shown = shown.to_owned();
    let io = |source| WriteError::Io { path: shown.clone(), source };
    match std::fs::symlink_metadata(path) {
        Ok(meta) => {
            if expected.is_none() {
                return Err(WriteError::Changed(shown));
            }
            check_writable(path, &shown, &meta)?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if expected.is_some() {
                return Err(WriteError::Changed(shown));
            }
            let dir = parent(path);
            if dir.exists() && rustix::fs::access(dir, rustix::fs::Access::WRITE_OK).is_err() {
                return Err(WriteError::ReadOnly { path: shown, why: "its directory may not be written".into() });
            }
            return Ok(());
        }
        Err(e) => return Err(io(e)),
    }
    let now = std::fs::read(path).map_err(io)?;
    if Some(now.as_slice()) != expected {
        return Err(WriteError::Changed(shown));
    }
    Ok(())
}

fn check_writable(path: &Path, shown: &str, meta: &std::fs::Metadata) -> Result<(), WriteError> {
    use std::os::unix::fs::MetadataExt;
    let shown = shown.to_owned();
    if meta.nlink() > 1 {
        return Err(WriteError::HardLinked { path: shown, links: meta.nlink() });
    }
    let read_only = |why: &str| WriteError::ReadOnly { path: shown.clone(), why: why.into() };
    if let Err(e) = rustix::fs::access(path, rustix::fs::Access::WRITE_OK) {
        return Err(read_only(&if e == rustix::io::Errno::ROFS {
            "a read-only file system".to_string()
        } else {
            format!("mode {:o}", meta.mode() & 0o7777)
        }));
    }
    // Root passes `access` whatever the mode; a file no one may write is still meant
    // to be left alone (as `vi` and `rm` ask first).
    if meta.mode() & 0o222 == 0 {
        return Err(read_only(&format!("mode {:o}; `chmod u+w` it first", meta.mode() & 0o7777)));
    }
    let dir = parent(path);
    if rustix::fs::access(dir, rustix::fs::Access::WRITE_OK).is_err() {
        return Err(read_only("its directory may not be written, so it cannot be replaced atomically"));
    }
    Ok(())
}

fn parent(path: &Path) -> &Path {
    path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Replaces `path` with `contents` if it still holds `expected` (`None`: creates it,
/// if no one else has). `path` is a real path (symlinks resolved by the caller).
pub fn replace(path: &Path, shown: &str, contents: &[u8], expected: Option<&[u8]>) -> Result<(), WriteError> {
    preflight(path, shown, expected)?;
    let shown = shown.to_owned();
    let io = |source| WriteError::Io { path: shown.clone(), source };
    let dir = parent(path);
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut temp = tempfile::Builder::new().prefix(".applinkd-").suffix(".tmp").tempfile_in(dir).map_err(io)?;
    temp.write_all(contents).map_err(io)?;
    let temp_path = temp.path().to_path_buf();
    match expected {
        None => {
            set_new_file_mode(temp.as_file()).map_err(io)?;
            temp.as_file().sync_all().map_err(io)?;
            // A hard link fails if the name exists: nobody's new file is replaced.
            match std::fs::hard_link(&temp_path, path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(WriteError::Changed(shown)),
                Err(e) => return Err(io(e)),
            }
            drop(temp);
        }
        Some(expected) => {
            keep_mode_and_owner(temp.as_file(), path, &shown)?;
            temp.as_file().sync_all().map_err(io)?;
            // From here the temporary file is ours to manage: it may come to hold the
            // displaced file, which is deleted only once compared.
            let (_, kept) = temp.keep().map_err(|e| io(e.error))?;
            swap_in(path, &shown, &kept, contents, expected)?;
        }
    }
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// Swaps the synced temporary file `temp` (holding `contents`) in for `path`, which
/// must hold `expected`.
fn swap_in(path: &Path, shown: &str, temp: &Path, contents: &[u8], expected: &[u8]) -> Result<(), WriteError> {
    let shown = shown.to_owned();
    let io = |source| WriteError::Io { path: shown.clone(), source };
    match exchange(temp, path) {
        Ok(()) => {
            // `temp` now names the displaced file.
            let displaced = std::fs::read(temp).map_err(io)?;
            if displaced == expected {
                std::fs::remove_file(temp).map_err(io)?;
                return Ok(());
            }
            // Someone wrote between the read and the swap: give their file back.
            exchange(temp, path).map_err(io)?;
            if std::fs::read(temp).is_ok_and(|ours| ours == contents) {
                let _ = std::fs::remove_file(temp);
                return Err(WriteError::Changed(shown));
            }
            // They wrote again in the instant ours was in place, and what came out is
            // their newer file: put it back in place, and keep the older one, unchecked.
            exchange(temp, path).map_err(io)?;
            Err(WriteError::Displaced { path: shown, kept: temp.display().to_string() })
        }
        Err(e) if exchange_unsupported(&e) => {
            // The best equivalent: compare, then rename at once.
            if std::fs::read(path).map_err(io)? != expected {
                let _ = std::fs::remove_file(temp);
                return Err(WriteError::Changed(shown));
            }
            std::fs::rename(temp, path).map_err(io)
        }
        Err(e) => {
            let _ = std::fs::remove_file(temp);
            Err(io(e))
        }
    }
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

fn exchange_unsupported(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::Unsupported
        || matches!(e.raw_os_error(), Some(code) if code == libc::EINVAL || code == libc::ENOSYS || code == libc::EOPNOTSUPP)
}

/// A new file gets what the shell would give it: 0666 less the umask.
fn set_new_file_mode(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o666 & !umask()))
}

fn umask() -> u32 {
    // Read by setting and restoring: edits run on the main thread before any other.
    let mask = rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o022));
    rustix::process::umask(mask);
    mask.as_raw_mode() as u32
}

/// The replacement keeps the file's mode, owner and group.
fn keep_mode_and_owner(temp: &std::fs::File, path: &Path, shown: &str) -> Result<(), WriteError> {
    use std::os::unix::fs::MetadataExt;
    let shown = shown.to_owned();
    let io = |source| WriteError::Io { path: shown.clone(), source };
    let meta = std::fs::metadata(path).map_err(io)?;
    temp.set_permissions(meta.permissions()).map_err(io)?;
    let mine = temp.metadata().map_err(io)?;
    if (mine.uid(), mine.gid()) != (meta.uid(), meta.gid()) {
        let owner = |id| Some(rustix::process::Uid::from_raw(id));
        let group = |id| Some(rustix::process::Gid::from_raw(id));
        if rustix::fs::fchown(temp, owner(meta.uid()), group(meta.gid())).is_err() {
            // The group may be beyond us while the owner is us: keep what we can,
            // refuse only when the owner would change.
            if mine.uid() != meta.uid() {
                return Err(WriteError::Owner { path: shown });
            }
            let _ = rustix::fs::fchown(temp, None, group(meta.gid()));
        }
        temp.set_permissions(meta.permissions()).map_err(io)?;
    }
    Ok(())
}

/// Where writing `path` really writes: its symlink's target, if it is one.
pub fn target_of(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_changed_after_the_read_is_swapped_back_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("links.toml");
        std::fs::write(&path, "theirs\n").unwrap();
        // As if an editor saved after the edit read "mine".
        let err = replace(&path, "links.toml", b"new\n", Some(b"mine\n")).unwrap_err();
        assert!(matches!(err, WriteError::Changed(_)), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "theirs\n");
        // Swap itself: displaced compared, then kept when it differs.
        let temp = dir.path().join(".applinkd-x.tmp");
        std::fs::write(&temp, "new\n").unwrap();
        std::fs::write(&path, "theirs again\n").unwrap();
        let err = swap_in(&path, "links.toml", &temp, b"new\n", b"mine\n").unwrap_err();
        assert!(matches!(err, WriteError::Changed(_)), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "theirs again\n");
        assert!(!temp.exists(), "our own file, verified, is removed");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn a_new_file_is_not_made_over_another_writers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.toml");
        replace(&path, "new.toml", b"one\n", None).unwrap();
        let err = replace(&path, "new.toml", b"two\n", None).unwrap_err();
        assert!(matches!(err, WriteError::Changed(_)), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\n");
    }
}
