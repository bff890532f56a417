//! The layering check (`.ci/layers`, issue 28) cannot pass while wrong: each breach planted in a
//! copy of `src/` fails it, naming what was planted, and the copy as it is passes.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A copy of this checkout's `src/` in a temporary folder.
fn copy_of_src() -> (tempfile::TempDir, PathBuf) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    copy(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &src);
    (dir, src)
}

/// Runs the check on `src`: whether it passed, and what it printed.
fn check(src: &Path) -> (bool, String) {
    let out = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/layers"))
        .arg(src)
        .output()
        .expect("python3 runs .ci/layers");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.success(), text)
}

/// Adds `line` at the top of `file` (after its `//!` doc) in the copy.
fn plant(src: &Path, file: &str, line: &str) {
    let path = src.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let doc_end = text
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .map(|l| l.len() + 1)
        .sum::<usize>();
    let planted = format!("{}\n{line}\n{}", &text[..doc_end], &text[doc_end..]);
    std::fs::write(path, planted).unwrap();
}

/// Each plant in a fresh copy: the check fails and its output holds every `expected` piece.
fn assert_caught(file: &str, line: &str, expected: &[&str]) {
    let (_dir, src) = copy_of_src();
    plant(&src, file, line);
    let (passed, text) = check(&src);
    assert!(
        !passed,
        "planted `{line}` in {file}, yet the check passed:\n{text}"
    );
    for piece in expected {
        assert!(text.contains(piece), "`{piece}` not in:\n{text}");
    }
}

#[test]
fn the_tree_as_it_is_passes() {
    let (_dir, src) = copy_of_src();
    let (passed, text) = check(&src);
    assert!(passed, "{text}");
}

#[test]
fn a_loop_through_a_braced_super_import_is_caught() {
    // store imports rollup; rollup importing store by `use super::{…}` closes a loop
    assert_caught(
        "calls/rollup.rs",
        "use super::{notify, store};",
        &["import loop between", "calls::rollup", "calls::store"],
    );
}

#[test]
fn a_loop_through_a_bare_child_path_is_caught() {
    // recordings/mod.rs naming its child bare: retention imports state, state imports
    // recordings
    assert_caught(
        "recordings/mod.rs",
        "pub fn planted() { let _ = retention::spawn; }",
        &["import loop between", "recordings::retention", "state"],
    );
}

#[test]
fn db_reaching_up_to_http_is_caught() {
    assert_caught(
        "db/mod.rs",
        "use crate::http::reply::raw_error;",
        &["src/db/mod.rs imports http"],
    );
}

#[test]
fn db_reaching_up_into_the_domain_is_caught() {
    assert_caught(
        "db/calls.rs",
        "use crate::calls::machine::TIMEOUT_REASON;",
        &["src/db/calls.rs imports calls"],
    );
}

#[test]
fn warp_in_a_domain_file_is_caught() {
    assert_caught(
        "calls/stats.rs",
        "pub fn planted() -> warp::http::StatusCode { warp::http::StatusCode::OK }",
        &["src/calls/stats.rs names warp"],
    );
}

#[test]
fn a_leaf_importing_the_domain_is_caught() {
    assert_caught(
        "states/dialer.rs",
        "use crate::db::DbError;",
        &["src/states/dialer.rs imports db"],
    );
}

#[test]
fn a_doc_comment_naming_a_module_is_no_import() {
    let (_dir, src) = copy_of_src();
    plant(
        &src,
        "times.rs",
        "// see crate::http::routes and `super::calls::dial`",
    );
    let (passed, text) = check(&src);
    assert!(passed, "{text}");
}
