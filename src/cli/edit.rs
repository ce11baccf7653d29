//! `add`, `rm`, `app add`, `app rename`, `import` and `export`: links in and out
//! without typing TOML (README: Links in and out). Edits read the link files (never a daemon), are
//! checked like any load, and are written atomically; `--dry-run` prints the diff.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::{ConfigArgs, FAILURE, KindArg, USAGE};
use crate::edit::ops::{self, Said};
use crate::edit::{Edit, EditError, Workspace};
use crate::formats::{self, CsvColumns, Format};
use crate::parsed_file::Kind;

#[derive(Args, Debug)]
pub struct AddArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// The record's kind: person, company or project.
    #[arg(value_parser = super::parse_kind)]
    kind: KindArg,
    /// The record's name, exactly (a record of that kind and name is made if there is none).
    name: String,
    /// The App ID: the application's domain, lower-case.
    app: String,
    /// The record's id in that application.
    id: String,
    /// The link's own URL (else the app's template makes it).
    #[arg(long)]
    url: Option<String>,
    /// The file to write to (else the record's file, else links.toml in the first config directory).
    #[arg(long, value_name = "F")]
    file: Option<PathBuf>,
    /// Add the pair even if another record has it, merging the two records.
    #[arg(long)]
    merge: bool,
    /// Print a unified diff; write nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Args, Debug)]
pub struct RmArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// The App ID of the links to remove (a former App ID of the app works too).
    app: String,
    /// The id: every link with this (app, id) goes, in every file.
    id: String,
    /// Print a unified diff; write nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Args, Debug)]
pub struct AppArgs {
    #[command(subcommand)]
    command: AppCommand,
}

