//! `applinkd register` / `unregister`: become (or stop being) the handler of applink:// links.

use std::process::ExitCode;

use clap::Args;

use super::FAILURE;
use crate::register;

#[derive(Args, Debug)]
pub struct RegisterArgs {
    /// As the handler of http/https links, routing each to its app or the fallback browser
    /// (README: "The web-link router").
    #[arg(long, conflicts_with = "extension")]
    browser: bool,
    /// The native messaging host manifests the browser extension needs (Chromium, Google
    /// Chrome, Firefox), allowing only the extension's ids.
    #[arg(long)]
    extension: bool,
    /// Print the plan (files, registry values, commands) without carrying it out.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(args: &RegisterArgs, register: bool) -> ExitCode {
    let plan = if args.extension {
        register::extension::for_this_os(register)
    } else {
        register::for_this_os(register, args.browser)
    };
    let plan = match plan {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(FAILURE);
        }
    };
    if args.dry_run {
        super::emit(plan.to_string());
        return ExitCode::SUCCESS;
    }
    match plan.execute() {
        Ok(()) => {
            if args.extension && register {
                eprintln!("the applinkd extension can now reach applinkd (in Chromium, Google Chrome and Firefox)");
            } else if args.extension {
                eprintln!("the applinkd extension's native host manifests are removed");
            } else if args.browser && register {
                eprintln!(
                    "applinkd now opens http and https links: those of known apps where they belong, the rest in the fallback browser"
                );
            } else if args.browser {
                eprintln!("applinkd no longer opens http and https links; the handlers it replaced are back");
            } else if register {
                eprintln!("applinkd now opens {}:// links", register::SCHEME);
            } else {
                eprintln!("applinkd no longer opens {}:// links", register::SCHEME);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(FAILURE)
        }
    }
}
