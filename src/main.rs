//! `dialbox`: parse the command line, start logging, run.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = dialbox::cli::Cli::parse();
    dialbox::cli::init_logging(&cli);
    dialbox::cli::run(cli)
}
