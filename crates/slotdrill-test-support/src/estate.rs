//! The reference estate: one app, `orders`, whose releases cover every behaviour a function can
//! have, so the emulator's tests (data plane, ARM, the runner, the differential test) share one
//! set-up.

use serde_json::json;
use slotdrill_model::{AppSpec, AuthLevel, Estate, FunctionBehaviour, HostingPlan, Release};

/// `orders` (Premium): production holds v1, `deploy` holds v2. v1 is healthy; v2 has every
/// behaviour worth testing.
pub fn reference_estate(seed: u64) -> Estate {
    let mut estate = Estate::new(seed);
    estate
        .add_app(AppSpec::new("orders", HostingPlan::Premium))
        .expect("app");
    let ok = FunctionBehaviour::ok;
    let v1 = Release::new("v1")
        .with_function("ProcessOrder", ok())
        .with_function("SendInvoice", ok())
        .with_function(
            "Slow",
            FunctionBehaviour {
                latency_ms: 1500,
                ..ok()
            },
        )
        .with_function("Flaky", ok())
        .with_function("Cold", ok())
        .with_function("NeedsSetting", ok())
        .with_function("Hangs", ok())
        .with_function(
            "Public",
            FunctionBehaviour {
                auth: AuthLevel::Anonymous,
                ..ok()
            },
        )
        .with_function(
            "AdminOnly",
            FunctionBehaviour {
                auth: AuthLevel::Admin,
                ..ok()
            },
        );
    let v2 = Release::new("v2")
        .with_function(
            "ProcessOrder",
            FunctionBehaviour {
                body: Some(json!({ "release": "v2", "ok": true })),
                ..ok()
            },
        )
        .with_function("SendInvoice", FunctionBehaviour::status(500))
        .with_function(
            "Slow",
            FunctionBehaviour {
                latency_ms: 40,
                ..ok()
            },
        )
        .with_function(
            "Flaky",
            FunctionBehaviour {
                fail_rate: 0.5,
                ..ok()
            },
        )
        .with_function(
            "Cold",
            FunctionBehaviour {
                fail_first: 2,
                ..ok()
            },
        )
        .with_function(
            "NeedsSetting",
            FunctionBehaviour {
                requires_setting: Some("INVOICE_QUEUE".into()),
                ..ok()
            },
        )
        .with_function(
            "Hangs",
            FunctionBehaviour {
                timeout: true,
                ..ok()
            },
        )
        .with_function(
            "Public",
            FunctionBehaviour {
                auth: AuthLevel::Anonymous,
                ..ok()
            },
        )
        .with_function(
            "AdminOnly",
            FunctionBehaviour {
                auth: AuthLevel::Admin,
                ..ok()
            },
        );
    estate.add_release("orders", v1).expect("v1");
    estate.add_release("orders", v2).expect("v2");
    estate.create_slot("orders", "deploy", None).expect("slot");
    estate.deploy("orders", "production", "v1").expect("deploy");
    estate.deploy("orders", "deploy", "v2").expect("deploy");
    estate
}
