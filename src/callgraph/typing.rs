//! What the workspace pass knows about types beyond what is written down: which traits a
//! type implements (directly or through blanket impls), so `con.get(k)` finds the trait's
//! default method, and the types of locals made by calls (`let con =
//! client.get_async_connection().await?` holds what `get_async_connection` returns).

use std::collections::BTreeSet;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::summary::{ImplHeader, Unit};

/// Marker and std traits a blanket impl may require that no crate implements by hand in a
/// way we would see: treated as met.
const ASSUMED_MET: &[&str] = &[
    "Send", "Sync", "Sized", "Unpin", "Clone", "Copy", "Debug", "Default", "Display",
];

/// Traits by implementing type, and blanket impls by their bounds.
#[derive(Debug, Default)]
pub struct TraitIndex {
    direct: HashMap<String, BTreeSet<String>>,
    blanket: Vec<(String, Vec<String>)>,
    /// Traits with a definition or an impl here: a bound on one of these must be shown met.
    known: HashSet<String>,
    /// `traits_of` per type asked about, computed once: most types with an impl (every
    /// dependency type with a `Debug` impl) never are.
    resolved: std::sync::Mutex<HashMap<String, std::sync::Arc<[String]>>>,
}

impl TraitIndex {
    pub fn new<'a>(
        headers: impl IntoIterator<Item = &'a ImplHeader>,
        units: impl IntoIterator<Item = &'a Unit>,
    ) -> Self {
        let mut index = TraitIndex::default();
        index.add(headers, units);
        index
    }

    /// Adds more impls, and the traits more units define or implement.
    pub fn add<'a>(
        &mut self,
        headers: impl IntoIterator<Item = &'a ImplHeader>,
        units: impl IntoIterator<Item = &'a Unit>,
    ) {
        for h in headers {
            self.known.insert(h.trait_name.clone());
            match &h.self_ty {
                Some(ty) => {
                    self.direct
                        .entry(ty.clone())
                        .or_default()
                        .insert(h.trait_name.clone());
                }
                None => self.blanket.push((h.trait_name.clone(), h.bounds.clone())),
            }
        }
        for u in units {
            if let Some(t) = &u.trait_name {
                self.known.insert(t.clone());
            }
        }
        self.resolved.get_mut().map(HashMap::clear).ok();
    }

    /// Every trait `ty` implements that we can see, blanket impls included.
    pub fn traits_of(&self, ty: &str) -> std::sync::Arc<[String]> {
        // Blanket impls need a bound the type is shown to implement, so only types with
        // an impl of their own can have any trait.
        if !self.direct.contains_key(ty) {
            return std::sync::Arc::new([]);
        }
        let mut resolved = self.resolved.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(traits) = resolved.get(ty) {
            return traits.clone();
        }
        let traits: std::sync::Arc<[String]> = self.compute(ty).into();
        resolved.insert(ty.to_string(), traits.clone());
        traits
    }

    fn compute(&self, ty: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .direct
            .get(ty)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
        // Blanket impls may build on each other (`impl<T: A> B for T`, `impl<T: B> C for T`).
        for _ in 0..3 {
            let mut grew = false;
            for (t, bounds) in &self.blanket {
                if out.contains(t) {
                    continue;
                }
                // Bounds on traits we cannot see are taken as met, but one bound must be a
                // trait the type is shown to implement: a blanket impl over foreign bounds
                // alone (`impl<T: AsyncRead> Ext for T`) would hand its methods to everything.
                let met = bounds.iter().all(|b| {
                    ASSUMED_MET.contains(&b.as_str()) || !self.known.contains(b) || out.contains(b)
                });
                if met && bounds.iter().any(|b| out.contains(b)) {
                    out.push(t.clone());
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
        out
    }
}
