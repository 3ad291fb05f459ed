//! `cargo cancelsafe`: the command line ([`args`], cargo's selection flags read by
//! [`select`]), one invocation ([`run`]) and the cargo workspace it scans ([`workspace`]);
//! the analysis itself is `cancelsafe_engine::analyze`.

use std::process::ExitCode;

mod apply_fixes;
mod args;
mod run;
mod select;
mod workspace;

fn main() -> ExitCode {
    match run::run() {
        Ok(code) => ExitCode::from(code),
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(run::EXIT_FAILURE)
        }
    }
}
