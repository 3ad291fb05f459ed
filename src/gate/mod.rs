//! The gate after the analysis, as pure steps the binary chains: the settings ([`config`]),
//! each rule's level ([`levels`]), a recorded [`baseline`], and the lines changed since a
//! git revision ([`diff_base`]).

pub mod baseline;
pub mod config;
pub mod diff_base;
pub mod levels;
