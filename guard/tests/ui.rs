//! Compile-time behaviour of `#[cancelsafe::guard]`: what must build, and the spanned
//! error for each misuse. Bless with `TRYBUILD=overwrite`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
