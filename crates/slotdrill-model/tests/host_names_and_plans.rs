//! Host names (classic truncation, unique form) and plan slot limits.

use proptest::prelude::*;
use slotdrill_model::{
    AppSpec, ErrorKind, Estate, HostingPlan, classic_host_name, is_classic_host_name,
    unique_host_name,
};
use slotdrill_test_support::proptest_cases;

#[test]
fn classic_host_names() {
    let cases = [
        ("orders", "production", "orders.azurewebsites.net"),
        ("Orders", "Deploy", "orders-deploy.azurewebsites.net"),
        (
            // 45-character app name: the app part of a slot host name is cut to 40.
            "a-very-long-function-app-name-for-orders-eu1",
            "deploy",
            "a-very-long-function-app-name-for-orders-deploy.azurewebsites.net",
        ),
        (
            // 25-character slot name: the slot part is cut to 19.
            "orders",
            "staging-for-release-2026",
            "orders-staging-for-release.azurewebsites.net",
        ),
        (
            // Production keeps the full app name.
            "a-very-long-function-app-name-for-orders-eu1",
            "production",
            "a-very-long-function-app-name-for-orders-eu1.azurewebsites.net",
        ),
    ];
    for (app, slot, expected) in cases {
        assert_eq!(classic_host_name(app, slot), expected, "{app}/{slot}");
    }
}

/// A host, as written in some case, that is or nearly is the classic name of an app's slot.
fn near_classic_host() -> impl Strategy<Value = (String, String, String)> {
    let app = "[a-zA-Z0-9-]{1,60}";
    let slot = prop_oneof![
        Just("production".to_owned()),
        Just("Production".to_owned()),
        "[a-zA-Z0-9-]{1,59}",
    ];
    (
        app,
        slot.clone(),
        slot,
        "[a-z0-9-]{0,3}",
        0..5u8,
        any::<u64>(),
    )
        .prop_map(|(app, slot, other_slot, extra, change, cases)| {
            let classic = classic_host_name(&app, &slot);
            let (label, domain) = classic.split_once('.').expect("a domain");
            let host = match change {
                0 => classic.clone(),
                1 => format!("{label}{extra}.{domain}"),
                2 => format!("{}.{domain}", &label[..label.len() - 1]),
                3 => classic_host_name(&app, &other_slot),
                _ => format!("{label}.scm.{domain}"),
            };
            // The host in a random mix of cases.
            let host = host
                .chars()
                .enumerate()
                .map(|(i, c)| match cases >> (i % 64) & 1 {
                    1 => c.to_ascii_uppercase(),
                    _ => c,
                })
                .collect();
            (host, app, slot)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: proptest_cases(512), failure_persistence: None, ..ProptestConfig::default() })]

    /// The check answers as comparing with the name `classic_host_name` builds would, cuts to
    /// 40 and 19 characters included.
    #[test]
    fn is_classic_host_name_answers_as_the_built_name((host, app, slot) in near_classic_host()) {
        prop_assert_eq!(
            is_classic_host_name(&host, &app, &slot),
            host.eq_ignore_ascii_case(&classic_host_name(&app, &slot))
        );
    }
}

#[test]
fn is_classic_host_name_meets_the_cut_and_odd_hosts() {
    let app = "a-very-long-function-app-name-for-orders-eu1";
    let cut = "a-very-long-function-app-name-for-orders-deploy.azurewebsites.net";
    assert!(is_classic_host_name(cut, app, "deploy"));
    assert!(!is_classic_host_name(
        "a-very-long-function-app-name-for-orders-eu1-deploy.azurewebsites.net",
        app,
        "deploy"
    ));
    for host in [
        "",
        "azurewebsites.net",
        ".azurewebsites.net",
        "éazurewebsites.net",
    ] {
        assert!(
            !is_classic_host_name(host, "orders", "production"),
            "{host}"
        );
    }
    assert!(!is_classic_host_name(
        "é.azurewebsites.net",
        "e",
        "production"
    ));
}

