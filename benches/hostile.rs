//! Hostile shapes at about 1 MB each (issue 15): `cargo bench --bench hostile`.
//!
//! Each shape is written to a temp folder next to a file with a real bug, and analysed in a
//! child process of its own (this binary, run again with the shape's name), so each peak
//! memory figure is that shape's alone. Prints wall time and peak RSS against the limits a
//! file of 1 MB or less must stay within (2 s, 512 MiB; `docs/security.md`, "Limits"), and
//! exits 1 when one is over, or when the bug next to the shape was not reported.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use cancelsafe_engine::{analyze, Config};

const SIZE: usize = 1 << 20;
const MAX_SECONDS: f64 = 2.0;
const MAX_MIB: u64 = 512;

const BUG: &str = "struct Conn { stream: tokio::net::TcpStream }
impl Conn {
    async fn get(&mut self) -> std::io::Result<u8> {
        self.stream.write_all(b\"GET\").await?;
        self.stream.read_u8().await
    }
}
";

/// `piece` repeated to about [`SIZE`] bytes.
fn fill(piece: &str) -> String {
    piece.repeat((SIZE / piece.len()).max(1))
}

fn nested(open: &str, depth: usize) -> String {
    format!("fn f() {{ {}{} }}\n", open.repeat(depth), "}".repeat(depth))
}

/// Each shape's name and text: the attacks of issue 15, at the largest size or depth the
/// limits let through (or past them, where the attack is).
fn shapes() -> Vec<(&'static str, String)> {
    vec![
        ("nested comparisons (refused)", nested("{ 1>2; ", SIZE / 7)),
        (
            "nested async blocks, 990 deep",
            fill(&nested("async { 1>2; ", 990)),
        ),
        (
            "method chains of 2 490 calls",
            fill(&format!("fn f() {{ x{}; }}\n", ".a()".repeat(2_490))),
        ),
        (
            "one line of awaited calls",
            format!(
                "async fn f(c: &mut C) {{ {} }}",
                fill("let é = c.a().await; ")
            ),
        ),
        ("small fns", fill("fn f() { let x = 1; }\n")),
        (
            "generics 990 deep",
            fill(&format!(
                "type T = {}u8{};\n",
                "Vec<".repeat(990),
                ">".repeat(990)
            )),
        ),
        (
            "prefix runs of 990",
            fill(&format!("fn f() {{ {}x; }}\n", "!".repeat(990))),
        ),
    ]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--shape") {
        let name = &args[at + 1];
        let text = shapes()
            .into_iter()
            .find(|(n, _)| n == name)
            .expect("shape")
            .1;
        measure_one(&text);
        return;
    }
    let mut failed = false;
    println!(
        "{:<32} {:>8} {:>9} {:>10}  verdict",
        "shape", "bytes", "seconds", "peak MiB"
    );
    for (name, text) in shapes() {
        let out = Command::new(&args[0])
            .args(["--shape", name])
            .output()
            .expect("run the child");
        let report = String::from_utf8_lossy(&out.stdout);
        let fields: Vec<&str> = report.split_whitespace().collect();
        let (seconds, mib, bug_found) = match fields.as_slice() {
            [s, m, b] => (
                s.parse().unwrap_or(f64::MAX),
                m.parse().unwrap_or(u64::MAX),
                *b == "bug-found",
            ),
            _ => (f64::MAX, u64::MAX, false),
        };
        let ok = out.status.success() && seconds <= MAX_SECONDS && mib <= MAX_MIB && bug_found;
        failed |= !ok;
        println!(
            "{name:<32} {:>8} {seconds:>9.2} {mib:>10}  {}",
            text.len(),
            if ok {
                "ok"
            } else {
                "OVER (or bug missed, or crashed)"
            }
        );
    }
    println!("limits: {MAX_SECONDS} s and {MAX_MIB} MiB per shape");
    if failed {
        std::process::exit(1);
    }
}

/// In the child: analyses the shape next to the bug, prints seconds, peak MiB and whether
/// the bug was found.
fn measure_one(text: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("attack.rs"), text).expect("write");
    std::fs::write(dir.path().join("bug.rs"), BUG).expect("write");
    let start = Instant::now();
    let analysis = analyze(&[PathBuf::from(dir.path())], &Config::default());
    let seconds = start.elapsed().as_secs_f64();
    let bug_found = analysis
        .findings
        .iter()
        .any(|f| f.file.ends_with("bug.rs") && f.rule.id == "unguarded_write_then_read");
    println!(
        "{seconds:.3} {} {}",
        peak_mib(),
        if bug_found { "bug-found" } else { "bug-missed" }
    );
}

/// This process's peak resident memory (Linux `VmHWM`), in MiB.
fn peak_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(u64::MAX, |kib| kib / 1024)
}
