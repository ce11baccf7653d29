//! `applinkd resolve`: print the URL of (app, id), or of the same record in another app.

use std::process::ExitCode;

use clap::Args;

use super::{ConfigArgs, FAILURE, USAGE, plural, print_json};
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
    let catalog = args.config.load();
    let broken = catalog
        .files()
        .iter()
        .filter(|f| f.diagnostics.iter().any(|d| d.is_error()))
        .count();
    let missing = catalog
        .diagnostics()
        .filter(|d| d.is_error() && d.location().line == 0)
        .count();
    if broken + missing > 0 {
        eprintln!(
            "warning: {} with errors not applied; run `applinkd check` to see them",
            plural(broken + missing, "link file or path")
        );
    }
    let index = catalog.index();
    let to = args.to.as_deref().or(target.to.as_deref());
    match index.resolve(&target.app, &target.id, to) {
        Ok(resolution) => {
            if args.json {
                print_json(&serde_json::to_value(&resolution).expect("resolutions serialise"));
            } else {
                println!("{}", resolution.url);
            }
            ExitCode::SUCCESS
        }
        Err(not_found) => {
            eprintln!("error: {not_found}");
            for suggestion in not_found.suggestions() {
                eprintln!("  = help: {suggestion}");
            }
            if args.json {
                print_json(&crate::report::not_found(
                    &not_found,
                    &target.app,
                    &target.id,
                ));
            }
            ExitCode::from(FAILURE)
        }
    }
}