#[derive(Subcommand, Debug)]
enum AppCommand {
    /// Define an application: `[apps."APP"]` with its name and URL template.
    Add {
        #[command(flatten)]
        config: ConfigArgs,
        /// The App ID: the application's domain, lower-case (`hubspot.com`).
        app: String,
        /// The name people know it by (`HubSpot`).
        #[arg(long)]
        name: Option<String>,
        /// RFC 6570 template of a record's URL, like `https://host/people/{id}`.
        #[arg(long, value_name = "TEMPLATE")]
        url: Option<String>,
        /// The file to write to (default: links.toml in the first config directory).
        #[arg(long, value_name = "F")]
        file: Option<PathBuf>,
        /// Print a unified diff; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Rename an application; OLD keeps working through `formerly`.
    Rename {
        #[command(flatten)]
        config: ConfigArgs,
        /// The App ID now; it goes into the app's `formerly`, so old links keep working.
        old: String,
        /// The new App ID; every link's `app` is rewritten to it, in every file.
        new: String,
        /// Print a unified diff; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// The file to import (`-` for standard input).
    input: PathBuf,
    /// cloze, csv or jsonl (default: from the input's name).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// The file new records and apps go to (default: links.toml in the first config directory).
    #[arg(long, value_name = "F")]
    file: Option<PathBuf>,
    /// The kind of the records (CSV; a Cloze array): person, company or project.
    #[arg(long, value_name = "KIND", value_parser = super::parse_kind)]
    kind: Option<KindArg>,
    /// The CSV column holding the record's name (default `name`).
    #[arg(long, value_name = "COL")]
    name_column: Option<String>,
    /// A CSV column holding ids of an application: `--link hubspot.com=HubSpot ID` (repeatable).
    #[arg(long = "link", value_name = "APP=COL")]
    links: Vec<String>,
    /// A CSV column holding the URLs of an application's links (repeatable).
    #[arg(long = "url-column", value_name = "APP=COL")]
    urls: Vec<String>,
    /// Allow the input to add programs that run when a link is opened (an app's
    /// `open_with` or `native`, `[browser] fallback`); without it such an import is refused.
    #[arg(long)]
    allow_programs: bool,
    /// Print a unified diff; write nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    pub(super) config: ConfigArgs,
    /// The output format: one link a line (`jsonl`), CSV columns, or Cloze's JSON.
    #[arg(long, value_enum, default_value = "jsonl")]
    format: Format,
    /// Write to FILE (replaced in one step, never left half-written) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn add(args: &AddArgs) -> ExitCode {
    let link = match ops::checked_link(&args.app, &args.id, args.url.as_deref(), None) {
        Ok(link) => link,
        Err(e) => return usage(&e),
    };
    let workspace = match Workspace::open(args.config.paths()) {
        Ok(workspace) => workspace,
        Err(e) => return failed(&e),
    };
    let result = ops::add(&workspace, args.kind.into(), &args.name, link, args.file.as_deref(), args.merge);
    apply(&workspace, result, args.dry_run)
}

pub fn rm(args: &RmArgs) -> ExitCode {
    let workspace = match Workspace::open(args.config.paths()) {
        Ok(workspace) => workspace,
        Err(e) => return failed(&e),
    };
    apply(&workspace, ops::rm(&workspace, &args.app, &args.id), args.dry_run)
}

pub fn app(args: &AppArgs) -> ExitCode {
    match &args.command {
        AppCommand::Add { config, app, name, url, file, dry_run } => {
            let workspace = match Workspace::open(config.paths()) {
                Ok(workspace) => workspace,
                Err(e) => return failed(&e),
            };
            let result = ops::app_add(&workspace, app, name.as_deref(), url.as_deref(), file.as_deref());
            apply(&workspace, result, *dry_run)
        }
        AppCommand::Rename { config, old, new, dry_run } => {
            let workspace = match Workspace::open(config.paths()) {
                Ok(workspace) => workspace,
                Err(e) => return failed(&e),
            };
            apply(&workspace, ops::app_rename(&workspace, old, new), *dry_run)
        }
    }
}

/// The largest input `import` reads: what it writes must fit in one link file.
const MAX_INPUT: u64 = crate::catalog::MAX_FILE;

pub fn import(args: &ImportArgs) -> ExitCode {
    let shown = args.input.display().to_string();
    let Some(format) = args.format.or_else(|| Format::of_name(&shown)) else {
        return usage(&format!("cannot tell the format of `{shown}` from its name: give `--format cloze|csv|jsonl`"));
    };
    let pairs = |list: &[String], flag: &str| -> Result<Vec<(String, String)>, String> {
        list.iter()
            .map(|p| {
                p.split_once('=')
                    .map(|(a, c)| (a.trim().to_ascii_lowercase(), c.to_owned()))
                    .ok_or_else(|| format!("`{flag} {p}`: write APP=COLUMN"))
            })
            .collect()
    };
    let columns = match (pairs(&args.links, "--link"), pairs(&args.urls, "--url-column")) {
        (Ok(links), Ok(urls)) => {
            CsvColumns { kind: args.kind.map(Kind::from), name: args.name_column.clone(), links, urls }
        }
        (Err(e), _) | (_, Err(e)) => return usage(&e),
    };
    let parsed = read_input(&args.input).map(|input| match input {
        Source::Bytes(bytes) => formats::parse(format, &bytes, args.kind.map(Kind::from), &columns),
        Source::File(file) => formats::parse_reader(format, file, args.kind.map(Kind::from), &columns),
    });
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("error: {shown}: {e}");
            return ExitCode::from(FAILURE);
        }
    };
    let input = match parsed {
        Ok(input) => input,
        Err(e) => {
            eprintln!(
                "error: {shown}:{}{}: {}",
                e.line,
                e.column.map(|c| format!(":{c}")).unwrap_or_default(),
                e.message
            );
            eprintln!("  = nothing was written");
            return ExitCode::from(FAILURE);
        }
    };
    let workspace = match Workspace::open(args.config.paths()) {
        Ok(workspace) => workspace,
        Err(e) => return failed(&e),
    };
    let mut input = input;
    if format == Format::Cloze {
        formats::cloze::as_the_files_say(&mut input, &workspace.index);
    }
    let file = args.file.clone().unwrap_or_else(|| workspace.default_file());
    let (edit, summary) = match ops::import(&workspace, input, &file, args.allow_programs) {
        Ok(result) => result,
        Err(e) => return failed(&e),
    };
    if edit.is_empty() && summary.skipped.is_empty() {
        let said = vec![format!("imported {shown}: nothing to change, every link in it is in the link files already")];
        return apply(&workspace, Ok((edit, said)), args.dry_run);
    }
    let mut said = vec![format!(
        "imported {shown}: {} link(s) added, {} record(s) created, {} record(s) merged, {} app(s) added, {} row(s) skipped",
        summary.links_added,
        summary.records_created,
        summary.records_merged,
        summary.apps_added,
        summary.skipped.len()
    )];
    said.extend(summary.skipped.iter().take(20).map(|s| format!("  skipped: {s}")));
    apply(&workspace, Ok((edit, said)), args.dry_run)
}

