//! `check` on malformed drills: each message names the file, the line and column, and what was
//! expected (reviewed snapshots).

use std::path::{Path, PathBuf};

use slotdrill_scenario::Drill;

#[test]
fn every_malformed_drill_gets_a_precise_message() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/malformed");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 12);
    for file in files {
        let error = match Drill::load(&file, None) {
            Ok(_) => panic!("{} should be refused", file.display()),
            Err(e) => e.to_string(),
        };
        let message = error.replace(&format!("{}/", dir.display()), "");
        let name = file
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        insta::assert_snapshot!(name, message);
    }
}
