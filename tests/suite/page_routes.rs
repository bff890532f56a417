//! The page's routes (issue 28): every `/api/v1` path the admin page calls is in
//! `assets/web/js/endpoints.js`, one function each, and each is a route of the server's table —
//! held as the OpenAPI document is held (`openapi.rs`). No other page file names a path.

use std::collections::BTreeSet;
use std::path::Path;

fn web_js() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/web/js")
}

/// Every JS file of the page: its path and its text without `//` comments.
fn page_files() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "js") {
                let text = std::fs::read_to_string(&path).unwrap();
                let code: Vec<&str> = text
                    .lines()
                    .map(|l| match l.find("//") {
                        Some(i) if !l[..i].contains('\'') && !l[..i].contains('`') => &l[..i],
                        _ => l,
                    })
                    .collect();
                out.push((path.display().to_string(), code.join("\n")));
            }
        }
    }
    let mut out = Vec::new();
    walk(&web_js(), &mut out);
    out
}

/// `(name, method, path shape)` of each `export const name = (…) => METHOD('…')`.
fn endpoints() -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(web_js().join("endpoints.js")).unwrap();
    let mut out = Vec::new();
    for line in text.lines().filter(|l| l.starts_with("export const ")) {
        let name = line["export const ".len()..].split(' ').next().unwrap();
        let (_, call) = line.split_once("=> ").unwrap();
        let (method, rest) = call.split_once('(').unwrap();
        let path = rest
            .trim_end_matches(");")
            .trim_matches(|c| c == '\'' || c == '`');
        // `${id(x)}` is a parameter, `{}` in the route table's shape
        let mut shape = String::new();
        let mut rest = path;
        while let Some(start) = rest.find("${") {
            shape.push_str(&rest[..start]);
            shape.push_str("{}");
            rest = &rest[start + rest[start..].find('}').unwrap() + 1..];
        }
        shape.push_str(rest);
        out.push((name.to_string(), method.to_lowercase(), shape));
    }
    out
}

#[test]
fn every_endpoint_of_the_page_is_a_route_of_the_server() {
    let table: BTreeSet<(String, String)> =
        dialbox::http::routes::api_routes().into_iter().collect();
    let endpoints = endpoints();
    assert!(
        endpoints.len() >= 50,
        "endpoints.js too short: {endpoints:?}"
    );
    for (name, method, shape) in &endpoints {
        assert!(
            table.contains(&(method.clone(), shape.clone())),
            "endpoints.js {name}: {method} {shape} is no route of the server"
        );
    }
}

#[test]
fn no_other_page_file_names_a_path_and_every_endpoint_is_called() {
    let files = page_files();
    for (path, code) in &files {
        if !path.ends_with("endpoints.js") {
            assert!(
                !code.contains("/api/v1"),
                "{path} names an /api/v1 path itself"
            );
        }
    }
    let callers: String = files
        .iter()
        .filter(|(p, _)| !p.ends_with("endpoints.js"))
        .map(|(_, c)| c.as_str())
        .collect();
    for (name, _, _) in endpoints() {
        assert!(
            callers.contains(&format!("ep.{name}(")),
            "endpoints.js {name} is never called"
        );
    }
}
