//! Tidy checks over the workspace's own sources, run as ordinary tests (`cargo test -p
//! xtask`, part of `cargo xtask test`): no module import cycles in any crate.
//!
//! A module depends on another when its code names a path into it: `crate::a::b::Item`,
//! `super::x`, `self::x`, a child module's `child::Item`, and every path of a `use` tree
//! (`use crate::{a::X, b::{c, d}}`). The dependency goes to the deepest module the path
//! names. Comments, string literals and `#[cfg(test)]` modules are left out (tests may
//! reach anywhere), and so is the crate root (`lib.rs`, `main.rs`): it declares every
//! module and holds what they share (`AppState` in the server, the `App` in the console),
//! so every module may use it and it may use every module. Between the other modules, a
//! parent and its child count like any two modules: a `mod.rs` that calls into its child
//! while the child uses the parent's items is a cycle too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One module of a crate.
#[derive(Debug)]
struct Module {
    /// Its path from the crate root (`["pools", "store"]`; empty for the root).
    path: Vec<String>,
    /// Its file.
    file: PathBuf,
    /// Its code without comments, literals and test modules.
    code: String,
    /// Its child modules (declared with `mod name;`).
    children: Vec<String>,
}

/// A dependency between two modules, with where it was first seen.
#[derive(Debug, Clone)]
pub struct Edge {
    /// The module that names the other (`pools::store`).
    pub from: String,
    /// The module named.
    pub to: String,
    /// `file:line` of the first place.
    pub at: String,
}

/// The import cycles among the modules of the crate rooted at `root` (its `lib.rs` or
/// `main.rs`): each cycle as the dependencies that close it, in order (empty: none).
pub fn module_cycles(root: &Path) -> Vec<Vec<Edge>> {
    let modules = modules(root);
    let names: BTreeSet<Vec<String>> = modules.iter().map(|m| m.path.clone()).collect();
    let mut edges: BTreeMap<(String, String), Edge> = BTreeMap::new();
    for m in &modules {
        if m.path.is_empty() {
            continue;
        }
        for (path, line) in paths(&m.code) {
            let Some(absolute) = absolute(&m.path, &m.children, &path) else {
                continue;
            };
            // The deepest module that the path names.
            let target = (1..=absolute.len())
                .rev()
                .map(|n| absolute[..n].to_vec())
                .find(|p| names.contains(p));
            let Some(target) = target else { continue };
            if target == m.path {
                continue;
            }
            let (from, to) = (m.path.join("::"), target.join("::"));
            edges.entry((from.clone(), to.clone())).or_insert(Edge {
                from,
                to,
                at: format!("{}:{line}", m.file.display()),
            });
        }
    }
    cycles(&edges)
}

/// Every crate root of the workspace under `workspace`: `src/{lib,main}.rs`,
/// `src/bin/*.rs` of the root package, of each `crates/*` and of `xtask`.
pub fn crate_roots(workspace: &Path) -> Vec<PathBuf> {
    let mut packages = vec![workspace.to_path_buf(), workspace.join("xtask")];
    if let Ok(entries) = std::fs::read_dir(workspace.join("crates")) {
        let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        dirs.sort();
        packages.extend(dirs);
    }
    let mut roots = Vec::new();
    for p in packages {
        let src = p.join("src");
        for name in ["lib.rs", "main.rs"] {
            if src.join(name).is_file() {
                roots.push(src.join(name));
            }
        }
        if let Ok(entries) = std::fs::read_dir(src.join("bin")) {
            let mut bins: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "rs"))
                .collect();
            bins.sort();
            roots.extend(bins);
        }
    }
    roots
}

/// The modules of the crate at `root`, following `mod name;` declarations.
fn modules(root: &Path) -> Vec<Module> {
    let mut out = Vec::new();
    let mut todo = vec![(Vec::new(), root.to_path_buf())];
    while let Some((path, file)) = todo.pop() {
        // A module whose file is elsewhere (`#[path = ...]`) is still a module: paths into
        // it end there, though its own code is not read.
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let code = strip_test_modules(&clean(&text));
        let children = declared_modules(&code);
        // Where children live: beside a root or mod.rs, else in a folder named after the
        // file.
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let dir = file.parent().unwrap_or(Path::new("."));
        let base = if path.is_empty() || stem == "mod" {
            dir.to_path_buf()
        } else {
            dir.join(stem)
        };
        for child in &children {
            let flat = base.join(format!("{child}.rs"));
            let nested = base.join(child).join("mod.rs");
            let child_file = if flat.is_file() { flat } else { nested };
            let mut child_path = path.clone();
            child_path.push(child.clone());
            todo.push((child_path, child_file));
        }
        out.push(Module {
            path,
            file,
            code,
            children,
        });
    }
    out
}

