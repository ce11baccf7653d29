//! `applinkd resolve`: print the URL of (app, id), or of the same record in another app.

use std::process::ExitCode;

use clap::Args;

use super::{ConfigArgs, USAGE, print_json};
use crate::lookup;
use crate::target::Target;

#[derive(Args, Debug)]
pub struct ResolveArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// `APP ID`, `applink://APP/ID` or `http://127.0.0.1:7133/APP/ID`.
    #[arg(value_name = "TARGET", required = true, num_args = 1..=2)]
    target: Vec<String>,
    /// Resolve the same record's link in this other application.
    #[arg(long, value_name = "APP")]
    to: Option<String>,
    /// Print one JSON document instead of the URL.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &ResolveArgs) -> ExitCode {
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
    match answer {
        Ok(found) => {
            if args.json {
                print_json(&found.json);
            } else {
                println!("{}", found.url);
            }
            ExitCode::SUCCESS
        }
        Err(failure) => super::report_failure(failure, args.json),
    }
}
