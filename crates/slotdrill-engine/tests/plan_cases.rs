//! Plans as data: each file of `tests/data/plan/` is an observation, a diagnosis and a policy
//! (the engine's own serialized types, first taken from the emulator, then edited by hand to
//! make the case); the plan it gives is a reviewed snapshot, as text and as JSON. Every case
//! also checks that no setting value reaches the plan (sticky settings are often connection
//! strings) and that the plan's JSON reads back to the same decision.

use std::path::Path;

use serde::Deserialize;
use slotdrill_engine::{Diagnosis, Observation, Plan, Policy, plan};

#[derive(Deserialize)]
struct Case {
    observation: Observation,
    diagnosis: Diagnosis,
    policy: Policy,
}

#[test]
fn every_plan_case_gives_its_reviewed_plan() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/plan");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/data/plan")
        .map(|entry| entry.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "{} cases", files.len());
    for file in files {
        let stem = file
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(&file).expect("readable");
        let case: Case =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let planned = plan(&case.observation, &case.diagnosis, &case.policy);
        let shown = planned.to_string();
        let json = serde_json::to_string_pretty(&planned).expect("json");
        for value in case
            .observation
            .apps
            .iter()
            .flat_map(|a| a.slots.iter())
            .flat_map(|s| s.settings.values())
        {
            assert!(!shown.contains(value.as_str()), "{stem}: `{value}` shown");
            assert!(!json.contains(value.as_str()), "{stem}: `{value}` in JSON");
        }
        let read_back: Plan = serde_json::from_str(&json).expect("reads back");
        assert_eq!(
            read_back.decision.label(),
            planned.decision.label(),
            "{stem}"
        );
        assert_eq!(read_back.steps, planned.steps, "{stem}");
        insta::assert_snapshot!(stem.clone(), format!("{shown}\n{json}"));
    }
}
