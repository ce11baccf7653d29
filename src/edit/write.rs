//! Atomic writes of link files: a temporary file in the same directory (a hidden
//! name no watcher takes for a link file), written, flushed and synced, given the
//! file's mode, and renamed over it; a symlinked file is written at its target.
//! Refused, writing nothing, if the file changed on disk since it was read.

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0} changed on disk since it was read; nothing was written (run the command again)")]
    Changed(String),
    #[error("cannot write {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

/// Where writing `path` really writes: its symlink's target, if it is one.
pub fn target_of(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Writes `contents` to `path` atomically, if the file still holds `expected`
/// (`None`: it must still not exist).
pub fn write_atomic(path: &Path, contents: &[u8], expected: Option<&[u8]>) -> Result<(), WriteError> {
    let shown = path.display().to_string();
    let io = |source| WriteError::Io { path: shown.clone(), source };
    let target = target_of(path);
    match (std::fs::read(&target), expected) {
        (Ok(now), Some(expected)) if now == expected => {}
        (Err(e), None) if e.kind() == std::io::ErrorKind::NotFound => {}
        (Err(e), Some(_)) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
        _ => return Err(WriteError::Changed(shown)),
    }
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut temp = tempfile::Builder::new().prefix(".applinkd-").suffix(".tmp").tempfile_in(dir).map_err(io)?;
    temp.write_all(contents).map_err(io)?;
    temp.as_file().sync_all().map_err(io)?;
    if let Ok(meta) = std::fs::metadata(&target) {
        std::fs::set_permissions(temp.path(), meta.permissions()).map_err(io)?;
    }
    temp.persist(&target).map_err(|e| io(e.error))?;
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}
