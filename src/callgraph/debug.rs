//! Debug output: a unit's effects, slots, locals, body and raw sections (see
//! [`crate::debug_effects`]).

use super::calls::Recorded;
use super::{PlaceLog, Workspace};

impl Workspace {
    /// Renders effects and raw sections of matching units (see [`crate::debug_effects`]).
    pub fn debug(&self, filter: &str, files: &[std::path::PathBuf]) -> String {
        let effects = self.fixpoint();
        let mut rec = Recorded::default();
        let found: Vec<Vec<PlaceLog>> = (0..self.units.len())
            .map(|i| {
                let body = &self.bodies[i];
                self.analyse_body(i, body, &effects, Some(&mut rec), None).1
            })
            .collect();
        let exposed = self.exposure(std::slice::from_ref(&rec.calls));
        let mut out = String::new();
        for (i, logs) in found.iter().enumerate() {
            let u = &self.units[i];
            let name = self.units[self.owner_fn(i)].unit.display_name();
            if !name.contains(filter) {
                continue;
            }
            out.push_str(&format!(
                "#{i} {name} {:?} {}:{} pub={} fx={:?}\n",
                u.unit.kind,
                files[u.file].display(),
                u.unit.span.line,
                u.unit.is_pub,
                effects[i]
            ));
            out.push_str(&format!(
                "   slots={:?}\n   locals={:?}\n",
                u.unit.slots, u.unit.locals
            ));
            out.push_str(&format!("   local types={:?}\n", self.local_types.get(&i)));
            out.push_str(&format!("   body={:?}\n", self.bodies[i]));
            for s in logs.iter().flat_map(PlaceLog::sections) {
                let lines = |steps: &[&super::Step]| -> Vec<u32> {
                    steps.iter().map(|s| s.span.line).collect()
                };
                out.push_str(&format!(
                    "   section {:?} write@{} flushes@{:?} reads@{:?} outlives={}\n",
                    s.stream,
                    s.write.span.line,
                    lines(&s.flushes),
                    lines(&s.reads),
                    self.stream_outlives(&s, &exposed)
                ));
            }
        }
        out
    }
}
