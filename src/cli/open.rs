//! `applinkd open`: what the operating system runs for an `applink://` link, and,
//! after `register --browser`, for every clicked `http`/`https` link (README: The web-link router).
//! Resolve (daemon first), check, and hand the URL to the right program.

use std::process::ExitCode;

use clap::Args;

use super::{ConfigArgs, FAILURE, TargetArgs};
use crate::browser::fallback::{self, Fallback};
use crate::browser::{Route, Way};
use crate::lookup::Via;
use crate::opener::Launch;
use crate::target::Target;

#[derive(Args, Debug)]
pub struct OpenArgs {
    #[command(flatten)]
    pub(super) config: ConfigArgs,
    #[command(flatten)]
    target: TargetArgs,
    /// For an App URL: open the web page even where the app has a `native` deep link.
    #[arg(long)]
    web: bool,
    /// Print what would be opened, with what, and why, without opening it.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(args: &OpenArgs) -> ExitCode {
    if let [word] = args.target.target.as_slice() {
        // A URL in a scheme that can run code or reach file shares is never passed on.
        if let Err(e) = crate::scheme::check_openable(word) {
            return failed(&format!("refusing to open `{}`: {e}", shown(word)));
        }
        // Whatever applinkd just handed on and that came straight back (a daemon page
        // opened in a browser that is applinkd, a template on the daemon's own origin).
        if let Err(e) = fallback::check_not_looping(word) {
            return failed(&e.to_string());
        }
    }
    if let [word] = args.target.target.as_slice()
        && args.target.to.is_none()
        && let Ok(Target::AppUrl(url)) = Target::parse(std::slice::from_ref(word), &crate::lookup::daemon_base())
    {
        return route(args, &url);
    }
    let found = match super::look_up(&args.config, &args.target) {
        Ok(Ok(found)) => found,
        Ok(Err(failure)) => {
            let message = failure.to_string();
            let code = super::report_failure(failure, false);
            if !args.dry_run {
                crate::alert::show(&message, daemon_page(args).as_deref());
            }
            return code;
        }
        Err(usage) => return usage,
    };
    let launch = Launch::new(found.url.clone(), found.open_with.clone());
    if args.dry_run {
        // The same lines, on stdout, as for a clicked App URL (`route` below).
        let with = match &found.open_with {
            Some(_) => format!("{} (the app's `open_with`)", launch.describe()),
            None => launch.describe(),
        };
        let name = found.app_name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
        let source = match found.json["source"].as_str() {
            Some("link") => "the link's own `url`",
            _ => "the app's `url` template",
        };
        let asked = args.target.target.join(" ");
        let to = args.target.to.as_deref().map(|to| format!(", the record of `{asked}` in `{to}`")).unwrap_or_default();
        let via = match &found.via {
            Via::Daemon(base) => format!("the daemon at {base}"),
            Via::Files => "the link files".to_owned(),
        };
        super::emit(format!(
            "{}\n  with: {with}\n  record: {}{name} {}\n  why: `{} {}`{to}, by {source}\n  via: {via}\n",
            launch.url, found.app, found.id, found.app, found.id
        ));
        return ExitCode::SUCCESS;
    }
    launched(launch.run(), launch.url.as_str())
}

