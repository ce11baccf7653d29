//! Lookup as the command line does it (README: Command line): without `-c`, ask the running
//! daemon first and fall back to reading the default files; with `-c`, read those.
//!
//! What a daemon answers is checked again here before anyone opens it: the
//! daemon is only a process listening on a port, and another user's process
//! could be listening there instead; its programs are used only when it proves
//! it is this user's own (`crate::proof`).

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::catalog::Catalog;
use crate::link_url::LinkUrl;
use crate::report;
use crate::target::{Target, pair_path};

/// The environment variable naming the daemon to ask.
pub const DAEMON_ENV: &str = "APPLINKD_URL";
pub const DEFAULT_DAEMON: &str = "http://127.0.0.1:7133";

/// A daemon on this machine answers at once or not at all.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(300);
const ANSWER_TIMEOUT: Duration = Duration::from_secs(3);

/// Where an answer came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Daemon(String),
    Files,
}

/// A resolved link, owned, whichever way it was found.
#[derive(Debug, Clone)]
pub struct Found {
    pub url: LinkUrl,
    pub app: String,
    pub id: String,
    pub app_name: Option<String>,
    pub open_with: Option<Vec<String>>,
    /// The full answer, for `--json`.
    pub json: serde_json::Value,
    pub via: Via,
}

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Nothing has that pair; `json` is the answer's `{"error": ...}` document.
    #[error("{message}")]
    NotFound { message: String, suggestions: Vec<String>, json: serde_json::Value },
    /// The daemon answered something that is not a usable URL.
    #[error("{0}")]
    Unusable(String),
    /// The daemon answered but not as applinkd would.
    #[error("{0}")]
    Daemon(String),
}

/// The daemon the user means: `$APPLINKD_URL`, else the default address.
pub fn daemon_base() -> String {
    std::env::var(DAEMON_ENV).unwrap_or_else(|_| DEFAULT_DAEMON.to_owned())
}

/// Resolves `target` (in `to`, if given): from the files at `given` (`-c`), else the
/// daemon, else the default files.
pub fn find(given: &[PathBuf], target: &Target, to: Option<&str>) -> (Result<Found, Failure>, Vec<String>) {
    let (answer, warnings) = ask(given, &resolve_path(target, to), |index| report::resolve(index, target, to));
    let answer = answer.and_then(|(json, via)| {
        let mut found = found(&json, via)?;
        if let Via::Daemon(base) = &found.via {
            // A daemon is only a process on a port: its URL must pass the app's own
            // schemes (which it reports; http and https if it does not), and the
            // program `open_with` names is taken only from this user's own loopback daemon.
            let schemes: Vec<String> = json["schemes"]
                .as_array()
                .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_ascii_lowercase)).collect())
                .unwrap_or_else(|| vec!["http".into(), "https".into()]);
            if !schemes.iter().any(|s| s == found.url.scheme()) {
                return Err(Failure::Unusable(format!(
                    "refusing the answer `{}` from {base}: `{}:` is not among the schemes the app allows ({})",
                    found.url,
                    found.url.scheme(),
                    schemes.join(", ")
                )));
            }
            if found.open_with.is_some() && !listener_is_ours(base) {
                eprintln!(
                    "warning: ignoring `open_with` from {base}: it is not a loopback daemon of your own; the URL goes to the browser"
                );
                found.open_with = None;
            }
        }
        Ok(found)
    });
    (answer, warnings)
}

/// A route, the `[browser] fallback` that came with it, and who answered.
pub type Routed = (crate::browser::Route, Option<Vec<String>>, Via);

/// Where `open URL` sends a clicked link (README: The web-link router), the same way: the daemon's
/// `/api/v1/route`, else the files. With `[browser] fallback`, if the files give one.
/// A daemon's programs (`open_with`, the fallback) are taken only from this user's
/// own loopback daemon, and a deep link only if it passes the scheme rules.
pub fn route(given: &[PathBuf], url: &str, web: bool) -> (Result<Routed, Failure>, Vec<String>) {
    use crate::browser::{Route, Way};
    let api = format!("/api/v1/route?url={}{}", encode(url), if web { "&web=1" } else { "" });
    let mut fallback = None;
    let (answer, mut warnings) = ask(given, &api, |index| {
        let route = crate::browser::route(index, url, web);
        fallback = index.browser_fallback().map(|(argv, _, _)| argv.to_vec());
        Ok(crate::browser::to_json(index, &route))
    });
    let answer = answer.and_then(|(json, via)| {
        let Via::Daemon(base) = &via else {
            let (route, _) = crate::browser::from_json(&json).ok_or_else(|| Failure::Daemon("no route".into()))?;
            return Ok((route, fallback, via));
        };
        let (mut route, mut daemon_fallback): (Route, Option<Vec<String>>) = crate::browser::from_json(&json)
            .ok_or_else(|| Failure::Daemon(format!("{base} answered a route applinkd would not give")))?;
        if matches!(route.way, Way::Native)
            && (LinkUrl::parse(&route.url).is_err() || crate::scheme::check_openable(&route.url).is_err())
        {
            return Err(Failure::Unusable(format!("refusing the deep link `{}` from {base}", route.url)));
        }
        let runs_programs = matches!(route.way, Way::OpenWith(_)) || daemon_fallback.is_some();
        if runs_programs && !listener_is_ours(base) {
            warnings.push(format!(
                "ignoring the programs {base} names: it is not a loopback daemon of your own; the URL goes to the browser"
            ));
            route = Route { way: Way::Fallback, url: url.to_owned(), ..route };
            daemon_fallback = None;
        }
        Ok((route, daemon_fallback, via))
    });
    (answer, warnings)
}

