//! Output formats. The only place that knows how findings look on screen or in a file.

pub mod human;
pub mod json;
