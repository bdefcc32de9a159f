//! Eight clients call production over HTTP while a hundred swaps happen: no request fails
//! because of a swap, and every answer comes from the old or the new release.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Each client stops after this many requests even if the swaps are not done (a bound, not a
/// timing assumption).
const MAX_REQUESTS_PER_CLIENT: usize = 5_000;
const SWAPS: usize = 100;
const CLIENTS: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_clients_through_a_hundred_swaps() {
    let served = Arc::new(common::serve(common::emulator(21)).await);
    // Keys stay with their slot, so production's key stays valid through every swap.
    let key = common::key(&served.emulator, "production", "ProcessOrder");
    let done = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));

    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (served, done, sent, key) = (
                Arc::clone(&served),
                Arc::clone(&done),
                Arc::clone(&sent),
                key.clone(),
            );
            tokio::spawn(async move {
                let request = common::call("production", "ProcessOrder", Some(&key));
                let mut answers = Vec::new();
                while !done.load(Ordering::SeqCst) && answers.len() < MAX_REQUESTS_PER_CLIENT {
                    let answer = served.send(&request).await;
                    sent.fetch_add(1, Ordering::SeqCst);
                    answers.push((answer.status, answer.served_by.map(|s| s.to_string())));
                }
                answers
            })
        })
        .collect();

    for _ in 0..SWAPS {
        served
            .emulator
            .change(|e| e.swap("orders", "deploy", "production"))
            .expect("swap");
        // Let traffic through between swaps: wait (yielding, bounded) for a few more requests.
        let target = sent.load(Ordering::SeqCst) + CLIENTS;
        for _ in 0..100_000 {
            if sent.load(Ordering::SeqCst) >= target {
                break;
            }
            tokio::task::yield_now().await;
        }
    }
    done.store(true, Ordering::SeqCst);

    let mut answers = Vec::new();
    for client in clients {
        answers.extend(client.await.expect("client task"));
    }
    assert!(
        answers.len() >= SWAPS * CLIENTS / 2,
        "only {} requests went through",
        answers.len()
    );
    let failures: Vec<_> = answers
        .iter()
        .filter(|(status, _)| *status != 200)
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} requests failed: {:?}",
        failures.len(),
        answers.len(),
        &failures[..failures.len().min(5)]
    );
    let mut releases = std::collections::BTreeSet::new();
    for (_, served_by) in &answers {
        let served_by = served_by
            .as_deref()
            .expect("every answer says who served it");
        assert!(
            served_by == "orders/production@v1" || served_by == "orders/production@v2",
            "{served_by}"
        );
        releases.insert(served_by);
    }
    assert_eq!(releases.len(), 2, "traffic saw both releases");
    let swaps = served.emulator.read(|e| {
        e.slot("orders", "production")
            .expect("slot")
            .swap_status()
            .is_some()
    });
    assert!(swaps);
}
