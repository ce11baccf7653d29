//! `applinkd open`: what the operating system runs for an `applink://` link.
//! Resolve (daemon first), check, and hand the URL to the right program.

use std::process::ExitCode;

use clap::Args;

use super::{ConfigArgs, FAILURE, TargetArgs};
use crate::lookup::Via;
use crate::opener::Launch;

#[derive(Args, Debug)]
pub struct OpenArgs {
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    target: TargetArgs,
    /// Print what would be opened, and with what, without opening it.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(args: &OpenArgs) -> ExitCode {
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
    let launch = Launch::new(found.url, found.open_with);
    if args.dry_run {
        super::emit(format!("{}\n", launch.url));
        let via = match &found.via {
            Via::Daemon(base) => format!("resolved by the daemon at {base}"),
            Via::Files => "resolved from the link files".to_owned(),
        };
        eprintln!("would open with {}; {via}", launch.describe());
        return ExitCode::SUCCESS;
    }
    match launch.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let message = format!("cannot open {}: {e}", launch.url);
            eprintln!("error: {message}");
            // The browser itself may be what failed: a notification, not a page.
            crate::alert::show(&message, None);
            ExitCode::from(FAILURE)
        }
    }
}

/// The running daemon's page for the target (its not-found or conflict page), if a
/// daemon answers and `-c` did not say to read files instead.
fn daemon_page(args: &OpenArgs) -> Option<String> {
    if !args.config.paths_given().is_empty() {
        return None;
    }
    let base = crate::lookup::daemon_base();
    let target = crate::target::Target::parse(&args.target.target, &base).ok()?;
    let page = crate::lookup::daemon_page(&target, args.target.to.as_deref());
    crate::lookup::daemon_answers(&base).then(|| format!("{}{page}", base.trim_end_matches('/')))
}