#[test]
fn unique_host_names_have_a_stable_16_character_hash_and_the_region() {
    let sub = slotdrill_model::DEFAULT_SUBSCRIPTION;
    let production = unique_host_name(sub, "rg", "orders", "production", "West Europe");
    let deploy = unique_host_name(sub, "rg", "orders", "deploy", "westeurope");
    assert_eq!(
        production,
        unique_host_name(sub, "rg", "orders", "production", "westeurope")
    );
    let (label, domain) = production.split_once('.').expect("a dotted host name");
    assert_eq!(domain, "westeurope-01.azurewebsites.net");
    let hash = label.strip_prefix("orders-").expect("app name first");
    assert_eq!(hash.len(), 16);
    assert!(
        hash.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    );
    assert!(deploy.starts_with("orders-deploy-"), "{deploy}");
    assert_ne!(
        production,
        unique_host_name(sub, "other-rg", "orders", "production", "westeurope")
    );
    let long = unique_host_name(
        sub,
        "rg",
        &"x".repeat(60),
        "staging-for-release-2026",
        "westeurope",
    );
    assert!(long.split('.').next().expect("label").len() <= 63, "{long}");
}

#[test]
fn an_app_with_unique_host_names_hands_them_out() {
    let mut estate = Estate::new(1);
    estate
        .add_app(AppSpec::new("orders", HostingPlan::Premium).unique_host_names())
        .expect("app");
    estate.create_slot("orders", "deploy", None).expect("slot");
    let host = estate
        .slot("orders", "deploy")
        .expect("slot")
        .host_name()
        .to_owned();
    assert!(
        host.starts_with("orders-deploy-") && host.ends_with(".westeurope-01.azurewebsites.net"),
        "{host}"
    );
}

#[test]
fn plans_allow_the_documented_number_of_slots() {
    let limits = [
        ("consumption", 2),
        ("Y1", 2),
        ("premium", 3),
        ("EP2", 3),
        ("standard", 6),
        ("premium-v3", 21),
        ("P1v3", 21),
        ("isolated", 21),
        ("basic", 1),
        ("free", 1),
        ("flex", 1),
    ];
    for (plan, limit) in limits {
        let plan: HostingPlan = plan.parse().expect("known plan");
        assert_eq!(plan.slot_limit(), limit, "{plan}");
        let mut estate = Estate::new(1);
        estate.add_app(AppSpec::new("app", plan)).expect("app");
        for i in 1..limit {
            estate
                .create_slot("app", &format!("s{i}"), None)
                .expect("within the limit");
        }
        let error = estate
            .create_slot("app", "one-too-many", None)
            .expect_err("over the limit");
        assert_eq!(error.kind(), ErrorKind::SlotLimit, "{plan}: {error}");
        assert_eq!(estate.app("app").expect("app").slots().count(), limit);
    }
}

#[test]
fn flex_consumption_says_it_has_no_slots() {
    let mut estate = Estate::new(1);
    estate
        .add_app(AppSpec::new("app", HostingPlan::Flex))
        .expect("app");
    let error = estate
        .create_slot("app", "deploy", None)
        .expect_err("no slots on flex");
    assert!(
        error
            .to_string()
            .contains("Flex Consumption plan has no deployment slots"),
        "{error}"
    );
}

#[test]
fn unknown_plans_list_the_known_ones() {
    let error = "gold".parse::<HostingPlan>().expect_err("unknown");
    assert_eq!(error.0, "gold", "the error keeps the name as given");
    let error = error.to_string();
    assert!(
        error.contains("unknown hosting plan `gold`") && error.contains("consumption"),
        "{error}"
    );
}

#[test]
fn slot_names_are_validated_and_case_insensitive() {
    let mut estate = Estate::new(1);
    estate
        .add_app(AppSpec::new("app", HostingPlan::Standard))
        .expect("app");
    for bad in ["", "-deploy", "de ploy", "Production", &"x".repeat(60)] {
        let error = estate.create_slot("app", bad, None).expect_err(bad);
        assert_eq!(error.kind(), ErrorKind::InvalidName, "{bad:?}: {error}");
    }
    estate.create_slot("app", "Deploy", None).expect("slot");
    assert_eq!(
        estate
            .create_slot("app", "DEPLOY", None)
            .expect_err("same name")
            .kind(),
        ErrorKind::AlreadyExists
    );
    assert_eq!(
        estate
            .slot("app", "deploy")
            .expect("found in any case")
            .name(),
        "Deploy"
    );
}

