//! Keeps `docs/conformance.md` true: every checklist test (`fn req_N_…`) in the workspace must be
//! listed on the page, and every test the page lists must exist.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The `req_…` test names defined in the workspace's sources.
fn checklist_tests() -> BTreeSet<String> {
    let root = workspace();
    let mut files = Vec::new();
    rust_files(&root.join("crates"), &mut files);
    rust_files(&root.join("tests/tests"), &mut files);
    let mut names = BTreeSet::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        for (index, _) in source.match_indices("fn req_") {
            let name: String = source[index + 3..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name.as_bytes().get(4).is_some_and(u8::is_ascii_digit) {
                names.insert(name);
            }
        }
    }
    names
}

/// The `req_…` names the page lists, in backticks.
fn listed_tests() -> BTreeSet<String> {
    let page = std::fs::read_to_string(workspace().join("docs/conformance.md")).unwrap();
    page.split('`')
        .filter(|part| {
            part.starts_with("req_") && part.as_bytes().get(4).is_some_and(u8::is_ascii_digit)
        })
        .filter(|part| !part.ends_with('…'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_checklist_test_is_on_the_conformance_page() {
    let defined = checklist_tests();
    assert!(
        defined.len() > 50,
        "found only {} checklist tests",
        defined.len()
    );
    let listed = listed_tests();
    let missing: Vec<&String> = defined.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "docs/conformance.md does not list: {missing:?}"
    );
    let stale: Vec<&String> = listed.difference(&defined).collect();
    assert!(
        stale.is_empty(),
        "docs/conformance.md lists tests that do not exist: {stale:?}"
    );
}

#[test]
fn each_test_is_listed_under_its_item() {
    let page = std::fs::read_to_string(workspace().join("docs/conformance.md")).unwrap();
    for line in page.lines().filter(|l| l.starts_with("| ")) {
        let Some(item) = line
            .trim_start_matches("| ")
            .split(' ')
            .next()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        for name in line
            .split('`')
            .filter(|p| p.starts_with("req_") && !p.ends_with('…'))
        {
            let numbers: Vec<u32> = name
                .split("req_")
                .filter_map(|part| part.split('_').next().and_then(|n| n.parse().ok()))
                .collect();
            assert!(
                numbers.contains(&item),
                "{name} is listed under item {item}"
            );
        }
    }
}