/// What `show` prints: the `/api/v1/show` document for `target`, the same way.
pub fn show(given: &[PathBuf], target: &Target) -> (Result<(serde_json::Value, Via), Failure>, Vec<String>) {
    ask(given, &show_path(target), |index| report::show(index, target))
}

/// What `list` prints: every record matching `app` and `kind`, as `/api/v1/records`
/// answers (asked page by page of a daemon).
pub fn list(
    given: &[PathBuf],
    app: Option<&str>,
    kind: Option<crate::parsed_file::Kind>,
) -> (Result<(serde_json::Value, Via), Failure>, Vec<String>) {
    const PAGE: usize = 10_000;
    let mut query = String::new();
    if let Some(app) = app {
        query.push_str(&format!("&app={}", encode(app)));
    }
    if let Some(kind) = kind {
        query.push_str(&format!("&kind={kind}"));
    }
    let (first, warnings) = ask(given, &format!("/api/v1/records?limit={PAGE}{query}"), |index| {
        report::records(index, "", app, kind, 0, usize::MAX)
    });
    let Ok((mut answer, Via::Daemon(base))) = first else {
        return (first, warnings);
    };
    // A daemon answers a page at a time.
    let total = answer["total"].as_u64().unwrap_or(0) as usize;
    let mut offset = PAGE;
    while offset < total {
        let page = ask_daemon(&base, &format!("/api/v1/records?limit={PAGE}&offset={offset}{query}"));
        let Some((Ok(page), _)) = page else {
            return (Err(Failure::Daemon(format!("{base} stopped answering the list at record {offset}"))), warnings);
        };
        if let (Some(records), Some(more)) = (answer["records"].as_array_mut(), page["records"].as_array()) {
            records.extend(more.iter().cloned());
        }
        offset += PAGE;
    }
    (Ok((answer, Via::Daemon(base))), warnings)
}

/// The daemon's page (not the API) for a target: where a browser is sent, and
/// where the daemon explains a failure.
pub fn daemon_page(target: &Target, to: Option<&str>) -> String {
    let path = resolve_path(target, to);
    match target {
        Target::Pair(_) => path.replacen("/api/v1/resolve", "", 1),
        Target::AppUrl(_) => path.replacen("/api/v1/resolve", "/go", 1),
    }
}

/// The HTTP client for asking a daemon: no redirects followed, short deadlines.
fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::config::Config::builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(ANSWER_TIMEOUT))
            .build(),
    )
}

/// Whether an applinkd daemon answers at `base` (its health check).
pub fn daemon_answers(base: &str) -> bool {
    let agent = agent();
    agent
        .get(&format!("{}/healthz", base.trim_end_matches('/')))
        .call()
        .is_ok_and(|mut r| r.status() == 200 && r.body_mut().read_to_string().is_ok_and(|b| b == "ok\n"))
}

/// The daemon's API path answering `resolve` for a target.
fn resolve_path(target: &Target, to: Option<&str>) -> String {
    let mut path = match target {
        Target::Pair(pair) => format!("/api/v1/resolve{}?", pair_path(&pair.app, &pair.id)),
        Target::AppUrl(url) => format!("/api/v1/resolve?url={}&", encode(url)),
    };
    let to = to.or(match target {
        Target::Pair(pair) => pair.to.as_deref(),
        Target::AppUrl(_) => None,
    });
    if let Some(to) = to {
        path.push_str("to=");
        path.push_str(&encode(to));
    }
    path.trim_end_matches(['?', '&']).to_owned()
}

fn show_path(target: &Target) -> String {
    match target {
        Target::Pair(pair) => format!("/api/v1/show{}", pair_path(&pair.app, &pair.id)),
        Target::AppUrl(url) => format!("/api/v1/show?url={}", encode(url)),
    }
}

