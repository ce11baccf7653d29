//! `applinkd check`: validate the link files and report every error with its place.

use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use super::{ConfigArgs, FAILURE, plural, print_diagnostics, print_json};
use crate::diagnostic::{Diagnostic, Severity};

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub(super) config: ConfigArgs,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &CheckArgs) -> ExitCode {
    let catalog = args.config.load();
    let index = catalog.index();
    let mut diagnostics: Vec<&Diagnostic> = catalog.diagnostics().chain(index.diagnostics()).collect();
    diagnostics.sort_by(|a, b| a.order().cmp(&b.order()));
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = diagnostics.iter().filter(|d| d.severity == Severity::Warning).count();
    let notes = diagnostics.len() - errors - warnings;
    if args.json {
        let files: Vec<_> = catalog
            .files()
            .iter()
            .map(|f| {
                json!({
                    "path": f.path.display().to_string(),
                    "applied": f.good.is_some(),
                    "errors": f.diagnostics.iter().filter(|d| d.is_error()).count()
                        + crate::diagnostic::errors_in(index.diagnostics(), &f.path.display().to_string()),
                    "links": f.good.as_ref().map_or(0, |g| g.links.len()),
                })
            })
            .collect();
        let (shown, more) = crate::diagnostic::bounded(diagnostics.iter().copied());
        let omitted: Vec<_> = more.iter().map(|(file, n)| json!({ "file": file, "count": n })).collect();
        print_json(&json!({
            "ok": errors == 0,
            "files": files,
            "apps": index.apps().len(),
            "records": index.records().len(),
            "links": index.link_count(),
            "errors": errors,
            "warnings": warnings,
            "notes": notes,
            "diagnostics": shown,
            "omitted": omitted,
        }));
    } else {
        let (shown, more) = crate::diagnostic::bounded(diagnostics.iter().copied());
        print_diagnostics(shown);
        for line in crate::diagnostic::more_lines(&more) {
            eprintln!("{line}\n");
        }
        let counts: Vec<String> = [(errors, "error"), (warnings, "warning"), (notes, "note")]
            .into_iter()
            .filter(|&(n, _)| n > 0)
            .map(|(n, word)| plural(n, word))
            .collect();
        let problems = if counts.is_empty() { "ok".to_owned() } else { counts.join(", ") };
        super::emit(format!(
            "{}: {}, {}, {}: {problems}\n",
            plural(catalog.files().len(), "file"),
            plural(index.apps().len(), "app"),
            plural(index.records().len(), "record"),
            plural(index.link_count(), "link"),
        ));
    }
    if errors == 0 { ExitCode::SUCCESS } else { ExitCode::from(FAILURE) }
}