/// The code with comments, string and character literals blanked (newlines kept, so
/// lines still count).
fn clean(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < c.len() {
        match c[i] {
            '/' if c.get(i + 1) == Some(&'/') => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if c.get(i + 1) == Some(&'*') => {
                let mut depth = 0;
                while i < c.len() {
                    if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                        depth += 1;
                        i += 2;
                    } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        blank(&mut out, c[i]);
                        i += 1;
                    }
                }
            }
            'r' if (c.get(i + 1) == Some(&'"') || c.get(i + 1) == Some(&'#'))
                && !c[..i]
                    .last()
                    .is_some_and(|p| p.is_alphanumeric() || *p == '_') =>
            {
                // A raw string r"..." or r#"..."#.
                let mut j = i + 1;
                let mut hashes = 0;
                while c.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if c.get(j) != Some(&'"') {
                    out.push(c[i]);
                    i += 1;
                    continue;
                }
                j += 1;
                while j < c.len() {
                    if c[j] == '"' && (0..hashes).all(|h| c.get(j + 1 + h) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    blank(&mut out, c[j]);
                    j += 1;
                }
                out.push_str("\"\"");
                i = j;
            }
            '"' => {
                i += 1;
                while i < c.len() && c[i] != '"' {
                    if c[i] == '\\' {
                        i += 1;
                    }
                    if i < c.len() {
                        blank(&mut out, c[i]);
                    }
                    i += 1;
                }
                out.push_str("\"\"");
                i += 1;
            }
            '\'' => {
                // A character literal ('x', '\n', '\u{1F600}'), else a lifetime.
                if c.get(i + 1) == Some(&'\\') {
                    let mut j = i + 2;
                    while j < c.len() && c[j] != '\'' {
                        j += 1;
                    }
                    out.push_str("' '");
                    i = j + 1;
                } else if c.get(i + 2) == Some(&'\'') {
                    out.push_str("' '");
                    i += 3;
                } else {
                    out.push('\'');
                    i += 1;
                }
            }
            ch => {
                out.push(ch);
                i += 1;
            }
        }
    }
    out
}

/// Tokens: identifiers, `::`, and single punctuation characters, with their line.
fn tokens(code: &str) -> Vec<(String, usize)> {
    let c: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push((c[start..i].iter().collect(), line));
        } else if ch == ':' && c.get(i + 1) == Some(&':') {
            out.push(("::".to_owned(), line));
            i += 2;
        } else {
            out.push((ch.to_string(), line));
            i += 1;
        }
    }
    out
}

