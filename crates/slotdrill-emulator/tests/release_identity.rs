//! The release identity the in-process back end reports is what Azure would show (issue 15):
//! the release label, else the active deployment record, else a run-from-package URL without its
//! query, else nothing. Never the emulator's own knowledge of what is deployed.

mod common;

use slotdrill_emulator::Emulator;
use slotdrill_engine::{Cloud, ReleaseSource, SlotSnapshot};

fn production(emulator: &Emulator) -> SlotSnapshot {
    let apps = emulator.apps().expect("apps");
    apps[0]
        .slots
        .iter()
        .find(|s| s.name == "production")
        .expect("production")
        .clone()
}

#[test]
fn the_label_wins() {
    let emulator = common::emulator(1);
    emulator
        .change(|e| e.set_app_setting("orders", "production", "SLOTDRILL_RELEASE", Some("2026.1")))
        .expect("label");
    let slot = production(&emulator);
    assert_eq!(slot.release.as_deref(), Some("2026.1"));
    assert_eq!(slot.release_source, ReleaseSource::Label);
}

#[test]
fn without_a_label_the_active_deployment_record_names_the_release() {
    let emulator = common::emulator(1);
    let slot = production(&emulator);
    let record = emulator.read(|e| {
        e.slot("orders", "production")
            .expect("slot")
            .active_deployment()
            .cloned()
            .expect("a record")
    });
    assert_eq!(slot.release_source, ReleaseSource::Deployment);
    assert_eq!(slot.release.as_deref(), Some(record.id.as_str()));
    assert_ne!(slot.release.as_deref(), Some("v1"), "never the true name");
    assert_eq!(
        slot.release_note.as_deref(),
        Some("slotdrill deploy of release v1, 2026-01-01T00:00:00.000Z")
    );
}

#[test]
fn without_records_a_package_url_names_it_without_its_sas_token() {
    let mut estate = common::estate(1);
    estate.set_deployment_records("orders", false).expect("off");
    estate.deploy("orders", "production", "v2").expect("deploy");
    let emulator = Emulator::new(estate);
    emulator
        .change(|e| {
            e.set_app_setting(
                "orders",
                "production",
                "WEBSITE_RUN_FROM_PACKAGE",
                Some("https://store.blob.core.windows.net/pkgs/orders-v2.zip?sv=2024&sig=SECRET"),
            )
        })
        .expect("setting");
    // The estate built by `common` deployed with records on; a deploy with them off adds none,
    // so production still shows the earlier record: turn to a fresh slot state to check the URL.
    let slot = production(&emulator);
    assert_eq!(slot.release_source, ReleaseSource::Deployment);

    let mut bare = slotdrill_model::Estate::new(3);
    bare.add_app(slotdrill_model::AppSpec::new(
        "orders",
        slotdrill_model::HostingPlan::Premium,
    ))
    .expect("app");
    bare.set_deployment_records("orders", false).expect("off");
    bare.add_release("orders", slotdrill_model::Release::new("v1"))
        .expect("release");
    bare.deploy("orders", "production", "v1").expect("deploy");
    let emulator = Emulator::new(bare);
    let slot = production(&emulator);
    assert_eq!(
        slot.release, None,
        "no record, no label, no package: unknown"
    );
    assert_eq!(slot.release_source, ReleaseSource::Unknown);
    emulator
        .change(|e| {
            e.set_app_setting(
                "orders",
                "production",
                "WEBSITE_RUN_FROM_PACKAGE",
                Some("https://store.blob.core.windows.net/pkgs/orders-v1.zip?sv=2024&sig=SECRET"),
            )
        })
        .expect("setting");
    let slot = production(&emulator);
    assert_eq!(slot.release_source, ReleaseSource::Package);
    assert_eq!(
        slot.release.as_deref(),
        Some("https://store.blob.core.windows.net/pkgs/orders-v1.zip")
    );
    // The SAS token reaches no part of the snapshot, settings included (as ArmCloud's).
    let snapshot = serde_json::to_string(&slot).expect("json");
    assert!(!snapshot.contains("SECRET"), "{snapshot}");
    assert!(slot.release_note.is_some_and(|n| n.contains("query")));
    emulator
        .change(|e| {
            e.set_app_setting(
                "orders",
                "production",
                "WEBSITE_RUN_FROM_PACKAGE",
                Some("1"),
            )
        })
        .expect("setting");
    assert_eq!(production(&emulator).release_source, ReleaseSource::Unknown);
}