/// Learn, "Set up staging environments" (`articles/app-service/deploy-staging-slots.md`, Add a
/// slot): "the site name is truncated at 40 characters, the slot name is truncated at 19
/// characters, and 4 extra random characters are appended to ensure the resulting domain name is
/// unique." Observed host names carry no extra characters when the truncated name is free
/// (Azure/webapps-deploy#423), so they are added only when the name is taken: by another app's
/// production (`orders` + `deploy` vs an app named `orders-deploy`, Azure/azure-functions-ux#1678)
/// or by a slot of the same app cut to the same name.
#[test]
fn a_slot_host_name_already_taken_gets_four_seeded_characters() {
    let long_app = "a-very-long-function-app-name-for-orders-eu1";
    let build = |seed: u64| {
        let mut estate = Estate::new(seed);
        for app in ["orders", "orders-deploy", long_app] {
            estate
                .add_app(AppSpec::new(app, HostingPlan::PremiumV3))
                .expect("app");
        }
        estate.create_slot("orders", "deploy", None).expect("slot");
        for slot in ["blue-green-canary-01", "blue-green-canary-02"] {
            estate.create_slot(long_app, slot, None).expect("slot");
        }
        estate
    };
    let estate = build(7);
    let host = |app: &str, slot: &str| estate.slot(app, slot).expect("slot").host_name().to_owned();
    let taken = host("orders-deploy", "production");
    assert_eq!(taken, "orders-deploy.azurewebsites.net");
    let deploy = host("orders", "deploy");
    let label = deploy
        .strip_suffix(".azurewebsites.net")
        .expect("classic domain");
    let extra = label
        .strip_prefix("orders-deploy")
        .expect("the cut name first");
    assert_eq!(extra.len(), 4, "{deploy}");
    assert!(
        extra
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
        "{deploy}"
    );
    let first = host(long_app, "blue-green-canary-01");
    let second = host(long_app, "blue-green-canary-02");
    let cut = "a-very-long-function-app-name-for-orders-blue-green-canary-0";
    assert_eq!(
        first,
        format!("{cut}.azurewebsites.net"),
        "the first keeps the cut name"
    );
    // 60 + 4 would pass DNS's 63: the cut name loses one more character first.
    let second_label = second.split('.').next().expect("label");
    assert!(
        second_label.starts_with(&cut[..59]) && second_label.len() == 63 && second != first,
        "{second}"
    );
    let hosts: std::collections::BTreeSet<String> = estate
        .apps()
        .flat_map(|a| {
            a.slots()
                .map(|s| s.host_name().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(hosts.len(), 6, "every host name is unique: {hosts:?}");
    let again = build(7);
    assert_eq!(
        again.slot("orders", "deploy").expect("slot").host_name(),
        deploy,
        "same seed, same characters"
    );
}

/// With unique default host names, a slot's label is the app name cut to 23 characters, the slot
/// name (cut to 19) and the hash: the API reserves 19 characters for the slot whatever its length
/// (Azure/azure-sdk-for-net#53577: `testing-abcdefghijklmnopqrstuvwxyz1` + `staging` →
/// `testing-abcdefghijklmno-staging-<16 char hash>`; Azure/Azure-Functions#2395:
/// `stream-functions-node-prod` + `stage` → `stream-functions-node-p-stage`).
#[test]
fn unique_slot_host_names_cut_the_app_name_to_23_characters() {
    let sub = slotdrill_model::DEFAULT_SUBSCRIPTION;
    let host = unique_host_name(
        sub,
        "rg",
        "testing-abcdefghijklmnopqrstuvwxyz1",
        "staging",
        "westeurope",
    );
    let label = host.split('.').next().expect("label");
    let hash = label
        .strip_prefix("testing-abcdefghijklmno-staging-")
        .unwrap_or_else(|| panic!("{host}"));
    assert_eq!(hash.len(), 16, "{host}");
    let stream = unique_host_name(
        sub,
        "rg",
        "stream-functions-node-prod",
        "stage",
        "westeurope",
    );
    assert!(
        stream.starts_with("stream-functions-node-p-stage-"),
        "{stream}"
    );
    let long_slot = unique_host_name(
        sub,
        "rg",
        "orders",
        "staging-for-release-2026",
        "westeurope",
    );
    assert!(
        long_slot.starts_with("orders-staging-for-release-"),
        "{long_slot}"
    );
}