fn is_ident(t: &str) -> bool {
    t.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// The code without `#[cfg(test)] mod name { ... }` blocks and `#[cfg(test)] mod name;`
/// declarations.
fn strip_test_modules(code: &str) -> String {
    let mut out = code.to_owned();
    while let Some(at) = out.find("#[cfg(test)]") {
        let rest = &out[at + "#[cfg(test)]".len()..];
        let trimmed = rest.trim_start();
        let skip = rest.len() - trimmed.len();
        let body = trimmed
            .strip_prefix("pub ")
            .unwrap_or(trimmed)
            .strip_prefix("mod ");
        let Some(body) = body else {
            // Another test-only item: blank the attribute only.
            out.replace_range(at..at + "#[cfg(test)]".len(), &" ".repeat(12));
            continue;
        };
        let body_start = at + "#[cfg(test)]".len() + skip + (trimmed.len() - body.len());
        let end = match body.find(['{', ';']) {
            Some(p) if body.as_bytes()[p] == b';' => body_start + p + 1,
            Some(p) => {
                let mut depth = 0;
                let mut end = out.len();
                for (k, ch) in out[body_start + p..].char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = body_start + p + k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            None => out.len(),
        };
        let blanked: String = out[at..end]
            .chars()
            .map(|ch| if ch == '\n' { '\n' } else { ' ' })
            .collect();
        out.replace_range(at..end, &blanked);
    }
    out
}

/// The names of `mod name;` declarations (not inline modules).
fn declared_modules(code: &str) -> Vec<String> {
    let t = tokens(code);
    let mut out = Vec::new();
    for w in t.windows(3) {
        if w[0].0 == "mod" && is_ident(&w[1].0) && w[2].0 == ";" {
            out.push(w[1].0.clone());
        }
    }
    out
}

/// Every path of two or more segments in the code (use trees expanded), with its line.
fn paths(code: &str) -> Vec<(Vec<String>, usize)> {
    let t = tokens(code);
    let mut out = Vec::new();
    let mut i = 0;
    while i < t.len() {
        let starts = is_ident(&t[i].0)
            && t.get(i + 1).is_some_and(|n| n.0 == "::")
            && (i == 0 || t[i - 1].0 != "::");
        if starts {
            i = tree(&t, i, Vec::new(), &mut out);
        } else {
            i += 1;
        }
    }
    out
}

/// Reads the path (or use tree) at `t[i]` after `prefix` into `out`; the index after it.
fn tree(
    t: &[(String, usize)],
    mut i: usize,
    mut prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, usize)>,
) -> usize {
    let line = t.get(i).map_or(0, |x| x.1);
    loop {
        match t.get(i).map(|x| x.0.as_str()) {
            Some("{") => {
                i += 1;
                loop {
                    match t.get(i).map(|x| x.0.as_str()) {
                        None => return i,
                        Some("}") => return i + 1,
                        Some(",") => i += 1,
                        Some("self") => {
                            out.push((prefix.clone(), line));
                            i += 1;
                        }
                        Some(s) if is_ident(s) => i = tree(t, i, prefix.clone(), out),
                        Some(_) => i += 1,
                    }
                }
            }
            Some(s) if is_ident(s) => {
                prefix.push(s.to_owned());
                if t.get(i + 1).is_some_and(|n| n.0 == "::") {
                    i += 2;
                } else {
                    out.push((prefix, line));
                    return i + 1;
                }
            }
            _ => {
                // `a::*`, or a path cut by a generic (`Vec::<u8>`): what was read.
                if prefix.len() > 1 || t.get(i).is_some_and(|x| x.0 == "*") {
                    out.push((prefix, line));
                }
                return i + 1;
            }
        }
    }
}

/// The path from the crate root that `path` names from module `here`, or None when it
/// leads outside the crate.
fn absolute(here: &[String], children: &[String], path: &[String]) -> Option<Vec<String>> {
    let first = path.first()?;
    let mut base: Vec<String> = here.to_vec();
    let rest: &[String] = match first.as_str() {
        "crate" => {
            base.clear();
            &path[1..]
        }
        "self" => &path[1..],
        "super" => {
            let mut p = path;
            while p.first().is_some_and(|s| s == "super") {
                base.pop()?;
                p = &p[1..];
            }
            p
        }
        name if children.iter().any(|c| c == name) => path,
        _ => return None,
    };
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The cycles of the graph: for each strongly connected group of two or more modules, one
/// cycle through it, as its edges.
fn cycles(edges: &BTreeMap<(String, String), Edge>) -> Vec<Vec<Edge>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        next.entry(from.as_str()).or_default().push(to.as_str());
    }
    let reach = |start: &str| -> BTreeMap<String, String> {
        // Each reachable module, with the module it was reached from (for the cycle).
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut todo = vec![start.to_owned()];
        while let Some(m) = todo.pop() {
            for n in next.get(m.as_str()).into_iter().flatten() {
                if !seen.contains_key(*n) {
                    seen.insert((*n).to_owned(), m.clone());
                    todo.push((*n).to_owned());
                }
            }
        }
        seen
    };
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    for start in next.keys() {
        if done.contains(*start) {
            continue;
        }
        let from_start = reach(start);
        if !from_start.contains_key(*start) {
            continue;
        }
        // The cycle back to `start`, following the parents.
        let mut cycle = Vec::new();
        let mut at = start.to_string();
        loop {
            let parent = from_start[&at].clone();
            cycle.push(edges[&(parent.clone(), at.clone())].clone());
            done.insert(at.clone());
            at = parent;
            if at == *start || cycle.len() > edges.len() {
                break;
            }
        }
        cycle.reverse();
        // Every module of this group is done.
        for m in from_start.keys() {
            if reach(m).contains_key(*start) {
                done.insert(m.clone());
            }
        }
        out.push(cycle);
    }
    out
}

