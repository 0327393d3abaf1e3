//! The module layering of `crates/periscope/src`, checked from the source (docs/ARCHITECTURE.md,
//! "Layering"): which top-level module refers to which (`crate::<module>` paths, `use crate::{…}`
//! groups included), that those references form no cycle but the explicitly allowed edges, that
//! the domain modules never reach up into the HTTP layers, and that `auth/` and `audit/` do
//! not use axum at all.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

/// Edges allowed to close a cycle, each with why.
const ALLOWED_CYCLE_EDGES: &[(&str, &str, &str)] =
    &[("routes", "app", "handlers take `AppState`, which lives beside the route table that names them")];

/// Modules below the HTTP layers: none of them may refer to these.
const HTTP_LAYERS: &[&str] = &["app", "cli", "http", "routes"];
const DOMAIN: &[&str] = &["audit", "auth", "authz", "config", "identity", "names", "postgres"];
/// Usable without axum: no `axum` in their source and no path to `error` (the envelope, which is axum's).
const WITHOUT_AXUM: &[&str] = &["audit", "auth"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("read src dir") {
            rust_files(&entry.expect("dir entry").path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

/// Top-level modules (`foo.rs` or `foo/`) and the source of each, comment lines dropped.
fn modules() -> BTreeMap<String, String> {
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(src()).expect("read src") {
        let path = entry.expect("dir entry").path();
        let name = path.file_stem().and_then(|s| s.to_str()).expect("utf-8 name").to_string();
        if name == "lib" || name == "main" {
            continue;
        }
        let mut files = Vec::new();
        rust_files(&path, &mut files);
        let code: String = files
            .iter()
            .flat_map(|f| {
                std::fs::read_to_string(f).expect("read source").lines().map(str::to_string).collect::<Vec<_>>()
            })
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        modules.entry(name).or_insert_with(String::new).push_str(&code);
    }
    modules
}

fn ident_at(text: &str) -> &str {
    let end = text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(text.len());
    &text[..end]
}

/// The top-level modules `code` refers to through `crate::`.
fn references(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a::b, c, d::{e, f}}`: the names at the group's own depth.
            let mut depth = 0;
            let mut expecting_name = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => expecting_name = true,
                    c if expecting_name && depth == 0 && (c.is_ascii_alphabetic() || c == '_') => {
                        found.insert(ident_at(&group[i..]).to_string());
                        expecting_name = false;
                    }
                    _ => {}
                }
            }
        } else {
            found.insert(ident_at(rest).to_string());
        }
    }
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    modules
        .iter()
        .map(|(name, code)| {
            let deps = references(code).into_iter().filter(|d| d != name && modules.contains_key(d)).collect();
            (name.clone(), deps)
        })
        .collect()
}

/// A cycle in `graph`, as the list of modules along it.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_scanner_sees_grouped_and_nested_uses() {
    let code = "use crate::{\n    app::AppState,\n    http::{authn::CurrentUser, extract::Query},\n    names,\n};\nlet x = crate::error::ApiError::bad(\"\");";
    let found: Vec<String> = references(code).into_iter().collect();
    assert_eq!(found, ["app", "error", "http", "names"]);
}

#[test]
fn top_level_modules_form_no_cycle_but_the_allowed_edges() {
    let mut graph = graph();
    assert!(graph["routes"].contains("app") && graph["app"].contains("routes"), "the scanner sees the known edges");
    for (from, to, _why) in ALLOWED_CYCLE_EDGES {
        let removed = graph.get_mut(*from).is_some_and(|deps| deps.remove(*to));
        assert!(removed, "allowed edge {from} → {to} no longer exists: drop it from the list");
    }
    if let Some(cycle) = find_cycle(&graph) {
        panic!("module cycle: {}\nthe graph: {graph:#?}", cycle.join(" → "));
    }
}

#[test]
fn domain_modules_do_not_reach_up_into_the_http_layers() {
    let graph = graph();
    for module in DOMAIN {
        let deps = &graph[*module];
        let up: Vec<&String> = deps.iter().filter(|d| HTTP_LAYERS.contains(&d.as_str())).collect();
        assert!(up.is_empty(), "{module} depends on {up:?}; the HTTP layers adapt it, not the other way round");
    }
}

#[test]
fn auth_and_audit_are_usable_without_axum() {
    let modules = modules();
    let graph = graph();
    for module in WITHOUT_AXUM {
        assert!(!modules[*module].contains("axum"), "{module} uses axum; HTTP concerns belong in http/ or routes/");
        // Nothing they depend on may bring the envelope (and with it axum) in either.
        let mut seen = BTreeSet::new();
        let mut todo = vec![module.to_string()];
        while let Some(next) = todo.pop() {
            for dep in &graph[&next] {
                assert!(
                    dep != "error",
                    "{module} reaches error.rs (through {next}); return its own error type instead"
                );
                if seen.insert(dep.clone()) {
                    todo.push(dep.clone());
                }
            }
        }
    }
}
