//! Whether a daemon is the user's own, proven on every OS (README: The web-link router): `open` takes
//! programs (`open_with`, the fallback browser) from a daemon only then.
//!
//! The daemon keeps a secret that only its user can read (`$XDG_RUNTIME_DIR/applinkd/secret`,
//! else the user's cache directory, `applinkd/secret`: mode 0600 in a 0700 directory on
//! Unix; on Windows the per-user local app data), and answers a client's fresh nonce
//! on `GET /api/v1/proof?nonce=HEX` with HMAC-SHA256(secret, nonce ‖ the address the
//! client connected to). The client reads the same file and checks the answer. The
//! secret never crosses the socket; another user's process on the port cannot read it,
//! and a relay to the real daemon on another address or port proves that address, not
//! the one asked.

use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The secret's length in bytes.
const LEN: usize = 32;
/// A nonce's length in bytes (hex on the wire: twice that).
pub const NONCE_LEN: usize = 16;

/// The daemon's secret. Its bytes never leave this module.
pub struct Secret([u8; LEN]);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    #[error("no directory for applinkd's secret (set $XDG_RUNTIME_DIR or $HOME)")]
    NoPlace,
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0} is not private to this user (owner or mode); refusing to use it")]
    NotPrivate(PathBuf),
}

/// Where the secret is kept for this user.
pub fn secret_path() -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    let runtime = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from).filter(|p| cfg!(unix) && p.is_absolute());
    let dir = runtime.or_else(|| etcetera::choose_base_strategy().ok().map(|d| d.cache_dir()))?;
    Some(dir.join("applinkd").join("secret"))
}

impl Secret {
    /// The daemon's side: the secret in force, made if there is none (several daemons
    /// of one user share it; each proves its own address).
    pub fn ensure() -> Result<Secret, ProofError> {
        let path = secret_path().ok_or(ProofError::NoPlace)?;
        if let Ok(secret) = Secret::read_from(&path) {
            return Ok(secret);
        }
        let dir = path.parent().expect("the secret is in a directory");
        private_dir(dir)?;
        let mut bytes = [0u8; LEN];
        getrandom::fill(&mut bytes).map_err(|e| ProofError::Io(path.clone(), std::io::Error::other(e)))?;
        let temporary = dir.join(format!(".secret.{}", std::process::id()));
        let _ = std::fs::remove_file(&temporary);
        write_private(&temporary, &bytes).map_err(|e| ProofError::Io(temporary.clone(), e))?;
        std::fs::rename(&temporary, &path).map_err(|e| ProofError::Io(path.clone(), e))?;
        Secret::read_from(&path)
    }

    /// The client's side: the secret, if it is there and private to this user.
    pub fn read() -> Result<Secret, ProofError> {
        Secret::read_from(&secret_path().ok_or(ProofError::NoPlace)?)
    }

    fn read_from(path: &Path) -> Result<Secret, ProofError> {
        let dir = path.parent().expect("the secret is in a directory");
        for (place, mode) in [(dir, 0o700), (path, 0o600)] {
            let meta = std::fs::symlink_metadata(place).map_err(|e| ProofError::Io(place.to_owned(), e))?;
            if !is_private(&meta, mode) {
                return Err(ProofError::NotPrivate(place.to_owned()));
            }
        }
        let bytes = std::fs::read(path).map_err(|e| ProofError::Io(path.to_owned(), e))?;
        let bytes: [u8; LEN] = bytes
            .try_into()
            .map_err(|_| ProofError::Io(path.to_owned(), std::io::Error::other("not an applinkd secret")))?;
        Ok(Secret(bytes))
    }

    /// The proof for `nonce` from a daemon reached at `address` (`127.0.0.1:7133`, `[::1]:7133`).
    pub fn prove(&self, nonce: &[u8], address: &str) -> String {
        hex(&self.mac(nonce, address).finalize().into_bytes())
    }

    fn mac(&self, nonce: &[u8], address: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(nonce);
        mac.update(address.as_bytes());
        mac
    }

    /// Whether `proof` (hex) is this secret's for `nonce` at `address`; in constant time.
    pub fn verifies(&self, nonce: &[u8], address: &str, proof: &str) -> bool {
        unhex(proof).is_some_and(|p| self.mac(nonce, address).verify_slice(&p).is_ok())
    }
}

#[cfg(unix)]
fn is_private(meta: &std::fs::Metadata, mode: u32) -> bool {
    use std::os::unix::fs::MetadataExt;
    let kind_ok = if mode == 0o700 { meta.is_dir() } else { meta.is_file() };
    kind_ok && meta.uid() == rustix::process::geteuid().as_raw() && meta.mode() & 0o077 == 0
}

