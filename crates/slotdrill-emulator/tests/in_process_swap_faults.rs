//! The swap faults armed for the management API act on the in-process back end too: a 409
//! refuses the swap, a lost answer follows a swap that ran, and a swap the model refuses does not
//! use up the lost-answer fault.

mod common;

use slotdrill_emulator::ArmFault;
use slotdrill_engine::{Cloud, CloudError};

fn production(emulator: &slotdrill_emulator::Emulator) -> String {
    emulator.read(|e| {
        e.slot("orders", "production")
            .expect("production")
            .release_id()
            .unwrap_or_default()
            .to_owned()
    })
}

#[test]
fn a_conflict_refuses_and_a_lost_answer_follows_a_swap_that_ran() {
    let emulator = common::emulator(1);
    let before = production(&emulator);
    emulator.inject(ArmFault::SwapConflict {
        app: "ORDERS".into(),
    });
    let refused = emulator.swap("orders", "deploy", "production");
    assert!(
        matches!(refused, Err(CloudError::Conflict { .. })),
        "{refused:?}"
    );
    assert_eq!(production(&emulator), before, "nothing swapped");

    emulator.inject(ArmFault::SwapAnswerLost {
        app: "orders".into(),
    });
    let refused = emulator.swap("orders", "no-such-slot", "production");
    assert!(
        matches!(refused, Err(CloudError::NotFound(_))),
        "{refused:?}"
    );
    let lost = emulator.swap("orders", "deploy", "production");
    assert!(
        matches!(lost, Err(CloudError::NoAnswer(_))),
        "the fault was kept: {lost:?}"
    );
    assert_ne!(production(&emulator), before, "the swap ran");
}
