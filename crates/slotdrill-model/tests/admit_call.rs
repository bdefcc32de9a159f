//! `Estate::admit_call`, the data plane's one lookup per call: a refused call leaves the estate
//! as it was, and an admitted one is counted and draws exactly as `record_call` then `roll` do,
//! so that a drill's seed sequence is the same however the emulator looks a call up.

use slotdrill_model::{
    Admission, AppSpec, AzureName, ErrorKind, Estate, FunctionBehaviour, HostingPlan, Release,
    estate_view,
};

fn orders(seed: u64) -> Estate {
    let mut estate = Estate::new(seed);
    estate
        .add_app(AppSpec::new("orders", HostingPlan::Premium))
        .expect("app");
    let release = Release::new("v1").with_function("SendInvoice", FunctionBehaviour::ok());
    estate.add_release("orders", release).expect("release");
    estate.deploy("orders", "production", "v1").expect("deploy");
    estate
}

/// Admits every call to `SendInvoice`, named as the release spells it (as the emulator does).
fn send_invoice(estate: &mut Estate, app: &str, slot: &str) -> (String, u64, f64, String) {
    match estate
        .admit_call(app, slot, |_| Ok::<_, ()>(AzureName::from("SendInvoice")))
        .expect("the slot exists")
    {
        Admission::Admitted {
            function,
            index,
            roll,
            slot,
        } => (function.to_string(), index, roll, slot.name().to_owned()),
        Admission::Refused { .. } => panic!("admitted"),
    }
}

#[test]
fn an_admitted_call_counts_then_draws_as_record_call_then_roll_do() {
    let (mut admitting, mut recording) = (orders(7), orders(7));
    for expected_index in 0..4 {
        let (function, index, roll, slot) = send_invoice(&mut admitting, "ORDERS", "Production");
        let recorded = recording
            .record_call("orders", "production", "SendInvoice")
            .expect("slot");
        assert_eq!(function, "SendInvoice");
        assert_eq!(slot, "production");
        assert_eq!((index, recorded), (expected_index, expected_index));
        assert_eq!(roll.to_bits(), recording.roll().to_bits());
    }
    let calls = |estate: &Estate| {
        estate
            .slot("orders", "production")
            .expect("slot")
            .calls_since_restart("SendInvoice")
    };
    assert_eq!(calls(&admitting), 4);
    assert_eq!(calls(&admitting), calls(&recording));
}

#[test]
fn a_refused_call_is_neither_counted_nor_drawn_for() {
    let (mut refusing, untouched) = (orders(7), orders(7));
    let refused = refusing
        .admit_call("orders", "production", |slot| {
            Err::<AzureName, _>(format!("refused on {}", slot.name()))
        })
        .expect("the slot exists");
    match refused {
        Admission::Refused { refusal, slot } => {
            assert_eq!(refusal, "refused on production");
            assert_eq!(slot.release_id(), Some("v1"));
        }
        Admission::Admitted { .. } => panic!("refused"),
    }
    assert_eq!(estate_view(&refusing), estate_view(&untouched));
    let calls = refusing
        .slot("orders", "production")
        .expect("slot")
        .calls_since_restart("SendInvoice");
    assert_eq!(calls, 0);
    let mut untouched = untouched;
    assert_eq!(refusing.roll().to_bits(), untouched.roll().to_bits());
    assert_eq!(send_invoice(&mut refusing, "orders", "production").1, 0);
}

#[test]
fn an_unknown_app_or_slot_is_not_found_and_admit_is_not_asked() {
    let mut estate = orders(7);
    for (app, slot) in [("billing", "production"), ("orders", "staging")] {
        let error = estate
            .admit_call(app, slot, |_| -> Result<AzureName, ()> {
                panic!("admit is not asked")
            })
            .expect_err("not found");
        assert_eq!(error.kind(), ErrorKind::NotFound, "{app}/{slot}");
    }
}