/// Cycles known and left to their owners, by crate root and the modules of the cycle:
/// reported as known, not as failures. Remove an entry when its cycle is gone (the test
/// then says so).
pub const KNOWN_CYCLES: &[(&str, &[&str])] = &[];

fn known(root: &Path, cycle: &[Edge]) -> bool {
    let modules: BTreeSet<&str> = cycle.iter().map(|e| e.from.as_str()).collect();
    KNOWN_CYCLES
        .iter()
        .any(|(r, m)| root.ends_with(r) && m.iter().copied().collect::<BTreeSet<&str>>() == modules)
}

/// The cycles of every crate of the workspace at `workspace` that are not in
/// [`KNOWN_CYCLES`], as a report (empty: none), and the known ones still there.
pub fn report(workspace: &Path) -> (String, Vec<String>) {
    let mut report = String::new();
    let mut still = Vec::new();
    for root in crate_roots(workspace) {
        for cycle in module_cycles(&root) {
            let shown = root.strip_prefix(workspace).unwrap_or(&root);
            if known(&root, &cycle) {
                still.push(format!(
                    "{}: {}",
                    shown.display(),
                    cycle
                        .iter()
                        .map(|e| e.from.as_str())
                        .collect::<Vec<_>>()
                        .join(" -> ")
                ));
                continue;
            }
            report.push_str(&format!("{}: a module import cycle:\n", shown.display()));
            for e in cycle {
                let at = Path::new(&e.at);
                let at = at.strip_prefix(workspace).unwrap_or(at);
                report.push_str(&format!("  {} -> {}  ({})\n", e.from, e.to, at.display()));
            }
        }
    }
    (report, still)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask lives in the workspace")
            .to_path_buf()
    }

    /// Issue 11: no crate of the workspace has a module import cycle. When this fails,
    /// move what both modules need into one of them or into a leaf module both use (see
    /// docs/ARCHITECTURE.md).
    #[test]
    fn no_module_import_cycles() {
        let roots = crate_roots(&workspace());
        assert!(
            roots.len() >= 6,
            "the crates of the workspace were not found: {roots:?}"
        );
        let (report, known) = report(&workspace());
        assert!(report.is_empty(), "{report}");
        assert_eq!(
            known.len(),
            KNOWN_CYCLES.len(),
            "a known cycle is gone: remove it from KNOWN_CYCLES (still there: {known:?})"
        );
    }

    /// The checker finds what it must: a cycle through `crate::`, `super::`, a child's
    /// path and a use tree; and it leaves out comments, strings and test modules.
    #[test]
    fn the_checker_sees_cycles() {
        let dir = std::env::temp_dir().join(format!("xtask-tidy-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src/a")).unwrap();
        let write = |p: &str, text: &str| std::fs::write(dir.join(p), text).unwrap();
        write(
            "src/lib.rs",
            "pub mod a;\npub mod b;\npub mod c;\npub struct Shared;\n",
        );
        write(
            "src/a/mod.rs",
            "mod inner;\nuse crate::{b::{self, B}, Shared};\n",
        );
        write("src/a/inner.rs", "pub fn f() { super::super::c::g() }\n");
        write(
            "src/b.rs",
            "// crate::c::nothing in a comment\nconst S: &str = \"crate::c::x\";\npub struct B;\n#[cfg(test)]\nmod tests { use crate::c::*; }\n",
        );
        write("src/c.rs", "pub fn g() {}\n");
        let root = dir.join("src/lib.rs");
        assert!(module_cycles(&root).is_empty(), "no cycle yet");
        // c -> a: closes a -> a::inner -> c -> a? a -> inner is a child's path only when
        // named; here a uses b, and inner uses c. c -> b closes nothing; b -> a closes one.
        write(
            "src/b.rs",
            "pub struct B;\npub fn h() { crate::a::touch() }\n",
        );
        let found = module_cycles(&root);
        assert_eq!(found.len(), 1, "{found:?}");
        let modules: BTreeSet<&str> = found[0].iter().map(|e| e.from.as_str()).collect();
        assert_eq!(modules, BTreeSet::from(["a", "b"]));
        // Through super:: and a child's path: a names inner, inner names a.
        write("src/b.rs", "pub struct B;\n");
        write("src/a/mod.rs", "mod inner;\npub fn x() { inner::f() }\n");
        write("src/a/inner.rs", "pub fn f() { super::x() }\n");
        let found = module_cycles(&root);
        assert_eq!(found.len(), 1, "{found:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
