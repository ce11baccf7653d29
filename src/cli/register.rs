//! `applinkd register` / `unregister`: become (or stop being) the handler of applink:// links.

use std::process::ExitCode;

use clap::Args;

use super::FAILURE;
use crate::register;

#[derive(Args, Debug)]
pub struct RegisterArgs {
    /// Print the plan (files, registry values, commands) without carrying it out.
    #[arg(long)]
    dry_run: bool,
}

pub fn run(args: &RegisterArgs, register: bool) -> ExitCode {
    let plan = match register::for_this_os(register) {
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
            if register {
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