/// An input to import: read whole (standard input), or a file read as it is parsed.
enum Source {
    Bytes(Vec<u8>),
    File(std::io::BufReader<std::fs::File>),
}

/// Opens the input, its size checked before anything is read.
fn read_input(path: &std::path::Path) -> std::io::Result<Source> {
    use std::io::Read;
    let too_big = || {
        std::io::Error::other(format!("larger than {} MiB, the most one link file may hold; split it", MAX_INPUT >> 20))
    };
    if path.as_os_str() != "-" {
        let file = std::fs::File::open(path)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(std::io::Error::other("not a regular file"));
        }
        if meta.len() > MAX_INPUT {
            return Err(too_big());
        }
        return Ok(Source::File(std::io::BufReader::with_capacity(64 * 1024, file)));
    }
    let mut bytes = Vec::new();
    std::io::stdin().take(MAX_INPUT + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(too_big());
    }
    Ok(Source::Bytes(bytes))
}

pub fn export(args: &ExportArgs) -> ExitCode {
    let catalog = args.config.load();
    let errors = catalog.diagnostics().filter(|d| d.is_error()).count();
    if errors > 0 {
        eprintln!(
            "warning: {errors} error(s) in the link files; what they hold is not exported (run `{}`)",
            crate::lookup::check_command(&args.config.paths())
        );
    }
    let text = formats::export(args.format, &catalog.index());
    let Some(path) = &args.output else {
        super::emit(text);
        return ExitCode::SUCCESS;
    };
    match write_whole(path, text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            ExitCode::from(FAILURE)
        }
    }
}

/// `path` replaced by `bytes` in one step: a temporary file beside it, renamed over it.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut file = tempfile::Builder::new().prefix(".applinkd-export-").tempfile_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn usage(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(USAGE)
}

fn failed(e: &EditError) -> ExitCode {
    eprintln!("error: {e}");
    for detail in e.details() {
        eprintln!("  = {detail}");
    }
    match e {
        EditError::Invalid(_) => ExitCode::from(USAGE),
        _ => ExitCode::from(FAILURE),
    }
}

/// Checks, then prints the diff (`--dry-run`) or writes, and says what changed.
fn apply(workspace: &Workspace, result: Result<(Edit, Said), EditError>, dry_run: bool) -> ExitCode {
    let (edit, said) = match result {
        Ok(result) => result,
        Err(e) => return failed(&e),
    };
    if !edit.is_empty() {
        if let Err(e) = edit.check(workspace) {
            return failed(&e);
        }
        if dry_run {
            super::emit(edit.diff());
            for line in &said {
                eprintln!("would have: {line}");
            }
            eprintln!("dry run: nothing was written");
            return ExitCode::SUCCESS;
        }
        if let Err(e) = edit.commit(workspace) {
            return failed(&e);
        }
        unread_warning(workspace);
    }
    super::emit(said.iter().map(|l| format!("{l}\n")).collect::<String>());
    ExitCode::SUCCESS
}

/// A file with errors is not read by an edit (nor by the daemon): what it holds was not
/// checked against the edit, and a pair it holds would merge its record with the edit's
/// once it is fixed. Said after an edit that was made, so that it is not a surprise then.
fn unread_warning(workspace: &Workspace) {
    let broken = workspace.unread_files();
    if !broken.is_empty() {
        eprintln!(
            "warning: {} has errors and was not read; what it holds was not checked against this edit (a pair \
             it holds merges its record with this one once it is fixed: `applinkd check` shows the errors)",
            broken.join(", ")
        );
    }
}
