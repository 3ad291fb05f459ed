use super::*;

fn prepared(text: &str, features: &[&str]) -> Prepared {
    let features: Vec<String> = features.iter().map(|f| f.to_string()).collect();
    let out = prepare(text, &Build::dependency(&features));
    if let Some(blanked) = &out.text {
        assert_eq!(blanked.len(), text.len(), "positions move");
        assert_eq!(
            blanked.matches('\n').count(),
            text.matches('\n').count(),
            "lines move"
        );
    }
    out
}

fn blanked(text: &str) -> String {
    let out = prepared(text, &[]).text.unwrap_or_else(|| text.to_string());
    syn::parse_file(&out).expect("still parses");
    words(&out)
}

fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn a_sync_body_without_bookkeeping_is_blanked_and_its_signature_kept() {
    let text = "impl Conn {\n    pub fn name(&self) -> &str {\n        &self.name\n    }\n}\n";
    assert_eq!(
        blanked(text),
        "impl Conn { pub fn name(&self) -> &str { } }"
    );
}

#[test]
fn async_code_and_bookkeeping_keep_a_body() {
    for text in [
        "async fn get(&mut self) -> u8 { self.read().await }",
        "pub async unsafe fn get(&mut self) { go() }",
        "fn send(&mut self) -> impl Future { async move { self.read().await } }",
        "fn sent(&mut self) { self.pending += 1; }",
        "fn took(&mut self) { self.waiting.pop_front(); }",
        "fn owed(&mut self) { self.inner.owed -= n; }",
    ] {
        assert_eq!(blanked(text), text, "{text}");
    }
}

#[test]
fn local_counters_and_flags_do_not_keep_a_body() {
    let text =
        "fn count(&mut self) -> usize { let mut i = 0; i += 1; len -= 2; self.done = true; i }";
    assert_eq!(blanked(text), "fn count(&mut self) -> usize { }");
}

#[test]
fn items_the_build_leaves_out_are_blanked_whole() {
    let text = "impl X {\n    #[inline]\n    /// Cancel safety: none.\n    #[cfg(feature = \"raw\")]\n    pub fn raw(&self) {}\n}\n#[cfg(feature = \"t\")]\nmacro_rules! m ( () => {} );\n#[cfg(test)]\nmod tests {\n    #[tokio::test]\n    async fn t() { x().await }\n}\nfn keep() -> u8 { 1 }\n#[cfg(test)] async fn helper() { y().await }\n#[cfg(feature = \"server\")]\n#[derive(Debug)]\npub(crate) struct S { a: u8 }\n#[cfg(feature = \"client\")] pub async fn c() { z().await }\n#[cfg(windows)] const X: Y = Y { a: 1 };\n#[cfg(windows)] pub const Z: ty!() = 0x40;\nstruct F { #[cfg(feature = \"server\")] f: u8 }";
    let out = prepared(text, &["client"]).text.unwrap();
    syn::parse_file(&out).expect("still parses");
    assert_eq!(
        words(&out),
        "impl X { } fn keep() -> u8 { } #[cfg(feature = \"client\")] pub async fn c() { z().await } struct F { #[cfg(feature = \"server\")] f: u8 }"
    );
}

#[test]
fn modules_left_out_are_reported_with_their_files() {
    let text = "#[cfg(feature = \"server\")]\npub mod server;\nmod inner {\n    #[cfg(unix_never)] mod deep;\n}\n#[cfg(feature = \"x\")]\n#[path = \"p.rs\"] mod p;\nmod kept;";
    let out = prepared(&format!("#[path = \"x.rs\"] mod x;\n{text}"), &[]);
    assert_eq!(
        out.dropped_modules,
        vec![
            vec!["server".to_string()],
            vec!["inner".to_string(), "deep".to_string()]
        ]
    );
    assert_eq!(
        words(out.text.as_deref().unwrap()),
        "#[path = \"x.rs\"] mod x; mod inner { } mod kept;"
    );
    assert!(prepared("//! docs\n#![cfg(feature = \"server\")]\nfn a() {}", &[]).compiled_out);
    assert!(!prepared("#![cfg(feature = \"server\")]\nfn a() {}", &["server"]).compiled_out);
}

#[test]
fn doc_comments_are_blanked_unless_they_speak_of_cancellation() {
    let text = "/// Gets a value.\n///\n/// # Examples\nfn a() {}\n/** block */\nfn b() {}\n/// Reads.\n///\n/// # Cancel safety\n/// This method is\n/// cancel safe.\nasync fn c() {}\n//! inner\n//// plain";
    assert_eq!(
        blanked(text),
        "fn a() {} fn b() {} /// Reads. /// /// # Cancel safety /// This method is /// cancel safe. async fn c() {} //// plain"
    );
}

#[test]
fn macros_are_left_alone() {
    let text = "macro_rules! m { ($name:ident) => { fn $name(&self) -> u8 { 1 } } }\ncfg_if::cfg_if! { if #[cfg(unix)] { fn a() { b() } } }";
    assert_eq!(blanked(text), words(text));
}

#[test]
fn strings_comments_chars_and_lifetimes_do_not_confuse_the_braces() {
    let text = r####"fn a<'a>(x: &'a str) -> char { let s = "}{"; let r = r#"}"#; /* } */ // }
let c = '}'; let d = '\''; '{' }
fn b() -> u8 { 2 }"####;
    assert_eq!(
        blanked(text),
        "fn a<'a>(x: &'a str) -> char { } fn b() -> u8 { }"
    );
}

#[test]
fn fn_pointer_types_generics_and_where_clauses() {
    let text = "fn a<F: Fn(u8) -> Vec<u8>>(f: F, g: fn(u8) -> u8) -> Box<dyn Fn() -> u8> where F: Clone { f(1) }\nfn spaced < T > (t: T) -> Vec < T > where T: Into < u8 > { t }\ntrait T { fn decl(&self); fn dflt(&self) -> u8 { 3 } }\nimpl !Send for X {}\nfn never() -> ! { loop {} }";
    assert_eq!(
        blanked(text),
        "fn a<F: Fn(u8) -> Vec<u8>>(f: F, g: fn(u8) -> u8) -> Box<dyn Fn() -> u8> where F: Clone { } fn spaced < T > (t: T) -> Vec < T > where T: Into < u8 > { } trait T { fn decl(&self); fn dflt(&self) -> u8 { } } impl !Send for X {} fn never() -> ! { }"
    );
}
