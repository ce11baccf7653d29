//! `applinkd open`: what the operating system runs for an `applink://` link.
//! Resolve (daemon first), check, and hand the URL to the right program.

use std::process::ExitCode;

use clap::Args;

use super::{ConfigArgs, FAILURE, USAGE};
use crate::lookup::{self, Via};
use crate::opener::Launch;
use crate::target::Target;

#[derive(Args, Debug)]
pub struct OpenArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// `applink://APP/ID`, `APP ID` or `http://127.0.0.1:7133/APP/ID`.
    #[arg(value_name = "TARGET", required = true, num_args = 1..=2)]
    target: Vec<String>,
    /// Open the same record's link in this other application.
    #[arg(long, value_name = "APP")]
    to: Option<String>,
    /// Print what would be opened, and with what, without opening it.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(args: &OpenArgs) -> ExitCode {
    let target = match Target::parse(&args.target) {
        Ok(target) => target,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(USAGE);
        }
    };
    let to = args.to.as_deref().or(target.to.as_deref());
    let (answer, warnings) = lookup::find(&args.config.paths_given(), &target, to);
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    let found = match answer {
        Ok(found) => found,
        Err(failure) => return super::report_failure(failure, false),
    };
    let launch = Launch::new(found.url, found.open_with);
    if args.dry_run {
        println!("{}", launch.url);
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
            eprintln!("error: cannot open {}: {e}", launch.url);
            ExitCode::from(FAILURE)
        }
    }
}
