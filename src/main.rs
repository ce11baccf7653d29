use std::process::ExitCode;

fn main() -> ExitCode {
    applinkd::cli::main()
}
