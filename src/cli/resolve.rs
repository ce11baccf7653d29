//! `applinkd resolve`: print the URL of (app, id), or of the same record in another app.

use std::process::ExitCode;

use clap::Args;

use super::{ConfigArgs, TargetArgs, print_json};

#[derive(Args, Debug)]
pub struct ResolveArgs {
    #[command(flatten)]
    pub(super) config: ConfigArgs,
    #[command(flatten)]
    target: TargetArgs,
    /// Print one JSON document instead of the URL.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &ResolveArgs) -> ExitCode {
    let answer = match super::look_up(&args.config, &args.target) {
        Ok(answer) => answer,
        Err(usage) => return usage,
    };
    match answer {
        Ok(found) => {
            if args.json {
                print_json(&found.json);
            } else {
                super::emit(format!("{}\n", found.url));
            }
            ExitCode::SUCCESS
        }
        Err(failure) => super::report_failure(failure, args.json),
    }
}
