//! `applinkd list`: records and their links, optionally of one app or one kind.

use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use serde_json::Value;

use super::{ConfigArgs, KindArg, print_json};
use crate::lookup::Via;
use crate::parsed_file::Kind;

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub(super) config: ConfigArgs,
    /// Only records with a link to this application.
    #[arg(long, value_name = "APP")]
    app: Option<String>,
    /// Only records of this kind: person, company or project.
    #[arg(long, value_name = "KIND", value_parser = super::parse_kind)]
    kind: Option<KindArg>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &ListArgs) -> ExitCode {
    let (answer, warnings) =
        crate::lookup::list(&args.config.paths_given(), args.app.as_deref(), args.kind.map(Kind::from));
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    let (answer, via) = match answer {
        Ok(answer) => answer,
        Err(failure) => return super::report_failure(failure, args.json),
    };
    let records = answer["records"].as_array().cloned().unwrap_or_default();
    if args.json {
        print_json(&json!({ "records": records }));
    } else {
        let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
        let mut out = String::new();
        for record in &records {
            let names: Vec<String> =
                record["definitions"].as_array().into_iter().flatten().map(|d| text(&d["name"])).collect();
            out.push_str(&format!("{} {}", text(&record["kind"]), text(&record["name"])));
            let also: Vec<&String> = names.iter().skip(1).filter(|n| **n != text(&record["name"])).collect();
            if !also.is_empty() {
                out.push_str(&format!(" (also {})", also.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")));
            }
            out.push('\n');
            for link in record["links"].as_array().into_iter().flatten() {
                let target = link["url"].as_str().map_or_else(|| format!("({})", text(&link["error"])), str::to_owned);
                out.push_str(&format!("  {} {}  {target}\n", text(&link["app"]), text(&link["id"])));
            }
        }
        super::emit(out);
    }
    if records.is_empty() {
        // An empty answer is never silent: say what was asked of whom.
        let (whom, verb) = match via {
            Via::Daemon(base) => (format!("the daemon at {base}"), "holds"),
            Via::Files => {
                let paths: Vec<String> = args.config.paths().iter().map(|p| p.display().to_string()).collect();
                (format!("the link files in {}", paths.join(", ")), "hold")
            }
        };
        let kind = args.kind.map(|k| Kind::from(k).key());
        let filter = match (&args.app, kind) {
            (Some(app), Some(kind)) => format!(" of kind {kind} with a link to `{app}`"),
            (Some(app), None) => format!(" with a link to `{app}`"),
            (None, Some(kind)) => format!(" of kind {kind}"),
            (None, None) => String::new(),
        };
        eprintln!("note: {whom} {verb} no records{filter}");
    }
    ExitCode::SUCCESS
}
