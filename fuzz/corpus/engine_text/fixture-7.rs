use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Marks the connection broken unless `finish` is called: a drop guard.
pub struct InFlight {
    broken: Arc<AtomicBool>,
    done: bool,
}

impl InFlight {
    pub fn new(broken: &Arc<AtomicBool>) -> InFlight {
        InFlight {
            broken: broken.clone(),
            done: false,
        }
    }

    pub fn finish(mut self) {
        self.done = true;
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if !self.done {
            self.broken.store(true, Ordering::SeqCst);
        }
    }
}

/// Plain data with no `Drop` impl: holding one records nothing.
pub struct Stats {
    pub started: std::time::Instant,
}
