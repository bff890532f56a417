//! `dialbox`: parse the command line, log to stderr, run.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DIALBOX_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // colour codes only for a person at a terminal, not in a journal or a log file
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    dialbox::cli::run(dialbox::cli::Cli::parse())
}
