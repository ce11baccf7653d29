use std::process::ExitCode;

fn main() -> ExitCode {
    applinkd::memory::tune_allocator();
    applinkd::cli::main()
}
