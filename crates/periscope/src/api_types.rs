//! Answer shapes shared by several routes, and the TypeScript declarations of every JSON answer
//! the web app reads, rendered from the Rust types (ts-rs) into `web/src/api/types.gen.ts`.
//! The web app imports that file only; a unit test renders the declarations again and fails
//! when the committed file differs (`PERISCOPE_WRITE_TS=1 cargo test -p periscope --lib
//! api_types` rewrites it). The web unit tests' kinds fixture is rendered the same way from
//! the server's kinds table. See docs/web.md.

use std::{
    any::TypeId,
    collections::{BTreeMap, btree_map::Entry},
};

use ts_rs::{Config, TS, TypeVisitor};

use crate::{
    resources::list::ListPage,
    routes::{
        Items,
        cani::{CanIRequest, CanIResponse},
        clusters::ClusterList,
        dashboard::Dashboard,
        fleet::Fleet,
        kinds::{KindList, builtin_kinds},
        rollout::Revision,
        search::SearchResponse,
        session::{AuthConfigAnswer, AuthWhoAmI, WhoAmI},
        streams::{SubscribeBody, Subscribed},
        system::Features,
    },
};

/// Where the declarations are committed, relative to this crate.
pub const TYPES_FILE: &str = "../../web/src/api/types.gen.ts";
/// Where the built-in kinds are committed for the web app's unit tests, relative to this crate.
pub const BUILTIN_KINDS_FILE: &str = "../../web/src/test/builtinKinds.gen.ts";

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
    all.visit::<crate::routes::bulk_download::BulkDownloadRequest>();
    all.visit::<Fleet>();
    all.visit::<Dashboard>();
    all.visit::<crate::usage::UsageList>();
    all.visit::<SearchResponse>();
    all.visit::<SubscribeBody>();
    all.visit::<Subscribed>();
    all.visit::<crate::exec::registry::SessionSummary>();
    all.visit::<crate::exec::recording::RecordingInfo>();
    all.visit::<crate::routes::tokens::TokenList>();
    all.visit::<crate::routes::tokens::IssuedToken>();
    all.visit::<crate::routes::tokens::NewToken>();
    all.visit::<crate::routes::helm_write::HelmPreview>();
    all.visit::<crate::routes::helm_write::InstallBody>();
    all.visit::<crate::routes::helm_write::UpgradeBody>();
    all.visit::<crate::routes::helm_write::ChartVersions>();
    all.visit::<crate::routes::helm_write::ChartValues>();
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
    // ts-rs leaves a space before the line breaks it puts in front of field docs.
    out.lines().map(|line| format!("{}\n", line.trim_end())).collect()
}

/// The web unit tests' kinds fixture: the server's built-in table as `/kinds` answers it, so
/// the tests run against the one table instead of a copy.
pub fn builtin_kinds_module() -> String {
    // A Vec of plain structs always serializes.
    let kinds = serde_json::to_string_pretty(&builtin_kinds()).expect("kinds to JSON");
    format!(
        "{HEADER}\nimport type {{ KindInfo }} from '../api/types.gen';\n\n/** The built-in kinds as `GET /api/clusters/{{c}}/kinds` lists them first. */\nexport const BUILTIN_KINDS: KindInfo[] = {kinds};\n"
    )
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn the_committed_typescript_files_are_current() {
        let write = std::env::var_os("PERISCOPE_WRITE_TS").is_some();
        for (file, rendered) in [(TYPES_FILE, typescript()), (BUILTIN_KINDS_FILE, builtin_kinds_module())] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
            if write {
                // Asked to: the test's job is then to write the files.
                std::fs::write(&path, &rendered).expect("write a generated TypeScript file");
                continue;
            }
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == rendered,
                "{file} is stale: rewrite it with `PERISCOPE_WRITE_TS=1 cargo test -p periscope --lib api_types`"
            );
        }
    }

    #[test]
    fn large_integers_are_numbers_and_skipped_fields_optional() {
        let ts = typescript();
        assert!(!ts.contains("bigint"), "{ts}");
        assert!(ts.contains("continue?: string"), "an absent `continue` is optional, not null");
        assert!(ts.contains("total: number"), "u64 counts are numbers");
    }
}
