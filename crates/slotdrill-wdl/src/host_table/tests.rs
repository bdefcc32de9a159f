//! The table answers as a map of lower-case host names would: for classic default hosts it
//! keeps no text of, for hosts it keeps text of, in any case, and never for a near miss.

use slotdrill_model::PRODUCTION;

use super::{DEFAULT, HostTable};

fn table(hosts: &[(&str, &str, &str)]) -> HostTable {
    HostTable::new(hosts.iter().copied()).expect("small names fit")
}

#[test]
fn each_host_answers_its_own_app_and_slot() {
    let hosts: Vec<(String, String, String)> = (0..2_000)
        .flat_map(|a| {
            [
                (
                    format!("app{a}.azurewebsites.net"),
                    format!("App{a}"),
                    "production".to_owned(),
                ),
                (
                    format!("app{a}-deploy.azurewebsites.net"),
                    format!("App{a}"),
                    "deploy".to_owned(),
                ),
                (
                    format!("app{a}-b7e3kq9x2mzp4wfa.westeurope-01.azurewebsites.net"),
                    format!("App{a}"),
                    "staging".to_owned(),
                ),
            ]
        })
        .collect();
    let table = HostTable::new(
        hosts
            .iter()
            .map(|(h, a, s)| (h.as_str(), a.as_str(), s.as_str())),
    )
    .expect("small names fit");
    for (host, app, slot) in &hosts {
        assert_eq!(table.get(host), Some((app.as_str(), slot.as_str())));
        let upper = host.to_ascii_uppercase();
        assert_eq!(table.get(&upper), Some((app.as_str(), slot.as_str())));
    }
    assert_eq!(table.get("app2000.azurewebsites.net"), None);
    assert_eq!(table.get("app1.azurewebsites.ne"), None);
    assert_eq!(table.get("app1-staging.azurewebsites.net"), None);
    assert_eq!(table.get(""), None);
    // Default hosts keep no text: each app's name once, two slot names, the unique hosts.
    assert_eq!(table.names.hosts.len(), 2_000);
    assert_eq!(table.names.slots.len(), 3);
}

#[test]
fn a_host_given_twice_in_any_case_keeps_the_first() {
    let table = table(&[
        ("a.azurewebsites.net", "a", "production"),
        ("A.AzureWebsites.net", "b", "deploy"),
        ("c.azurewebsites.net", "c", "staging"),
    ]);
    assert_eq!(table.get("a.azurewebsites.net"), Some(("a", "production")));
    // The refused duplicate left nothing behind that the next host is read from.
    assert_eq!(table.get("C.azurewebsites.net"), Some(("c", "staging")));
}

#[test]
fn two_apps_whose_default_names_meet_keep_the_first() {
    // App `a-b`'s production host is app `a`'s slot `b` host: one name, so one answer.
    let table = table(&[
        ("a-b.azurewebsites.net", "a-b", PRODUCTION),
        ("a-b.azurewebsites.net", "a", "b"),
    ]);
    assert_eq!(
        table.get("A-B.azurewebsites.net"),
        Some(("a-b", PRODUCTION))
    );
    assert_eq!(table.entries.len(), 1);
}

#[test]
fn a_default_host_answers_only_for_its_own_slot() {
    let table = table(&[
        ("orders.azurewebsites.net", "Orders", PRODUCTION),
        ("orders-deploy.azurewebsites.net", "Orders", "Deploy"),
    ]);
    assert!(table.entries.iter().all(|e| e.host == DEFAULT));
    assert_eq!(
        table.get("ORDERS-DEPLOY.azurewebsites.net"),
        Some(("Orders", "Deploy"))
    );
    assert_eq!(
        table.get("orders.azurewebsites.net"),
        Some(("Orders", PRODUCTION))
    );
    for miss in [
        "orders-production.azurewebsites.net",
        "orders-deploy2.azurewebsites.net",
        "orders-.azurewebsites.net",
        "orders.azurewebsites.net.",
        "orders.scm.azurewebsites.net",
        "xorders.azurewebsites.net",
    ] {
        assert_eq!(table.get(miss), None, "{miss}");
    }
}

#[test]
fn hosts_that_are_no_apps_default_keep_their_own_name() {
    let table = table(&[
        ("api.contoso.com", "orders", PRODUCTION),
        ("orders.azurewebsites.net", "orders", "deploy"),
        ("billing-blue.azurewebsites.net", "billing", "green"),
    ]);
    assert_eq!(table.names.hosts.len(), 3);
    assert_eq!(table.get("API.contoso.com"), Some(("orders", PRODUCTION)));
    assert_eq!(
        table.get("orders.azurewebsites.net"),
        Some(("orders", "deploy"))
    );
    assert_eq!(
        table.get("billing-blue.azurewebsites.net"),
        Some(("billing", "green"))
    );
    assert_eq!(table.get("billing-green.azurewebsites.net"), None);
    assert_eq!(table.get("orders-deploy.azurewebsites.net"), None);
}

#[test]
fn names_past_the_compact_offsets_are_refused_whole() {
    let long = "a".repeat(usize::from(u16::MAX) + 1);
    let host = format!("{long}.azurewebsites.net");
    let hosts = [
        ("short.azurewebsites.net", "short", PRODUCTION),
        (host.as_str(), long.as_str(), PRODUCTION),
    ];
    assert!(HostTable::new(hosts.iter().copied()).is_none());
}

#[test]
fn a_classic_name_cut_to_length_keeps_no_text_either() {
    // App part cut to 40 characters and slot part to 19, as `classic_host_name` cuts them.
    let app = "a-very-long-function-app-name-for-orders-eu1";
    let slot = "staging-for-release-2026";
    let host = "a-very-long-function-app-name-for-orders-staging-for-release.azurewebsites.net";
    let table = table(&[(host, app, slot)]);
    assert!(table.entries.iter().all(|e| e.host == DEFAULT));
    assert_eq!(table.get(&host.to_ascii_uppercase()), Some((app, slot)));
    let uncut = format!("{app}-{slot}.azurewebsites.net");
    assert_eq!(table.get(&uncut), None);
}
