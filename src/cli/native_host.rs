//! `applinkd native-host`: what the browser starts for the extension (see `native_host`).
//! Lookups go the CLI's way: the daemon first, else the link files.

use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use super::{ConfigArgs, FAILURE};
use crate::native_host::{self, Answer, Caller, End, Op, Request};
use crate::target::Target;

#[derive(Args, Debug)]
pub struct NativeHostArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// What the browser passes: the caller's origin (Chromium, `chrome-extension://ID/`), or
    /// the host manifest's path and the extension's id (Firefox).
    #[arg(value_name = "CALLER", trailing_var_arg = true, allow_hyphen_values = true)]
    caller: Vec<String>,
}

/// Whether a browser started applinkd as the host, as its manifests (`register
/// --extension`) make it do: with the caller's origin (Chromium: `chrome-extension://ID/`,
/// on Windows then `--parent-window=N`) or the manifest's path and the extension's id
/// (Firefox) as the only arguments. No command line of applinkd's starts so.
pub fn started_by_browser(args: &[String]) -> bool {
    let manifest = format!("{}.json", crate::native_host::HOST_NAME);
    args.first().is_some_and(|first| {
        first.starts_with("chrome-extension://")
            || (args.len() == 2 && (first.ends_with(&manifest) || first.ends_with(".firefox.json")))
    })
}

/// Serves as the host for a browser that started applinkd (see `started_by_browser`).
pub fn for_browser(args: Vec<String>) -> ExitCode {
    serve(&Caller::from_args(&args), &[])
}

pub fn run(args: &NativeHostArgs) -> ExitCode {
    serve(&Caller::from_args(&args.caller), &args.config.paths_given())
}

fn serve(caller: &Caller, given: &[std::path::PathBuf]) -> ExitCode {
    let (caller, given) = (caller.clone(), given.to_vec());
    // A port the browser keeps open asks many times: read the files once.
    crate::lookup::keep_files();
    let mut handle = move |request: &Request| -> Answer {
        match request.op {
            Op::Show => show(&given, &request.url),
            Op::Route => route(&given, &request.url),
            Op::Open => open(&given, &request.url),
        }
    };
    let (mut input, mut output) = (std::io::stdin().lock(), std::io::stdout().lock());
    match native_host::serve(&mut input, &mut output, &caller, &mut handle) {
        End::Closed => ExitCode::SUCCESS,
        End::Failed => ExitCode::from(FAILURE),
    }
}

fn failure(failure: crate::lookup::Failure) -> (String, String) {
    use crate::lookup::Failure;
    match failure {
        Failure::NotFound { message, json, .. } => {
            let code = json["error"]["code"].as_str().unwrap_or("not_found").to_owned();
            (code, message)
        }
        Failure::Unusable(message) => ("unusable".into(), message),
        Failure::Daemon(message) => ("daemon".into(), message),
    }
}

fn show(given: &[std::path::PathBuf], url: &str) -> Answer {
    let target = Target::parse(&[url.to_owned()], &crate::lookup::daemon_base())
        .map_err(|e| ("bad_url".to_owned(), e.to_string()))?;
    let (answer, warnings) = crate::lookup::show(given, &target);
    let (mut document, _) = answer.map_err(failure)?;
    // What `route` says too: problems in the files, a daemon that did not answer.
    if !warnings.is_empty() && document.is_object() {
        document["warnings"] = json!(warnings);
    }
    Ok(document)
}

fn route(given: &[std::path::PathBuf], url: &str) -> Answer {
    let (answer, warnings) = crate::lookup::route(given, url, false);
    let (route, _, _) = answer.map_err(failure)?;
    Ok(json!({
        "route": route.way.name(),
        "url": route.url,
        "app": route.record.as_ref().map(|r| &r.0),
        "id": route.record.as_ref().map(|r| &r.1),
        "app_name": route.app_name,
        "why": route.why,
        "warnings": warnings,
    }))
}

/// How long the host's `open` watches the program it started for a failure (unless
/// `APPLINKD_OPEN_WAIT` says otherwise): a program that fails at once (an opener with no
/// handler) is reported, and the tab that waits for the answer goes back within this,
/// not after the 1.5 s a click outside the browser gives a slow opener. The host answers
/// one message at a time, so this is also what an `open` holds up the next message.
const OPEN_WAIT_SECONDS: &str = "0.2";

/// What `applinkd open URL` does, by running it: the same routing, loop marker, programs
/// and refusals as a click outside the browser.
fn open(given: &[std::path::PathBuf], url: &str) -> Answer {
    let exe = std::env::current_exe().map_err(|e| ("open".to_owned(), e.to_string()))?;
    let mut command = std::process::Command::new(exe);
    if std::env::var_os("APPLINKD_OPEN_WAIT").is_none() {
        command.env("APPLINKD_OPEN_WAIT", OPEN_WAIT_SECONDS);
    }
    command.arg("open");
    for path in given {
        command.arg("-c").arg(path);
    }
    // Its messages go to a file, not a pipe: the program it starts inherits them, and a
    // pipe would keep the answer waiting until that program exits (a desktop app: hours).
    let fail = |e: std::io::Error| ("open".to_owned(), e.to_string());
    let mut messages = tempfile::tempfile().map_err(fail)?;
    let status = command
        .arg("--")
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(messages.try_clone().map_err(fail)?)
        .status()
        .map_err(fail)?;
    let mut bytes = Vec::new();
    {
        use std::io::{Read, Seek};
        messages.seek(std::io::SeekFrom::Start(0)).map_err(fail)?;
        messages.take(64 * 1024).read_to_end(&mut bytes).map_err(fail)?;
    }
    let said = String::from_utf8_lossy(&bytes).trim().to_owned();
    if status.success() {
        Ok(json!({ "opened": url, "said": said }))
    } else {
        Err(("open_failed".to_owned(), if said.is_empty() { "applinkd open failed".to_owned() } else { said }))
    }
}