#[cfg(not(unix))]
fn is_private(meta: &std::fs::Metadata, mode: u32) -> bool {
    // The per-user local app data directory is the user's alone by its ACL.
    if mode == 0o700 { meta.is_dir() } else { meta.is_file() }
}

#[cfg(unix)]
fn private_dir(dir: &Path) -> Result<(), ProofError> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| ProofError::Io(dir.into(), e))?;
    let meta = std::fs::symlink_metadata(dir).map_err(|e| ProofError::Io(dir.into(), e))?;
    if !is_private(&meta, 0o700) {
        // Ours but too open (made by hand): close it; anyone else's: refuse.
        use std::os::unix::fs::MetadataExt;
        if meta.is_dir() && meta.uid() == rustix::process::geteuid().as_raw() {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| ProofError::Io(dir.into(), e))?;
        } else {
            return Err(ProofError::NotPrivate(dir.into()));
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn private_dir(dir: &Path) -> Result<(), ProofError> {
    std::fs::create_dir_all(dir).map_err(|e| ProofError::Io(dir.into(), e))
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len() / 2).map(|i| u8::from_str_radix(&text[i * 2..i * 2 + 2], 16).ok()).collect()
}

/// The addresses a client reaches at `base` (only loopback: a daemon elsewhere never
/// chooses a program), as the daemon writes the address it was reached at.
pub fn loopback_addresses(base: &str) -> Vec<String> {
    let Ok(url) = url::Url::parse(base) else { return Vec::new() };
    let Some(port) = url.port_or_known_default() else { return Vec::new() };
    match url.host() {
        Some(url::Host::Ipv4(ip)) if ip.is_loopback() => vec![format!("{ip}:{port}")],
        Some(url::Host::Ipv6(ip)) if ip.is_loopback() => vec![format!("[{ip}]:{port}")],
        Some(url::Host::Domain(name)) if name.eq_ignore_ascii_case("localhost") => {
            vec![format!("127.0.0.1:{port}"), format!("[::1]:{port}")]
        }
        _ => Vec::new(),
    }
}

/// Whether the daemon at `base` proves it is this user's own: a fresh nonce, and
/// its answer checked against the secret on this side. `ask` fetches a path of the
/// daemon and gives the body of a `200` answer.
pub fn daemon_proves(base: &str, ask: impl FnOnce(&str) -> Option<String>) -> bool {
    let addresses = loopback_addresses(base);
    if addresses.is_empty() {
        return false;
    }
    let Ok(secret) = Secret::read() else { return false };
    let mut nonce = [0u8; NONCE_LEN];
    if getrandom::fill(&mut nonce).is_err() {
        return false;
    }
    let Some(body) = ask(&format!("/api/v1/proof?nonce={}", hex(&nonce))) else { return false };
    let Ok(answer) = serde_json::from_str::<serde_json::Value>(&body) else { return false };
    let Some(proof) = answer["proof"].as_str() else { return false };
    addresses.iter().any(|address| secret.verifies(&nonce, address, proof))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proof_is_bound_to_the_secret_the_nonce_and_the_address() {
        let secret = Secret([7; LEN]);
        let proof = secret.prove(b"nonce-1", "127.0.0.1:7133");
        assert!(secret.verifies(b"nonce-1", "127.0.0.1:7133", &proof));
        assert!(!secret.verifies(b"nonce-2", "127.0.0.1:7133", &proof), "another nonce");
        assert!(!secret.verifies(b"nonce-1", "127.0.0.1:7134", &proof), "another port: a relay");
        assert!(!Secret([8; LEN]).verifies(b"nonce-1", "127.0.0.1:7133", &proof), "another secret");
        assert!(!secret.verifies(b"nonce-1", "127.0.0.1:7133", "zz"));
        assert_eq!(format!("{secret:?}"), "Secret(..)");
    }

    #[test]
    fn only_loopback_daemons_can_prove() {
        assert_eq!(loopback_addresses("http://127.0.0.1:7133"), ["127.0.0.1:7133"]);
        assert_eq!(loopback_addresses("http://[::1]:80/"), ["[::1]:80"]);
        assert_eq!(loopback_addresses("http://localhost:7133").len(), 2);
        assert!(loopback_addresses("http://192.0.2.1:7133").is_empty());
        assert!(loopback_addresses("http://links.example.com:7133").is_empty());
        assert!(loopback_addresses("not a url").is_empty());
    }
}
