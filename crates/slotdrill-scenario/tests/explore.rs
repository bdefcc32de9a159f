//! `explore::rehearse` reports a broken invariant with the steps that reproduce it. (The
//! generated operations never delete a slot; a hand-written one shows the release check fires.)

use std::path::Path;

use slotdrill_scenario::explore::{Op, rehearse};

fn op(kind: &str, step: &str) -> Op {
    Op {
        kind: kind.to_owned(),
        steps: vec![step.to_owned()],
    }
}

#[test]
fn a_release_lost_without_a_deploy_is_a_finding() {
    let estate = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/orders.toml");
    let ops = [
        op("run", r#"run = { logic_app = "order-flow", times = 1 }"#),
        op(
            "delete_slot",
            r#"delete_slot = { app = "orders", slot = "deploy" }"#,
        ),
    ];
    let finding = rehearse(&estate, 7, &ops).expect_err("v2 is gone");
    assert!(
        finding
            .reason
            .starts_with("releases held changed without a deploy"),
        "{}",
        finding.reason
    );
    assert_eq!(finding.steps.len(), 2, "{:?}", finding.steps);
}