/// `value` as a query value: only what a query value must not hold is percent-encoded
/// (`/`, `:` and `?` stay as they are, so that a long URL stays within what the daemon
/// takes: an 8 KiB URL of `%XX` is 13.4 KiB, not 24).
fn encode(value: &str) -> String {
    use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
    /// Everything but RFC 3986's query characters, and `&`, `+`, `=`, `;` (which split
    /// or change a query value for the daemon's parser).
    const QUERY_VALUE: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'&')
        .add(b'+')
        .add(b';')
        .add(b'<')
        .add(b'=')
        .add(b'>')
        .add(b'[')
        .add(b'\\')
        .add(b']')
        .add(b'^')
        .add(b'`')
        .add(b'{')
        .add(b'|')
        .add(b'}');
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// The one daemon-or-files lookup: the daemon's answer at `api` when no `-c` was
/// given and a daemon answers, else `local` on the files; with the files' problems as warnings.
/// `applinkd check -c PATH...` for these paths: the command that shows these files' errors
/// (a bare `applinkd check` reads the default files, which may be others).
pub fn check_command(paths: &[PathBuf]) -> String {
    let mut command = String::from("applinkd check");
    for path in paths {
        let shown = path.display().to_string();
        let plain = shown.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._-~+@:,".contains(&b));
        if plain {
            command.push_str(&format!(" -c {shown}"));
        } else {
            command.push_str(&format!(" -c '{}'", shown.replace('\'', r"'\''")));
        }
    }
    command
}

fn ask(
    given: &[PathBuf],
    api: &str,
    local: impl FnOnce(&crate::index::Index) -> Result<serde_json::Value, report::Problem>,
) -> (Result<(serde_json::Value, Via), Failure>, Vec<String>) {
    let mut warnings = Vec::new();
    let base = daemon_base();
    if given.is_empty() && api.len() > crate::server::MAX_TARGET {
        // The daemon would refuse the request (`400`): the files answer it.
        tracing::debug!("the request for the daemon is {} bytes long; reading the files", api.len());
    } else if given.is_empty() && daemon_resting(&base) {
        warnings.push(format!(
            "the daemon at {base} did not answer in time a moment ago; answering from the link files for now"
        ));
    } else if given.is_empty() {
        let asked = std::time::Instant::now();
        let answered = ask_daemon(&base, api);
        if answered.is_none() && asked.elapsed() >= ANSWER_TIMEOUT / 2 {
            rest_daemon(&base);
            warnings.push(format!("the daemon at {base} did not answer in time; answering from the link files"));
        }
        match answered {
            Some((answer, errors)) => {
                if errors > 0 {
                    warnings.push(format!(
                        "the daemon at {base} reports {errors} error(s) in its link files; what they hold is not \
                         applied (they are listed at {base}/api/v1/status and on {base}/)"
                    ));
                }
                return (answer.map(|json| (json, Via::Daemon(base))), warnings);
            }
            None => tracing::debug!("no daemon at {base}; reading the files"),
        }
    }
    let paths = crate::config_paths::from_arguments(given);
    let mut kept = KEPT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let fresh;
    let (catalog, index) = match kept.as_mut() {
        // A session that keeps the files (the native host): re-read only what changed.
        Some(Some((catalog, index, at))) if *at == paths => {
            if !catalog.refresh(&[], false).is_empty() {
                *index = catalog.index();
            }
            (&*catalog, &*index)
        }
        Some(slot) => {
            let catalog = Catalog::load(paths.clone());
            let index = catalog.index();
            let (catalog, index, _) = slot.insert((catalog, index, paths.clone()));
            (&*catalog, &*index)
        }
        None => {
            let catalog = Catalog::load(paths.clone());
            let index = catalog.index();
            fresh = (catalog, index);
            (&fresh.0, &fresh.1)
        }
    };
    if catalog.files().iter().all(|f| f.good.is_none()) {
        // Nothing to answer from: say everywhere that was tried.
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let daemon = if given.is_empty() { format!("no daemon answered at {base}, and ") } else { String::new() };
        warnings.push(format!("{daemon}no link files were found in {}", shown.join(", ")));
    }
    // Say what is wrong (the first few, one line each), not only that something is.
    let errors: Vec<String> = catalog.diagnostics().filter(|d| d.is_error()).map(ToString::to_string).collect();
    if !errors.is_empty() {
        let count = errors.len();
        warnings.push(format!(
            "{count} error(s) in the link files; what they hold is not applied (run `{}`)",
            check_command(&paths)
        ));
        warnings.extend(errors.into_iter().take(3));
    }
    let answer = local(index).map(|json| (json, Via::Files)).map_err(|problem| problem.into());
    (answer, warnings)
}

