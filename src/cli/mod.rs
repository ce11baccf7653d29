//! The command line (README: Command line): `check`, `resolve`, `show`, `list`, `open`, `serve`,
//! `register`.
//!
//! Arguments become a validated `Config` once; commands print results to stdout
//! and errors to stderr, and return the exit code: 0 success, 1 not found or
//! files with errors, 2 usage error.

mod check;
mod edit;
mod list;
mod native_host;
mod open;
mod register;
mod resolve;
mod serve;
mod show;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::catalog::Catalog;
use crate::config_paths;
use crate::diagnostic::Diagnostic;
use crate::target::Target;

#[derive(Parser, Debug)]
#[command(name = "applinkd", version, about = "Resolve App Links (app, id) to the record's URL in that application.")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate link files, like `nginx -t`; exit 1 if any has errors.
    Check(check::CheckArgs),
    /// Print the URL of a record.
    Resolve(resolve::ResolveArgs),
    /// Show the record a target is (an App URL too): kind, name, every link.
    Show(show::ShowArgs),
    /// List records and their links.
    List(list::ListArgs),
    /// Open the URL of a record: what the OS runs for applink:// links.
    Open(open::OpenArgs),
    /// Become the operating system's handler for applink:// links.
    Register(register::RegisterArgs),
    /// Stop being the handler for applink:// links, undoing what `register` did.
    Unregister(register::RegisterArgs),
    /// Run the daemon: redirect http://127.0.0.1:7133/APP/ID, reload files as they change.
    Serve(serve::ServeArgs),
    /// Add a link to a record (made if there is none), in place in the link files.
    Add(edit::AddArgs),
    /// Remove every link with this (app, id), in every file.
    Rm(edit::RmArgs),
    /// Define or rename an application.
    App(edit::AppArgs),
    /// Import records and links: Cloze's JSON, CSV, or JSON lines.
    Import(edit::ImportArgs),
    /// Print everything in force: JSON lines (default), CSV, or Cloze's JSON.
    Export(edit::ExportArgs),
    /// The browser extension's native messaging host (started by the browsers).
    NativeHost(native_host::NativeHostArgs),
}

/// What to resolve: TARGET and `--to`.
#[derive(Args, Debug, Clone)]
pub struct TargetArgs {
    /// `APP ID`, `applink://APP/ID`, `http://127.0.0.1:7133/APP/ID`, or an App URL
    /// (the record's page in some application; needs `--to`).
    #[arg(value_name = "TARGET", required = true, num_args = 1..=2)]
    pub(super) target: Vec<String>,
    /// The same record's link in this other application.
    #[arg(long, value_name = "APP")]
    pub(super) to: Option<String>,
}

/// A record's kind on the command line.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum KindArg {
    Person,
    Company,
    Project,
}

/// A kind as typed: exactly `person`, `company` or `project`; anything else is a usage error
/// that says which was meant (`people` → `person`), since a wrong kind would make a new record.
fn parse_kind(typed: &str) -> Result<KindArg, String> {
    const KINDS: [(&str, KindArg); 3] =
        [("person", KindArg::Person), ("company", KindArg::Company), ("project", KindArg::Project)];
    if let Some((_, kind)) = KINDS.iter().find(|(name, _)| *name == typed) {
        return Ok(*kind);
    }
    let lower = typed.to_lowercase();
    let plural = match lower.as_str() {
        "people" | "persons" | "contact" | "contacts" => Some("person"),
        "companies" | "organization" | "organisation" | "organizations" | "organisations" | "org" => Some("company"),
        "projects" => Some("project"),
        _ => None,
    };
    let close = plural.or_else(|| {
        KINDS
            .iter()
            .map(|(name, _)| (strsim::damerau_levenshtein(&lower, name), *name))
            .filter(|&(d, _)| d <= 2)
            .min()
            .map(|(_, name)| name)
    });
    Err(match close {
        Some(name) => {
            format!("`{typed}` is not a kind: did you mean `{name}`? (the kinds are person, company and project)")
        }
        None => format!("`{typed}` is not a kind (the kinds are person, company and project)"),
    })
}

impl From<KindArg> for crate::parsed_file::Kind {
    fn from(k: KindArg) -> crate::parsed_file::Kind {
        use crate::parsed_file::Kind;
        match k {
            KindArg::Person => Kind::Person,
            KindArg::Company => Kind::Company,
            KindArg::Project => Kind::Project,
        }
    }
}

/// Where the link files are.
#[derive(Args, Debug, Clone)]
pub struct ConfigArgs {
    /// A link file or a directory of them (repeatable). Default: $APPLINKD_CONFIG, else
    /// the user's config directory ($XDG_CONFIG_HOME/applinkd on Linux).
    #[arg(short = 'c', long = "config", value_name = "PATH")]
    config: Vec<PathBuf>,
}

impl ConfigArgs {
    fn paths(&self) -> Vec<PathBuf> {
        config_paths::from_arguments(&self.config)
    }

