//! A client whose request and reply each go through two levels of helpers, the last one a
//! free function in another file.

mod client;
mod frame;

pub use client::Client;
