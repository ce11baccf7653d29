//! `applinkd show`: the record a target is, like a profile: kind, name, where it is
//! defined, and every link (app name, App ID, id, URL, `file:line`), the matched one marked.

use std::fmt::Write;
use std::process::ExitCode;

use clap::Args;
use serde_json::Value;

use super::{ConfigArgs, print_json};

#[derive(Args, Debug)]
pub struct ShowArgs {
    #[command(flatten)]
    pub(super) config: ConfigArgs,
    /// `APP ID`, `applink://APP/ID`, the daemon's URL, or an App URL: the record's
    /// page in some application (`https://acme.zendesk.com/agent/users/991`).
    #[arg(value_name = "TARGET", required = true, num_args = 1..=2)]
    target: Vec<String>,
    /// Print one JSON document (as `/api/v1/show` answers) instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &ShowArgs) -> ExitCode {
    let target = match super::parse_target(&args.target) {
        Ok(target) => target,
        Err(usage) => return usage,
    };
    let (answer, warnings) = crate::lookup::show(&args.config.paths_given(), &target);
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    let (answer, _) = match answer {
        Ok(answer) => answer,
        Err(failure) => return super::report_failure(failure, args.json),
    };
    if args.json {
        print_json(&answer);
    } else {
        super::emit(profile(&answer));
        if answer["record"].is_null() {
            eprintln!("note: no record carries this pair, so there is no other application to go to");
        }
    }
    ExitCode::SUCCESS
}

/// The text form of a show document.
fn profile(answer: &Value) -> String {
    let mut out = profile_of_matches(answer);
    let _ = write!(out, "{}", left_out(answer));
    out
}

/// What a show document says it left out (README: identify), one line each, or nothing.
pub fn left_out(answer: &Value) -> String {
    let mut out = String::new();
    match answer["more"].as_u64().unwrap_or(0) {
        0 => {}
        1 => out.push_str("  (1 more match was left out)\n"),
        n => {
            let _ = writeln!(out, "  ({n} more matches were left out)");
        }
    }
    if answer["cut_short"] == true {
        out.push_str("  (identify was cut short: this URL can be cut in too many ways to try them all)\n");
    }
    out
}

fn profile_of_matches(answer: &Value) -> String {
    let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let mut out = String::new();
    let matches = answer["matches"].as_array().cloned().unwrap_or_default();
    let record = &answer["record"];
    if record.is_null() {
        for m in &matches {
            let _ = writeln!(
                out,
                "{} {}  {}  ({})",
                text(&m["app"]),
                text(&m["id"]),
                text(&m["url"]),
                if m["source"] == "link" { "a link's URL" } else { "from the app's template" }
            );
        }
        return out;
    }
    let _ = writeln!(out, "{} {}", text(&record["kind"]), text(&record["name"]));
    for def in record["definitions"].as_array().into_iter().flatten() {
        let _ = writeln!(out, "  defined at {}:{} as {}", text(&def["file"]), def["line"], text(&def["name"]));
    }
    let links = record["links"].as_array().cloned().unwrap_or_default();
    let rows: Vec<[String; 5]> = links
        .iter()
        .map(|l| {
            let name = l["app_name"].as_str().map_or_else(|| text(&l["app"]), str::to_owned);
            let url = l["url"].as_str().map_or_else(|| format!("({})", text(&l["error"])), str::to_owned);
            [name, text(&l["app"]), text(&l["id"]), url, format!("{}:{}", text(&l["file"]), l["line"])]
        })
        .collect();
    let widths: Vec<usize> = (0..4).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    for (row, link) in rows.iter().zip(&links) {
        let marker = if link["matched"] == true { "→" } else { " " };
        let mut line = format!("{marker} ");
        for (c, cell) in row.iter().enumerate() {
            let pad = widths.get(c).map_or(0, |w| w - cell.chars().count());
            let _ = write!(line, "{cell}{}  ", " ".repeat(pad));
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let others: Vec<String> =
        matches.iter().skip(1).map(|m| format!("{} {}", text(&m["app"]), text(&m["id"]))).collect();
    if !others.is_empty() {
        let _ = writeln!(out, "  (the URL also matches: {})", others.join(", "));
    }
    out
}