/// How long a session that keeps the files (the native host) answers from them without
/// asking a daemon that let a request time out: one silent daemon costs the session one
/// `ANSWER_TIMEOUT`, not one for every message (a browser gives a message 10 s).
const DAEMON_REST: Duration = Duration::from_secs(30);

/// The daemon that last timed out in this session, and until when it is not asked.
static RESTING: std::sync::Mutex<Option<(String, std::time::Instant)>> = std::sync::Mutex::new(None);

fn rest_daemon(base: &str) {
    let keeping = KEPT.lock().unwrap_or_else(std::sync::PoisonError::into_inner).is_some();
    if keeping {
        *RESTING.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((base.to_owned(), std::time::Instant::now() + DAEMON_REST));
    }
}

fn daemon_resting(base: &str) -> bool {
    RESTING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_ref()
        .is_some_and(|(resting, until)| resting == base && std::time::Instant::now() < *until)
}

/// The link files kept between the lookups of one process, once `keep_files` was called:
/// `None` while not kept; `Some(None)` until the first lookup reads them.
type Kept = Option<Option<(Catalog, crate::index::Index, Vec<PathBuf>)>>;
static KEPT: std::sync::Mutex<Kept> = std::sync::Mutex::new(None);

/// From now on, lookups that read the link files keep them, and later lookups re-read only
/// the files that changed (and build the index again only then): for a process that answers
/// many lookups, the native host on a port the browser keeps open.
pub fn keep_files() {
    let mut kept = KEPT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    kept.get_or_insert(None);
}

impl From<report::Problem> for Failure {
    fn from(problem: report::Problem) -> Failure {
        Failure::NotFound {
            message: problem.message().to_owned(),
            suggestions: problem.suggestions(),
            json: problem.body,
        }
    }
}

#[derive(Deserialize)]
struct Answer {
    url: String,
    app: String,
    id: String,
    app_name: Option<String>,
    open_with: Option<Vec<String>>,
}

/// Builds a `Found` from a resolution's JSON, checking the URL as a link file would be.
fn found(json: &serde_json::Value, via: Via) -> Result<Found, Failure> {
    let answer: Answer =
        serde_json::from_value(json.clone()).map_err(|e| Failure::Daemon(format!("unexpected answer: {e}")))?;
    let url = LinkUrl::parse(&answer.url)
        .map_err(|e| Failure::Unusable(format!("refusing the answer `{}`: {e}", answer.url)))?;
    Ok(Found {
        url,
        app: answer.app,
        id: answer.id,
        app_name: answer.app_name,
        open_with: answer.open_with,
        json: json.clone(),
        via,
    })
}

/// `None` when no daemon answers (then the files are read instead); else its answer,
/// and how many errors it says its files have.
fn ask_daemon(base: &str, api: &str) -> Option<(Result<serde_json::Value, Failure>, usize)> {
    let url = format!("{}{api}", base.trim_end_matches('/'));
    let agent = agent();
    let mut response = match agent.get(&url).call() {
        Ok(response) => response,
        Err(e) => {
            tracing::debug!("asking {url}: {e}");
            return None;
        }
    };
    let status = response.status().as_u16();
    let errors = response
        .headers()
        .get(crate::server::ERRORS_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let body = response.body_mut().read_to_string().unwrap_or_default();
    let json: serde_json::Value = match serde_json::from_str(&body) {
        Ok(json) => json,
        Err(_) => {
            return Some((
                Err(Failure::Daemon(format!("{base} answered {status} without JSON; is it applinkd?"))),
                errors,
            ));
        }
    };
    let answer = match status {
        200 => Ok(json),
        400 | 404 | 409 if json["error"].is_object() => Err(report::Problem { status, body: json }.into()),
        _ => Err(Failure::Daemon(format!("{base} answered {status}"))),
    };
    Some((answer, errors))
}

/// Whether the daemon at `base` proves it is this user's own (`crate::proof`): a
/// daemon is only a process on a port, and `open_with` and the fallback name programs
/// to run, so they are taken from a daemon only when it proves it, on any OS. Another
/// user's process, one on another address (`127.0.0.2`) or machine, or a relay cannot.
fn listener_is_ours(base: &str) -> bool {
    let agent = agent();
    crate::proof::daemon_proves(base, |path| {
        let mut response = agent.get(&format!("{}{path}", base.trim_end_matches('/'))).call().ok()?;
        if response.status() != 200 {
            return None;
        }
        response.body_mut().with_config().limit(4096).read_to_string().ok()
    })
}
