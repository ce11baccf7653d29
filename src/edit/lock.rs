//! The edit lock: two applinkd edits of the same link files never interleave (README: Links in and out).
//!
//! Each config root's directory (a file root: the directory holding it), and every
//! directory holding a link file below the roots, is locked with `flock(LOCK_EX)` on the
//! directory itself, from before the first read to after the last write, in path order:
//! two edits of overlapping roots (`-c repo` and `-c repo/team`) share the directories
//! of the files they both read, so one waits for the other, and cannot deadlock.
//! Locking the directory writes nothing into the user's repository, works for every
//! user who can read it, and the kernel drops it when the process ends, however it ends.
//!
//! A second edit waits at most `APPLINKD_LOCK_TIMEOUT` (default 10 s, `humantime`
//! form such as `500ms`), then says which process holds the lock (on Linux, read from
//! `/proc/locks`).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rustix::fs::FlockOperation;

/// The environment variable that bounds the wait for another edit's lock.
pub const TIMEOUT_ENV: &str = "APPLINKD_LOCK_TIMEOUT";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Held while an edit runs; dropping it lets the next edit in.
#[derive(Debug)]
pub struct EditLock {
    held: Vec<File>,
    /// Roots that did not exist and were made to be locked: removed again when the lock
    /// goes if the edit left them empty (refused, failed, `--dry-run`), so an edit that
    /// writes nothing leaves nothing behind.
    made: Vec<PathBuf>,
}

impl Drop for EditLock {
    fn drop(&mut self) {
        for dir in self.made.iter().rev() {
            // Fails, as it should, when the edit wrote a file there.
            let _ = std::fs::remove_dir(dir);
        }
        self.held.clear();
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another edit of {dir} is running ({holder}); waited {waited:?}, nothing was written")]
    Busy { dir: String, holder: String, waited: Duration },
    #[error("cannot lock {dir} for the edit: {source}")]
    Io { dir: String, source: std::io::Error },
}

impl EditLock {
    /// Locks the directories of `roots` (real paths of the config roots), waiting for
    /// another edit at most the configured time.
    pub fn acquire(dirs: &[PathBuf]) -> Result<EditLock, LockError> {
        let timeout = std::env::var(TIMEOUT_ENV)
            .ok()
            .and_then(|v| humantime::parse_duration(v.trim()).ok())
            .unwrap_or(DEFAULT_TIMEOUT);
        let mut dirs: Vec<PathBuf> = dirs.to_vec();
        dirs.sort();
        dirs.dedup();
        let mut lock = EditLock { held: Vec::new(), made: Vec::new() };
        for dir in dirs {
            // A root that does not exist yet (the first `add`) is made, as the write would.
            if !dir.exists() {
                let mut missing = vec![dir.clone()];
                missing.extend(
                    dir.ancestors()
                        .skip(1)
                        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
                        .map(Path::to_path_buf),
                );
                std::fs::create_dir_all(&dir).map_err(|source| LockError::Io { dir: shown(&dir), source })?;
                lock.made.extend(missing.into_iter().rev());
            }
            lock.held.push(lock_one(&dir, timeout)?);
        }
        Ok(lock)
    }
}

impl EditLock {
    /// No lock: for a workspace read while the caller holds the lock already.
    pub(crate) fn none() -> EditLock {
        EditLock { held: Vec::new(), made: Vec::new() }
    }
}

fn shown(dir: &Path) -> String {
    dir.display().to_string()
}

fn lock_one(dir: &Path, timeout: Duration) -> Result<File, LockError> {
    let io = |source| LockError::Io { dir: shown(dir), source };
    let file = File::open(dir).map_err(io)?;
    let started = Instant::now();
    let mut pause = Duration::from_millis(2);
    loop {
        match rustix::fs::flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return Ok(file),
            Err(rustix::io::Errno::WOULDBLOCK) | Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(io(e.into())),
        }
        let waited = started.elapsed();
        if waited >= timeout {
            return Err(LockError::Busy { dir: shown(dir), holder: holder(&file), waited });
        }
        std::thread::sleep(pause.min(timeout - waited));
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// Who holds the lock on `file`'s inode: "process 1234 (applinkd add …)".
fn holder(file: &File) -> String {
    #[cfg(target_os = "linux")]
    if let Some(pid) = linux_holder(file) {
        let command = std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|raw| {
                raw.split(|&b| b == 0)
                    .filter(|a| !a.is_empty())
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        let command: String = command.chars().take(120).collect();
        return if command.is_empty() { format!("process {pid}") } else { format!("process {pid}: {command}") };
    }
    let _ = file;
    "held by another process".into()
}

/// The pid `/proc/locks` gives for a `FLOCK` on the file's inode.
#[cfg(target_os = "linux")]
fn linux_holder(file: &File) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    let meta = file.metadata().ok()?;
    let (major, minor) = (libc::major(meta.dev()), libc::minor(meta.dev()));
    let wanted = format!("{major:02x}:{minor:02x}:{}", meta.ino());
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    // "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"
    locks.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let at = fields.iter().position(|f| *f == "FLOCK")?;
        let (pid, inode) = (fields.get(at + 3)?, fields.get(at + 4)?);
        (inode.eq_ignore_ascii_case(&wanted)).then(|| pid.parse().ok())?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_waits_then_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let first = EditLock::acquire(&[dir.path().to_path_buf()]).unwrap();
        let file = File::open(dir.path()).unwrap();
        let err = lock_one(dir.path(), Duration::from_millis(20)).unwrap_err();
        let LockError::Busy { holder, .. } = err else { panic!("{err}") };
        assert!(holder.contains(&std::process::id().to_string()), "{holder}");
        drop(first);
        rustix::fs::flock(&file, FlockOperation::NonBlockingLockExclusive).expect("free after drop");
    }
}
