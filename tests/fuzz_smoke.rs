//! The fuzz targets' entry points (`crates/slotdrill-fuzz`), driven on the stable toolchain:
//! arbitrary bytes, and the seed corpus with bytes changed, inserted and removed. Nothing may
//! panic. `fuzz/` runs the same functions under cargo-fuzz with coverage guidance.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use slotdrill_test_support::{WORKSPACE_ROOT, proptest_cases};

/// The seed corpus: the bundled drills and the wdl crate's workflow files.
fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let root = Path::new(WORKSPACE_ROOT);
        let mut files: Vec<PathBuf> = Vec::new();
        for dir in ["scenarios", "crates/slotdrill-wdl/tests/data"] {
            let listed = std::fs::read_dir(root.join(dir)).expect("seed folder");
            files.extend(
                listed
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file()),
            );
        }
        files.sort();
        files
            .iter()
            .map(|f| std::fs::read(f).expect("seed file"))
            .collect()
    })
}

/// A seed with some bytes overwritten, inserted or removed.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    let edits =
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..8);
    (any::<prop::sample::Index>(), edits).prop_map(|(which, edits)| {
        let seeds = seeds();
        let mut bytes = seeds[which.index(seeds.len())].clone();
        for (at, byte, op) in edits {
            let at = at.index(bytes.len() + 1);
            match op {
                0 if at < bytes.len() => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => bytes.push(byte),
            }
        }
        bytes
    })
}

/// The harness reaches past the parsers: every bundled drill loads, some workflow seeds have
/// calls, and a plain read of the estate answers 200.
#[test]
fn the_seeds_are_accepted() {
    for drill in slotdrill_test_support::bundled_drills() {
        let text = std::fs::read(Path::new(WORKSPACE_ROOT).join(&drill)).expect("drill");
        assert!(
            slotdrill_fuzz::drill(&text),
            "{} is refused",
            drill.display()
        );
    }
    assert!(seeds().iter().any(|s| slotdrill_fuzz::workflow(s)));
    assert!(slotdrill_fuzz::expression(b"concat('a', string(1))"));
    assert!(slotdrill_fuzz::arm_request(
        b"GET /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-orders/providers/Microsoft.Web/sites/orders?api-version=2024-11-01\n"
    ));
}

fn input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![proptest::collection::vec(any::<u8>(), 0..256), mutated()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(proptest_cases(128)))]

    #[test]
    fn the_drill_parser_never_panics(data in input()) {
        slotdrill_fuzz::drill(&data);
    }

    #[test]
    fn the_workflow_reader_never_panics(data in input()) {
        slotdrill_fuzz::workflow(&data);
    }

    #[test]
    fn the_expression_parser_never_panics(
        data in prop_oneof![
            input(),
            "[a-zA-Z(),.'?\\[\\]@{} 0-9-]{0,60}".prop_map(String::into_bytes),
        ]
    ) {
        slotdrill_fuzz::expression(&data);
    }

    #[test]
    fn the_arm_router_never_panics(
        method in prop_oneof![Just("GET"), Just("PUT"), Just("POST"), Just("DELETE"), Just("PATCH")],
        path in "(/subscriptions/(00000000-0000-0000-0000-000000000000|[a-z0-9-]{0,8})/resourceGroups/(rg-orders|[a-z]{0,4})/providers/Microsoft\\.(Web|Logic)/(sites|workflows)/[a-z%./-]{0,10}(/[a-zA-Z]{0,12}){0,4})?",
        query in "(api-version=20[0-9]{2}-[0-9]{2}-[0-9]{2}(-preview)?)?(&[a-z]{1,5}=[^&]{0,5}){0,2}",
        body in input(),
    ) {
        let mut data = format!("{method} {path}?{query}\n").into_bytes();
        data.extend(body);
        slotdrill_fuzz::arm_request(&data);
    }
}