    fn paths_given(&self) -> Vec<PathBuf> {
        self.config.clone()
    }

    fn load(&self) -> Catalog {
        Catalog::load(self.paths())
    }

    /// For commands that only read: a `-c` path that does not exist is a usage error naming
    /// it (a typo must not turn into "not an App ID any link file knows"). Edits may name a
    /// file or directory they create; `serve` waits for a path to appear (a git-sync checkout).
    fn require_existing(&self) -> Result<(), ExitCode> {
        let missing: Vec<&PathBuf> = self.config.iter().filter(|p| std::fs::symlink_metadata(p).is_err()).collect();
        if missing.is_empty() {
            return Ok(());
        }
        for path in missing {
            eprintln!("error: the config path `{}` does not exist", path.display());
        }
        eprintln!("  = help: `-c` names a link file or a directory of them, such as `-c config`");
        Err(ExitCode::from(USAGE))
    }
}

pub fn main() -> ExitCode {
    let words: Vec<String> = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    if native_host::started_by_browser(&words) {
        return native_host::for_browser(words);
    }
    let cli = Cli::parse();
    let reads = match &cli.command {
        Command::Check(args) => Some(&args.config),
        Command::Resolve(args) => Some(&args.config),
        Command::Show(args) => Some(&args.config),
        Command::List(args) => Some(&args.config),
        Command::Open(args) => Some(&args.config),
        Command::Export(args) => Some(&args.config),
        _ => None,
    };
    if let Some(Err(code)) = reads.map(ConfigArgs::require_existing) {
        return code;
    }
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Resolve(args) => resolve::run(&args),
        Command::Show(args) => show::run(&args),
        Command::List(args) => list::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Open(args) => open::run(&args),
        Command::Register(args) => register::run(&args, true),
        Command::Unregister(args) => register::run(&args, false),
        Command::Add(args) => edit::add(&args),
        Command::Rm(args) => edit::rm(&args),
        Command::App(args) => edit::app(&args),
        Command::Import(args) => edit::import(&args),
        Command::Export(args) => edit::export(&args),
        Command::NativeHost(args) => native_host::run(&args),
    }
}

/// Exit code 1: not found, or files with errors.
const FAILURE: u8 = 1;
/// Exit code 2: the command line was wrong.
const USAGE: u8 = 2;

/// Logs to stderr; `RUST_LOG` sets the level (default `info`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(styled()).init();
}

fn styled() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn print_diagnostics<'a>(diagnostics: impl IntoIterator<Item = &'a Diagnostic>) {
    let styled = styled();
    let mut err = std::io::stderr().lock();
    for d in diagnostics {
        let _ = writeln!(err, "{}\n", d.render(styled));
    }
}

fn print_json(value: &serde_json::Value) {
    emit(format!("{}\n", serde_json::to_string_pretty(value).expect("JSON values serialise")));
}

/// Writes a result to stdout. A reader that stopped reading (`applinkd list | head`)
/// ends the command quietly, as it does for `cat`; `println!` would panic.
fn emit(text: impl AsRef<str>) {
    use std::io::ErrorKind;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_ref().as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write the result: {e}");
        std::process::exit(FAILURE.into());
    }
}

/// Parses TARGET words and looks them up the CLI's way (daemon first, unless `-c`),
/// printing warnings. `Err` is the exit code of a usage error.
fn look_up(
    config: &ConfigArgs,
    args: &TargetArgs,
) -> Result<Result<crate::lookup::Found, crate::lookup::Failure>, ExitCode> {
    let target = parse_target(&args.target)?;
    if let Target::AppUrl(url) = &target
        && args.to.is_none()
    {
        eprintln!("error: `{url}` is an App URL: give `--to APP` to go to the same record in another app");
        eprintln!("  = help: `applinkd show {url}` shows the record and every link it has");
        return Err(ExitCode::from(USAGE));
    }
    let (answer, warnings) = crate::lookup::find(&config.paths_given(), &target, args.to.as_deref());
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    Ok(answer)
}

/// TARGET words → `Target`; a usage error is printed and becomes exit code 2.
fn parse_target(words: &[String]) -> Result<Target, ExitCode> {
    Target::parse(words, &crate::lookup::daemon_base()).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(USAGE)
    })
}

/// Prints why a lookup failed (and, with `json`, its JSON document) and returns exit code 1.
fn report_failure(failure: crate::lookup::Failure, json: bool) -> ExitCode {
    use crate::lookup::Failure;
    match failure {
        Failure::NotFound { message, suggestions, json: document } => {
            eprintln!("error: {message}");
            for suggestion in suggestions {
                eprintln!("  = help: {suggestion}");
            }
            if json {
                print_json(&document);
            }
        }
        Failure::Unusable(message) | Failure::Daemon(message) => {
            eprintln!("error: {message}");
            if json {
                print_json(&serde_json::json!({ "error": { "code": "daemon", "message": message } }));
            }
        }
    }
    ExitCode::from(FAILURE)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}
