//! Where a run's time goes: once [`enable`]d (the binary does so when `CANCELSAFE_TIMINGS`
//! is set; the engine reads no environment), each phase prints its wall time on stderr when
//! it ends, and the memory in use and at its peak so far where the system tells it (Linux).
//! Costs one atomic load per phase otherwise.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Process-wide, like stderr itself: phases are timed deep in the engine, where threading a
/// setting through every call would cost more than the switch is worth.
static ENABLED: AtomicBool = AtomicBool::new(false);

/// Turns the timings on or off for the rest of the process.
pub fn enable(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// A running phase; prints `timing: NAME MS` when dropped, if timings are on.
pub struct Phase {
    name: &'static str,
    start: Option<Instant>,
}

/// Starts timing a phase (a no-op unless [`enable`]d).
pub fn phase(name: &'static str) -> Phase {
    Phase {
        name,
        start: enabled().then(Instant::now),
    }
}

/// Prints `timing: MESSAGE` if timings are on: why a faster path was not taken.
pub fn note(message: &str) {
    if enabled() {
        eprintln!("timing: {message}");
    }
}

fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

impl Drop for Phase {
    fn drop(&mut self) {
        if let Some(start) = self.start {
            let peak = memory_mib()
                .map(|(now, peak)| format!(" ({now} MiB, peak {peak} MiB)"))
                .unwrap_or_default();
            eprintln!(
                "timing: {} {:.1} ms{peak}",
                self.name,
                start.elapsed().as_secs_f64() * 1e3
            );
        }
    }
}

/// The process's resident memory now and at its peak so far (`VmRSS`, `VmHWM`), in MiB.
fn memory_mib() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}
