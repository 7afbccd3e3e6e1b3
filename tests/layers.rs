//! The pipeline's layers, bottom up: a module of `src/` imports only from its own layer
//! or below, never up, and modules of one layer import each other without a circle.
//! Read from the source text (not compiled), so a new arrow against the design fails
//! here with the file and line that drew it. Comments and test code (`tests.rs` files,
//! what follows `#[cfg(test)]`) may reach up: rule tests assert the seeds' sentences,
//! which report words.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layer of every top-level module, as README's "Layers" section draws them.
const LAYERS: &[(&str, u8)] = &[
    ("clock", 1),
    ("config", 1),
    ("observe", 1),
    ("telemetry", 1),
    ("extract", 2),
    ("catalog", 3),
    ("detect", 3),
    ("fetch", 4),
    ("sources", 4),
    ("store", 4),
    ("app", 5),
    ("cycle", 5),
    ("notify", 5),
    ("report", 5),
    ("console", 6),
    ("demo", 6),
    ("serve", 6),
    ("cli", 7),
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "tests") {
                files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

#[test]
fn modules_import_only_from_their_layer_or_below_without_circles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let path_re = regex::Regex::new(r"crate::([a-z_]+)").unwrap();
    let mut wrong = Vec::new();
    let mut same_layer: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &all {
        let module = module_of(&src, file);
        if module == "lib" || module == "main" {
            continue;
        }
        let Some(own) = layer(&module) else {
            wrong.push(format!(
                "{}: module `{module}` has no layer in tests/layers.rs",
                file.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("#[cfg(test)]") {
                break;
            }
            if code.starts_with("//") {
                continue;
            }
            for cap in path_re.captures_iter(code) {
                let target = &cap[1];
                if target == module {
                    continue;
                }
                match layer(target) {
                    Some(l) if l > own => wrong.push(format!(
                        "{}:{}: `{module}` (layer {own}) imports `{target}` (layer {l}): {}",
                        file.display(),
                        n + 1,
                        code
                    )),
                    Some(l) if l == own => {
                        same_layer
                            .entry(module.clone())
                            .or_default()
                            .insert(target.to_string());
                    }
                    _ => {}
                }
            }
        }
    }
    // A circle among modules of one layer: depth-first search for a back edge.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        circles: &mut Vec<String>,
    ) {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut circle = path[at..].to_vec();
            circle.push(m.to_string());
            circles.push(circle.join(" -> "));
            return;
        }
        if !done.insert(m.to_string()) {
            return;
        }
        path.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            visit(next, graph, path, done, circles);
        }
        path.pop();
    }
    let mut circles = Vec::new();
    let mut done = BTreeSet::new();
    for m in same_layer.keys() {
        visit(m, &same_layer, &mut Vec::new(), &mut done, &mut circles);
    }
    for c in circles {
        wrong.push(format!("circle within a layer: {c}"));
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}
