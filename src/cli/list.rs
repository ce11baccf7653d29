//! `applinkd list`: records and their links, optionally of one app or one kind.

use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use super::{ConfigArgs, FAILURE, print_json};
use crate::index::{Index, LinkView, Record};
use crate::parsed_file::Kind;

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// Only records with a link to this application.
    #[arg(long, value_name = "APP")]
    app: Option<String>,
    /// Only records of this kind.
    #[arg(long, value_name = "KIND", value_enum)]
    kind: Option<KindArg>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum KindArg {
    Person,
    Company,
    Project,
}

impl From<KindArg> for Kind {
    fn from(k: KindArg) -> Kind {
        match k {
            KindArg::Person => Kind::Person,
            KindArg::Company => Kind::Company,
            KindArg::Project => Kind::Project,
        }
    }
}

pub fn run(args: &ListArgs) -> ExitCode {
    let catalog = args.config.load();
    let index = catalog.index();
    let app = match &args.app {
        None => None,
        Some(name) => match index.app(name) {
            Some(app) => Some(&app.id),
            None => {
                eprintln!("error: `{name}` is not an App ID any link file knows");
                return ExitCode::from(FAILURE);
            }
        },
    };
    let kind = args.kind.map(Kind::from);
    let records: Vec<&Record> = index
        .records()
        .iter()
        .filter(|r| kind.is_none_or(|k| r.kind == k))
        .filter(|r| app.is_none_or(|a| index.record_links(r).any(|l| l.app.id == *a)))
        .collect();
    if args.json {
        let records: Vec<_> = records.iter().map(|r| crate::report::record(&index, r)).collect();
        print_json(&json!({ "records": records }));
    } else {
        let mut out = String::new();
        for record in &records {
            let names: Vec<&str> = index.record_defs(record).map(|(f, d)| f.record_name(d)).collect();
            out.push_str(&format!("{} {}", record.kind, names[0]));
            if names.len() > 1 {
                out.push_str(&format!(" (also {})", names[1..].join(", ")));
            }
            out.push('\n');
            for link in index.record_links(record) {
                out.push_str(&format!("  {} {}  {}\n", link.app.id, link.id(), url_or_error(&index, &link)));
            }
        }
        super::emit(out);
    }
    ExitCode::SUCCESS
}

fn url_or_error(index: &Index, link: &LinkView<'_>) -> String {
    match index.resolve(link.app.id.as_str(), link.id(), None) {
        Ok(r) => r.url.into_owned(),
        Err(e) => format!("({e})"),
    }
}
