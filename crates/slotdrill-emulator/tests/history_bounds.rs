//! Issue 18: `serve` kept about 330 bytes per function call for ever (8 KB with a long `Host`).
//! The emulator now keeps a bounded window of recent calls (10,000 by default) plus counters for
//! totals, so its memory stays flat however long it serves. Issue 19: each kept call is a small
//! record whose names (host, function, app, slot, release) are held once for every record.

mod common;

use slotdrill_emulator::HostRequest;

/// The default window (`EmulatorConfig::history`).
const WINDOW: usize = 10_000;

#[test]
fn a_million_calls_keep_at_most_the_window() {
    let emulator = common::emulator(1);
    // An unknown host answers quickly and is recorded like any other call.
    let request = HostRequest::new("GET", "https://nowhere.azurewebsites.net/api/Nothing");
    let mut bytes = Vec::new();
    for i in 1..=1_000_000u32 {
        let answer = emulator.invoke(&request);
        assert_eq!(answer.status, 404);
        if i % 250_000 == 0 {
            assert!(
                emulator.invocations().len() <= WINDOW,
                "{} records kept after {i} calls",
                emulator.invocations().len()
            );
            let held = emulator.history();
            assert_eq!(
                (held.calls, held.retained_calls),
                (u64::from(i), WINDOW),
                "the total is counted, the window kept"
            );
            bytes.push(held.retained_call_bytes);
        }
    }
    assert!(
        bytes.windows(2).all(|pair| pair[0] == pair[1]),
        "the bytes held stay flat: {bytes:?}"
    );
}

#[test]
fn retained_bytes_stay_flat_the_total_is_counted_and_reset_gives_the_memory_back() {
    let emulator = slotdrill_emulator::Emulator::with_config(
        common::estate(1),
        slotdrill_emulator::EmulatorConfig {
            history: 1_000,
            ..slotdrill_emulator::EmulatorConfig::default()
        },
    );
    // A long `Host` (8 KB), as in the issue: each record held it whole.
    let long_host = format!("{}.azurewebsites.net", "x".repeat(8_000));
    let request = HostRequest::new("GET", &format!("https://{long_host}/api/Nothing"));
    let mut samples = Vec::new();
    for i in 1..=20_000u32 {
        emulator.invoke(&request);
        if i % 5_000 == 0 {
            samples.push(emulator.history());
        }
    }
    let first = samples[0];
    for sample in &samples {
        assert_eq!(sample.retained_calls, 1_000);
        assert_eq!(
            sample.retained_call_bytes, first.retained_call_bytes,
            "flat once the window is full: {samples:?}"
        );
    }
    // The long host is held once for the thousand records that name it, not once each.
    assert!(
        (8_000..1_000 * 100).contains(&first.retained_call_bytes),
        "{first:?}"
    );
    let kept = emulator.invocations();
    assert!(
        kept.iter().all(|call| call.host == long_host),
        "read back whole"
    );
    assert_eq!(samples.last().map(|s| s.calls), Some(20_000));
    // The window holds the most recent calls, in order, and the in-process view agrees.
    assert_eq!(emulator.invocations().len(), 1_000);

    let reset = slotdrill_emulator::arm::admin(
        &emulator,
        &slotdrill_emulator::arm::ArmRequest {
            method: "POST".to_owned(),
            path: "/_slotdrill/reset".to_owned(),
            ..slotdrill_emulator::arm::ArmRequest::default()
        },
    );
    assert_eq!(reset.status, 200);
    let after = emulator.history();
    assert_eq!((after.calls, after.retained_calls), (0, 0));
    assert_eq!(after.retained_call_bytes, 0, "reset gave the memory back");
}

/// Issue 19: about 200 bytes per kept call (the record, its host, function, app, slot and release
/// each a string of its own; resident memory grew by 318 bytes per call in `benches/emulator.rs`)
/// before; a call of a real function now costs at most 64 bytes, names included.
#[test]
fn a_kept_call_costs_at_most_64_bytes() {
    let emulator = common::emulator(1);
    let key = common::key(&emulator, "production", "ProcessOrder");
    let call = common::call("production", "ProcessOrder", Some(&key));
    for _ in 0..WINDOW {
        assert_eq!(emulator.invoke(&call).status, 200);
    }
    let held = emulator.history();
    assert_eq!(held.retained_calls, WINDOW);
    let per_call = held.retained_call_bytes / WINDOW;
    assert!(per_call <= 64, "{per_call} bytes per kept call: {held:?}");
    let last = emulator.invocations().pop().expect("a call");
    assert_eq!(last.function.as_deref(), Some("ProcessOrder"));
    assert_eq!(
        last.served_by.map(|s| s.to_string()).as_deref(),
        Some("orders/production@v1")
    );
}

#[test]
fn finished_swap_operations_are_kept_within_the_window() {
    let emulator = slotdrill_emulator::Emulator::with_config(
        common::estate(1),
        slotdrill_emulator::EmulatorConfig {
            history: 3,
            ..slotdrill_emulator::EmulatorConfig::default()
        },
    );
    let swap = slotdrill_emulator::arm::ArmRequest {
        method: "POST".to_owned(),
        path: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/slotdrill/providers/Microsoft.Web/sites/orders/slotsswap".to_owned(),
        query: vec![("api-version".to_owned(), "2024-11-01".to_owned())],
        headers: vec![("authorization".to_owned(), "Bearer t".to_owned())],
        body: Some(serde_json::json!({ "targetSlot": "deploy" })),
        base_url: "http://127.0.0.1:1".to_owned(),
    };
    for _ in 0..10 {
        assert_eq!(emulator.manage(&swap).status, 202);
        // Let the swap's operation end in virtual time; the next request settles it.
        emulator.advance(60_000);
    }
    // One more request settles the last swap: ten finished, the three most recent kept.
    let read = slotdrill_emulator::arm::ArmRequest {
        method: "GET".to_owned(),
        body: None,
        ..swap
    };
    let _ = emulator.manage(&read);
    assert_eq!(emulator.history().retained_operations, 3);
}
