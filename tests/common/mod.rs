//! Shared by the CLI-level test files.

use std::process::Command;

/// The `cargo-cancelsafe` binary with a pinned environment: no colour, fixed width, no
/// backtraces, so output can be snapshotted.
pub fn cancelsafe_command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-cancelsafe"));
    cmd.env("NO_COLOR", "1")
        .env("COLUMNS", "80")
        .env("RUST_BACKTRACE", "0")
        .env_remove("CARGO_TERM_COLOR");
    cmd
}
