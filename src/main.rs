//! The `asylum-tracker` binary: parses the command line and hands over to `cli`.

use clap::Parser;

fn main() -> std::process::ExitCode {
    asylum_tracker::cli::main(asylum_tracker::cli::Cli::parse())
}
