//! Issue 18, the HTML report at a glance: the legend names series in Azure's words (not the
//! report's internal ids), long caller and slot names are cut with `…` and keep their full text
//! in a `<title>` tooltip, and the journal is a table, not raw JSON.

use std::path::Path;

use slotdrill_scenario::{html, run_drill};

/// Drill 02's report.
fn drill_02() -> slotdrill_scenario::DrillReport {
    run_drill(
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scenarios/02-partial-rollback.toml"
        )),
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn page() -> String {
    html::drill_page(&drill_02())
}

#[test]
fn the_legend_speaks_azure() {
    let page = page();
    let legend = page
        .split("<figcaption class=\"legend\">")
        .nth(1)
        .and_then(|rest| rest.split("</figcaption>").next())
        .expect("a legend");
    assert!(
        !legend.contains("function:") && !legend.contains("logic:"),
        "{legend}"
    );
    assert!(legend.contains("Logic App order-flow runs"), "{legend}");
    assert!(
        legend.contains("function orders/SendInvoice calls"),
        "{legend}"
    );
}

#[test]
fn the_journal_is_a_table_without_raw_json() {
    let page = page();
    let journal = page
        .split("<h3>Journal</h3>")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .expect("a journal");
    assert!(
        journal.starts_with("<table class=\"journal\">"),
        "{journal}"
    );
    assert!(
        !journal.contains('{') && !journal.contains("&quot;"),
        "{journal}"
    );
}

#[test]
fn long_names_are_cut_with_their_full_text_in_a_tooltip() {
    let long = "order-fulfilment-and-invoicing-workflow-for-emea/SendInvoiceToAccountsPayable";
    // A tail too long to keep whole: the head is kept, 35 characters and `…`.
    assert_eq!(
        html::fit(long, 36),
        "<title>order-fulfilment-and-invoicing-workflow-for-emea/SendInvoiceToAccountsPayable</title>order-fulfilment-and-invoicing-work…"
    );
    assert_eq!(
        html::fit("order-flow/SendInvoice", 36),
        "order-flow/SendInvoice"
    );
    // Two callers of one long workflow stay apart: the cut keeps the action.
    let a = html::fit("order-fulfilment-and-invoicing-emea-prod/SendInvoice", 36);
    let b = html::fit("order-fulfilment-and-invoicing-emea-prod/ProcessOrder", 36);
    assert!(
        a.ends_with("…/SendInvoice") && b.ends_with("…/ProcessOrder"),
        "{a} {b}"
    );
    assert_eq!(
        a.split("</title>").nth(1).map(|v| v.chars().count()),
        Some(36)
    );
}

/// Issue 18: after drill 02's partial rollback every call to SendInvoice succeeds, so its line
/// must end at 100%. Calls used to be placed by virtual time, and the last failed retry of
/// step 2 ends at the instant steps 3–9 start, so it was counted in step 8 (about 90%).
#[test]
fn calls_after_the_rollback_are_counted_in_their_own_steps() {
    let drill = drill_02();
    let rollback = drill
        .steps
        .iter()
        .find(|s| s.kind == "rollback")
        .expect("a rollback step")
        .index as u64;
    let series = html::series(&drill);
    let send_invoice = series
        .iter()
        .find(|(id, _)| id.contains("SendInvoice"))
        .map(|(_, points)| points)
        .expect("a SendInvoice series");
    let after: Vec<_> = send_invoice
        .iter()
        .filter(|(step, ..)| *step > rollback)
        .collect();
    assert!(!after.is_empty(), "{send_invoice:?}");
    assert!(
        after.iter().all(|(_, ok, of)| ok == of),
        "every call after the rollback succeeded: {send_invoice:?}"
    );
    let before: Vec<_> = send_invoice
        .iter()
        .filter(|(step, ..)| *step < rollback)
        .collect();
    assert!(
        before.iter().any(|(_, ok, of)| ok < of),
        "the failing calls stay before the rollback: {send_invoice:?}"
    );
}

/// A series' solid line joins only points of consecutive steps: over steps that ran nothing of
/// it, a thin "quiet" line holds the last rate and changes at the next point, instead of a
/// diagonal through rates no step measured.
#[test]
fn lines_never_cross_quiet_steps_as_diagonals() {
    let page = page();
    let drill = drill_02();
    let column = 820.0 / drill.steps.len() as f64;
    let mut quiet = 0;
    for line in page.split("<polyline").skip(1) {
        let line = line.split("/>").next().unwrap_or_default();
        let xs: Vec<f64> = line
            .split("points=\"")
            .nth(1)
            .and_then(|p| p.split('"').next())
            .unwrap_or_default()
            .split(' ')
            .filter_map(|pair| pair.split(',').next()?.parse().ok())
            .collect();
        if line.contains("class=\"quiet\"") {
            quiet += 1;
            assert_eq!(xs.len(), 3, "hold, then change: {line}");
            assert!(xs[1] == xs[2] && xs[1] - xs[0] > column * 1.5, "{line}");
            continue;
        }
        for pair in xs.windows(2) {
            assert!(
                (pair[1] - pair[0] - column).abs() < 0.2,
                "a solid line joins steps one column apart, not {}: {line}",
                pair[1] - pair[0]
            );
        }
    }
    let gaps = html::series(&drill)
        .values()
        .flat_map(|points| points.windows(2).filter(|w| w[1].0 != w[0].0 + 1))
        .count();
    assert!(gaps > 0, "drill 02 has series with quiet steps");
    assert_eq!(quiet, gaps, "one quiet line per gap");
}