/// A clicked link (an App URL, or any URL when applinkd is the browser): to the app's
/// `native` deep link, its `open_with`, or the fallback browser with the URL unchanged.
fn route(args: &OpenArgs, url: &str) -> ExitCode {
    let (answer, warnings) = crate::lookup::route(&args.config.paths_given(), url, args.web);
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    let (route, configured, via) = match answer {
        Ok(answer) => answer,
        Err(e) => {
            // Whatever went wrong in the lookup, a clicked web link still opens.
            eprintln!("warning: {e}; the URL goes to the fallback browser");
            let route = Route {
                way: Way::Fallback,
                url: url.to_owned(),
                record: None,
                app_name: None,
                why: format!("the lookup failed: {e}"),
            };
            (route, None, Via::Files)
        }
    };
    // What goes to the fallback goes byte for byte as it was given.
    let handed = if route.way == Way::Fallback { url } else { route.url.as_str() };
    let plan = match &route.way {
        Way::Native => match crate::link_url::LinkUrl::parse(handed) {
            Ok(deep) => Ok(Plan::Launch(Launch::new(deep, None))),
            Err(e) => return failed(&format!("the deep link `{handed}` was refused: {e}")),
        },
        Way::OpenWith(argv) => match crate::link_url::LinkUrl::parse(handed) {
            Ok(link) => Ok(Plan::Launch(Launch::new(link, Some(argv.clone())))),
            Err(e) => return failed(&format!("`{handed}` was refused: {e}")),
        },
        Way::Fallback => fallback::choose(configured.as_deref(), url).map(Plan::Fallback),
    };
    let plan = match plan {
        Ok(plan) => plan,
        Err(e) => return failed(&e.to_string()),
    };
    if args.dry_run {
        let with = match &plan {
            Plan::Launch(launch) => format!("{} (the app's `{}`)", launch.describe(), route.way.name()),
            Plan::Fallback(Fallback::Program { argv, source }) => {
                format!("{} (the fallback browser: {source})", argv.join(" "))
            }
            Plan::Fallback(Fallback::Default) => {
                format!("{} (the fallback browser)", crate::opener::default_browser_described())
            }
        };
        let mut out = format!("{handed}\n  with: {with}\n");
        if let Some((app, id)) = &route.record {
            let name = route.app_name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
            out.push_str(&format!("  record: {app}{name} {id}\n"));
        }
        out.push_str(&format!("  why: {}\n", route.why));
        out.push_str(&format!(
            "  via: {}\n",
            match via {
                Via::Daemon(base) => format!("the daemon at {base}"),
                Via::Files => "the link files".to_owned(),
            }
        ));
        super::emit(out);
        return ExitCode::SUCCESS;
    }
    // Every launch carries the loop marker (the opener sets it on the child alone).
    let result = match &plan {
        Plan::Launch(launch) => launch.run(),
        Plan::Fallback(Fallback::Program { argv, .. }) => crate::opener::run_argv(argv, url),
        Plan::Fallback(Fallback::Default) => crate::opener::default_browser(url),
    };
    launched(result, handed)
}

enum Plan {
    Launch(Launch),
    Fallback(Fallback),
}

fn launched(result: Result<(), crate::opener::OpenError>, url: &str) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let message = format!("cannot open {url}: {e}");
            eprintln!("error: {message}");
            // The browser itself may be what failed: a notification, not a page.
            crate::alert::show(&message, None);
            ExitCode::from(FAILURE)
        }
    }
}

fn failed(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    crate::alert::show(message, None);
    ExitCode::from(FAILURE)
}

/// A URL as shown in a message: its scheme and a little, never a whole token-bearing URL.
fn shown(url: &str) -> String {
    let mut shown: String = url.chars().take(60).collect();
    if shown.len() < url.len() {
        shown.push('…');
    }
    shown
}

/// The running daemon's page for the target (its not-found or conflict page), if a
/// daemon answers, `-c` did not say to read files instead, and applinkd is not the
/// browser (then the page would come back to applinkd: a notification instead).
fn daemon_page(args: &OpenArgs) -> Option<String> {
    if !args.config.paths_given().is_empty() || fallback::applinkd_is_the_browser() {
        return None;
    }
    let base = crate::lookup::daemon_base();
    let target = crate::target::Target::parse(&args.target.target, &base).ok()?;
    let page = crate::lookup::daemon_page(&target, args.target.to.as_deref());
    crate::lookup::daemon_answers(&base).then(|| format!("{}{page}", base.trim_end_matches('/')))
}
