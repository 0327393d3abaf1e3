//! Answer shapes shared by several routes, and the TypeScript declarations of every JSON answer
//! the web app reads, rendered from the Rust types (ts-rs) into `web/src/api/types.gen.ts`.
//! The web app imports that file only; a unit test renders the declarations again and fails
//! when the committed file differs (`PERISCOPE_WRITE_TS=1 cargo test -p periscope --lib
//! api_types` rewrites it). See docs/web.md.

use std::{
    any::TypeId,
    collections::{BTreeMap, btree_map::Entry},
};

use serde::Serialize;
use ts_rs::{Config, TS, TypeVisitor};

use crate::{
    resources::list::ListPage,
    routes::{
        cani::{CanIRequest, CanIResponse},
        clusters::ClusterList,
        dashboard::Dashboard,
        fleet::Fleet,
        kinds::KindList,
        rollout::Revision,
        search::SearchResponse,
        session::{AuthConfigAnswer, AuthWhoAmI, WhoAmI},
        streams::Subscribed,
        system::Features,
    },
};

/// A `{items}` answer (an object's events, a workload's revisions).
#[derive(Debug, Serialize, TS)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// Where the declarations are committed, relative to this crate.
pub const TYPES_FILE: &str = "../../web/src/api/types.gen.ts";

const HEADER: &str = "// Generated from the server's Rust types by crates/periscope/src/api_types.rs (ts-rs).\n\
// Do not edit: `PERISCOPE_WRITE_TS=1 cargo test -p periscope --lib api_types` rewrites it.\n";

/// A list row is a projection (resources/projection.rs), built at run time: the fields every
/// row has, then one per column key of the answer's `columns`.
const ROW: &str = "/**\n * One list row (resources/projection.rs): the fields every row has, then one per column key.\n */\n\
export type Row = { name: string, namespace?: string, uid?: string, createdAt?: string, [column: string]: JsonValue | undefined };";

/// Declarations by TypeScript name, with the Rust type each came from (two Rust types must not
/// claim one name).
struct Declarations {
    cfg: Config,
    by_name: BTreeMap<String, (TypeId, String)>,
}

impl TypeVisitor for Declarations {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Primitives and std containers have no file of their own: they are written inline.
        if T::output_path().is_none() {
            return;
        }
        let name = T::ident(&self.cfg);
        let id = TypeId::of::<T::WithoutGenerics>();
        match self.by_name.entry(name) {
            Entry::Occupied(seen) => {
                // Two Rust types of one name would overwrite each other in TypeScript.
                assert!(seen.get().0 == id, "two Rust types are called {} in TypeScript: rename one", seen.key());
                return;
            }
            Entry::Vacant(slot) => {
                let docs = T::docs().unwrap_or_default();
                slot.insert((id, format!("{docs}export {}", T::decl(&self.cfg))));
            }
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
    }
}

/// The contents of `web/src/api/types.gen.ts`: every answer the web app reads, and what they use.
pub fn typescript() -> String {
    // JSON numbers are JavaScript numbers; `bigint` would not parse from `response.json()`.
    let mut all = Declarations { cfg: Config::new().with_large_int("number"), by_name: BTreeMap::new() };
    all.visit::<AuthConfigAnswer>();
    all.visit::<AuthWhoAmI>();
    all.visit::<WhoAmI>();
    all.visit::<Features>();
    all.visit::<ClusterList>();
    all.visit::<KindList>();
    all.visit::<ListPage>();
    all.visit::<Items<serde_json::Value>>();
    all.visit::<Revision>();
    all.visit::<CanIRequest>();
    all.visit::<CanIResponse>();
    all.visit::<Fleet>();
    all.visit::<Dashboard>();
    all.visit::<SearchResponse>();
    all.visit::<Subscribed>();
    all.visit::<serde_json::Value>();
    let mut out = String::from(HEADER);
    for (_, declaration) in all.by_name.values() {
        out.push('\n');
        out.push_str(declaration);
        out.push('\n');
    }
    out.push('\n');
    out.push_str(ROW);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn the_committed_typescript_types_are_current() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(TYPES_FILE);
        let rendered = typescript();
        if std::env::var_os("PERISCOPE_WRITE_TS").is_some() {
            // Asked to: the test's job is then to write the file.
            std::fs::write(&path, &rendered).expect("write web/src/api/types.gen.ts");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == rendered,
            "web/src/api/types.gen.ts is stale: rewrite it with `PERISCOPE_WRITE_TS=1 cargo test -p periscope --lib \
             api_types`"
        );
    }

    #[test]
    fn large_integers_are_numbers_and_skipped_fields_optional() {
        let ts = typescript();
        assert!(!ts.contains("bigint"), "{ts}");
        assert!(ts.contains("continue?: string"), "an absent `continue` is optional, not null");
        assert!(ts.contains("total: number"), "u64 counts are numbers");
    }
}
