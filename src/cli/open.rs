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
        Ok(Err(failure)) => return super::report_failure(failure, false),
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
            eprintln!("error: cannot open {}: {e}", launch.url);
            ExitCode::from(FAILURE)
        }
    }
}
