//! `applinkd resolve`: print the URL of (app, id), or of the same record in another app.

use std::process::ExitCode;

use clap::Args;

use super::{ConfigArgs, print_json};

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
    let answer = match super::look_up(&args.config, &args.target, args.to.as_deref()) {
        Ok(answer) => answer,
        Err(usage) => return usage,
    };
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
