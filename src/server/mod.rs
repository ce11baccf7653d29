//! The HTTP daemon (README: The daemon): hyper 1 on tokio, HTTP/1 only, no framework.
//!
//! [`run`] takes an already-bound listener and any future as its shutdown signal,
//! so tests bind `127.0.0.1:0` and talk to the real thing. Handlers are
//! synchronous: a request only reads the current snapshot, which never blocks;
//! those that scan every record, and identifies of App URLs that take more work
//! than a redirect (a bounded first try says which; at most a few milliseconds,
//! README: identify), run on the blocking pool, identifies a few at a time, so that a
//! redirect never waits behind them.
//!
//! - `routes`: which request gets which answer; `api`: the JSON API; `pages`: HTML.
//! - `host_guard`: the Host check (DNS rebinding); `response`: answers and their headers.
//! - `deadline`: no read or write of a connection waits past the client timeout.
//! - `own_answers`: the safety headers on the answers hyper makes itself.
//! - `metrics`: `/metrics` in the Prometheus text format.
//! - `proof`: `/api/v1/proof`, the daemon's proof that it is its user's own.

mod api;
mod deadline;
mod host_guard;
mod metrics;
mod own_answers;
mod pages;
mod proof;
mod response;
mod routes;

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::live::Live;
pub use api::ERRORS_HEADER;
pub use host_guard::HostGuard;
pub use routes::MAX_TARGET;
pub(crate) use routes::encode as routes_encode;

/// How the server behaves; the defaults suit a personal daemon.
#[derive(Debug, Clone)]
pub struct Options {
    /// Extra `Host` names to answer (`--allow-host`), besides loopback ones.
    pub allowed_hosts: Vec<String>,
    /// Connections served at once; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// A client must send its request head within this time, and no read or write of
    /// a connection may wait longer (a client that stops reading is disconnected).
    pub header_read_timeout: Duration,
    /// How long shutdown waits for open requests.
    pub shutdown_grace: Duration,
    /// The secret `/api/v1/proof` proves with; without one the daemon cannot prove
    /// it is its user's own, and `open` takes no programs from it.
    pub proof: Option<Arc<crate::proof::Secret>>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            allowed_hosts: Vec::new(),
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(5),
            proof: None,
        }
    }
}

/// Longest request head (request line and headers) read, in bytes; longer gets `431`.
const MAX_HEAD: usize = 16 * 1024;

/// Identifies run at once on the blocking pool; more wait for a turn, holding no worker.
const IDENTIFIES_AT_ONCE: usize = 4;

/// Serves until `shutdown` completes, then finishes open requests (within the grace time).
pub async fn run(
    listener: TcpListener,
    live: Arc<Live>,
    options: Options,
    shutdown: impl Future,
) -> std::io::Result<()> {
    let port = listener.local_addr()?.port();
    let router = Arc::new(
        routes::Router::new(live, HostGuard::new(port, &options.allowed_hosts)).with_proof(options.proof.clone()),
    );
    let connections = Arc::new(Semaphore::new(options.max_connections));
    let identifies = Arc::new(Semaphore::new(IDENTIFIES_AT_ONCE));
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout)
        .max_buf_size(MAX_HEAD)
        .keep_alive(true);
    tokio::pin!(shutdown);
    let mut backoff = Duration::from_millis(5);
    loop {
        let permit = tokio::select! {
            permit = connections.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            _ = &mut shutdown => break,
        };
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => {
                    backoff = Duration::from_millis(5);
                    accepted
                }
                Err(e) => {
                    // EMFILE and friends: wait for descriptors to free up, keep serving.
                    tracing::warn!("accept failed: {e}; retrying in {backoff:?}");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let reached = stream.local_addr().ok().map(|a| proof::Reached(a.to_string()));
        let router = router.clone();
        let identifies = identifies.clone();
        let computing = deadline::Computing::default();
        let building = computing.clone();
        let service = service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            let router = router.clone();
            let identifies = identifies.clone();
            if let Some(reached) = &reached {
                request.extensions_mut().insert(reached.clone());
            }
            // The client timeout does not run while the answer is built (`deadline`).
            let building = building.start();
            async move {
                let path = request.uri().path();
                // Pages and lists that scan every record, and identifies that take more
                // than a redirect's work (tried first on the worker, within that work),
                // run off the runtime's workers, so that neither a search over a million
                // records nor an App URL cut every way holds up a redirect.
                let scans = routes::scans(path);
                if routes::identifies(path)
                    && let Some(answer) = router.handle_inline(&request)
                {
                    drop(building);
                    return Ok(answer);
                }
                if scans || routes::identifies(path) {
                    let permit = if scans {
                        None
                    } else {
                        Some(identifies.acquire_owned().await.expect("the semaphore is never closed"))
                    };
                    let answered = tokio::task::spawn_blocking(move || {
                        let answer = router.handle(&request);
                        drop(permit);
                        answer
                    })
                    .await;
                    drop(building);
                    return Ok::<_, Infallible>(answered.unwrap_or_else(|_| {
                        response::text(hyper::StatusCode::INTERNAL_SERVER_ERROR, "the request failed\n")
                    }));
                }
                let answer = router.handle(&request);
                drop(building);
                Ok::<_, Infallible>(answer)
            }
        });
        let stream =
            deadline::Deadlines::new(own_answers::OwnAnswers::new(stream), options.header_read_timeout, computing);
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("connection ended: {e}");
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => tracing::info!("stopped"),
        _ = tokio::time::sleep(options.shutdown_grace) => tracing::warn!("stopped with requests still open"),
    }
    Ok(())
}
