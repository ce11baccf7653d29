//! `applinkd serve`: load the link files, watch them, and answer HTTP.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{ConfigArgs, FAILURE};
use crate::config_paths;
use crate::live::Reloader;
use crate::server;

/// The default listen address (README: The daemon).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7133";

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// Address to listen on. Anything but loopback is reachable from other machines.
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// Also answer requests whose Host is NAME, with any port or none (behind a proxy:
    /// `links.example.com:443`), or NAME:PORT, that port only (repeatable).
    #[arg(long = "allow-host", value_name = "NAME")]
    allow_host: Vec<String>,
    /// Seconds a client may take to send a request head, or leave a read or write of
    /// its connection waiting, before it is disconnected.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    client_timeout: f64,
    /// Milliseconds a link file that reads empty mid-save keeps its last version (for tests).
    #[arg(long, value_name = "MS", hide = true, default_value_t = crate::watcher::EMPTY_GRACE.as_millis() as u64)]
    empty_grace_ms: u64,
}

pub fn run(args: &ServeArgs) -> ExitCode {
    super::init_logging();
    // Bind first: a second instance fails at once, before loading anything.
    let listener = match std::net::TcpListener::bind(args.listen).and_then(|l| l.set_nonblocking(true).map(|()| l)) {
        Ok(listener) => listener,
        Err(e) => {
            let hint = if e.kind() == std::io::ErrorKind::AddrInUse { " (is applinkd already running?)" } else { "" };
            tracing::error!("cannot listen on {}: {e}{hint}", args.listen);
            return ExitCode::from(FAILURE);
        }
    };
    let port = listener.local_addr().map_or(args.listen.port(), |a| a.port());
    let paths = match first_run(&args.config.paths_given(), port) {
        Ok(paths) => paths,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::from(FAILURE);
        }
    };
    let paths: Vec<PathBuf> = paths.into_iter().map(|p| std::path::absolute(&p).unwrap_or(p)).collect();
    let reloader = Reloader::start(paths.clone());
    let live = reloader.live();
    {
        let snapshot = live.load();
        let (shown, more) = crate::diagnostic::bounded(&snapshot.diagnostics);
        for d in shown {
            tracing::warn!("{d}");
        }
        for line in crate::diagnostic::more_lines(&more) {
            tracing::warn!("{line}");
        }
        tracing::info!(
            files = snapshot.files.len(),
            links = snapshot.index.link_count(),
            records = snapshot.index.records().len(),
            apps = snapshot.index.apps().len(),
            ms = format!("{:.1}", snapshot.reload.duration_ms),
            "loaded"
        );
    }
    let _watcher = match crate::watcher::spawn(paths, reloader, std::time::Duration::from_millis(args.empty_grace_ms)) {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!("cannot watch the link files, so edits need a restart: {e}");
            None
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!("cannot start: {e}");
            return ExitCode::from(FAILURE);
        }
    };
    runtime.block_on(async {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(e) => {
                tracing::error!("cannot listen on {}: {e}", args.listen);
                return ExitCode::from(FAILURE);
            }
        };
        if !args.listen.ip().is_loopback() {
            tracing::warn!(
                "listening on {}, which other machines can reach; only Host names allowed are answered",
                args.listen
            );
        }
        // The secret this daemon proves it is its user's own with (`open` trusts its
        // programs only then); without it the daemon still serves.
        let proof = match crate::proof::Secret::ensure() {
            Ok(secret) => Some(std::sync::Arc::new(secret)),
            Err(e) => {
                tracing::warn!("cannot keep applinkd's secret ({e}); `open` will not run programs this daemon names");
                None
            }
        };
        let address = listener.local_addr().map_or(args.listen, |a| a);
        tracing::info!("serving on http://{address}/ (try http://applink.localhost:{}/)", address.port());
        let options = server::Options {
            proof,
            allowed_hosts: args.allow_host.clone(),
            max_connections: connection_limit(),
            header_read_timeout: std::time::Duration::from_secs_f64(args.client_timeout.clamp(0.05, 3600.0)),
            ..server::Options::default()
        };
        match server::run(listener, live, options, shutdown_signal()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!("{e}");
                ExitCode::from(FAILURE)
            }
        }
    })
}

/// With no config path given anywhere and no user config directory yet, make the
/// directory with a commented starter file, and say where it is.
fn first_run(given: &[PathBuf], port: u16) -> std::io::Result<Vec<PathBuf>> {
    let paths = config_paths::from_arguments(given);
    let default = config_paths::default_dir();
    if paths == [default.clone()] && !default.exists() {
        std::fs::create_dir_all(&default)?;
        let starter = default.join("links.toml");
        // The example link in it is on the port this daemon really listens on.
        std::fs::write(&starter, include_str!("../starter.toml").replace(":7133/", &format!(":{port}/")))?;
        tracing::info!("created {} with a commented example; add your links there", starter.display());
        eprintln!("applinkd: created {}; add your links there", starter.display());
    }
    Ok(paths)
}

/// Connections served at once: what the descriptor limit allows (raised to its hard
/// limit first), less a reserve for reloads (the directory walk, the files, the
/// watcher), so that a flood of clients can never starve a reload.
fn connection_limit() -> usize {
    let soft = rlimit::increase_nofile_limit(u64::MAX)
        .or_else(|_| rlimit::getrlimit(rlimit::Resource::NOFILE).map(|(soft, _)| soft))
        .unwrap_or(1024);
    let reserve = (soft / 8).max(64);
    let limit = soft.saturating_sub(reserve).clamp(16, 65_536) as usize;
    tracing::debug!("descriptor limit {soft}: serving up to {limit} connections at once");
    limit
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM (systemd, launchd, kill).
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    tracing::info!("shutting down");
}
