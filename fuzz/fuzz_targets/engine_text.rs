//! Arbitrary text through the whole engine, and through the preparation of dependency
//! sources.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        cancelsafe_fuzz::run_engine(&[text.to_owned()]);
        cancelsafe_fuzz::run_dependency_preparation(text);
    }
});
