//! `AzureName`: equality, hashing and ordering agree with each other and with ASCII-lower-case
//! comparison, as Azure compares names; serde and `Display` keep the spelling as written.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

use proptest::prelude::*;
use slotdrill_model::AzureName;
use slotdrill_test_support::proptest_cases;

fn hash_of(name: &AzureName) -> u64 {
    let mut hasher = DefaultHasher::new();
    name.hash(&mut hasher);
    hasher.finish()
}

/// Names as Azure spells them (letters, digits, hyphens, dots), short and around the 24 bytes
/// a name holds inline (up to a host name's length), plus any text at all, so that non-ASCII
/// bytes are covered too.
fn any_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9.-]{0,12}",
        2 => "[a-zA-Z0-9.-]{20,64}",
        1 => any::<String>(),
    ]
}

/// The same name with the case of each ASCII letter flipped where `flips` says so.
fn respelled(name: &str, flips: &[bool]) -> String {
    name.chars()
        .zip(flips.iter().chain(std::iter::repeat(&false)))
        .map(|(c, &flip)| match (flip, c.is_ascii_uppercase()) {
            (false, _) => c,
            (true, true) => c.to_ascii_lowercase(),
            (true, false) => c.to_ascii_uppercase(),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: proptest_cases(512), failure_persistence: None, ..ProptestConfig::default() })]

    // The oracle is the lower-case forms themselves, spelled out on purpose.
    #[allow(clippy::manual_ignore_case_cmp)]
    #[test]
    fn equal_exactly_when_lower_case_forms_are(a in any_name(), b in any_name()) {
        let equal = AzureName::from(a.as_str()) == AzureName::from(b.as_str());
        prop_assert_eq!(equal, a.to_ascii_lowercase() == b.to_ascii_lowercase());
    }

    #[test]
    fn a_respelling_is_equal_hashes_alike_and_orders_equal(
        a in any_name(),
        flips in proptest::collection::vec(any::<bool>(), 0..16),
    ) {
        let b = respelled(&a, &flips);
        let (x, y) = (AzureName::from(a.as_str()), AzureName::from(b.as_str()));
        prop_assert_eq!(&x, &y);
        prop_assert_eq!(hash_of(&x), hash_of(&y));
        prop_assert_eq!(x.cmp(&y), std::cmp::Ordering::Equal);
        // Each keeps its own spelling.
        prop_assert_eq!(x.as_str(), a.as_str());
        prop_assert_eq!(y.as_str(), b.as_str());
    }

    #[test]
    fn lower_is_the_lower_case_form_borrowed_when_it_already_is(a in any_name()) {
        let lower = AzureName::lower(&a);
        prop_assert_eq!(&*lower, a.to_ascii_lowercase());
        let borrowed = matches!(lower, std::borrow::Cow::Borrowed(_));
        prop_assert_eq!(borrowed, a == a.to_ascii_lowercase());
    }

    #[test]
    fn order_is_the_lower_case_forms_order(a in any_name(), b in any_name()) {
        let (x, y) = (AzureName::from(a.as_str()), AzureName::from(b.as_str()));
        let lower = a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase());
        prop_assert_eq!(x.cmp(&y), lower);
        prop_assert_eq!(x.partial_cmp(&y), Some(lower));
        prop_assert_eq!(x.cmp(&y) == std::cmp::Ordering::Equal, x == y);
    }

    #[test]
    fn serde_and_display_keep_the_spelling(a in any_name()) {
        let name = AzureName::from(a.clone());
        let json = serde_json::to_string(&name).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&json, &serde_json::to_string(&a).map_err(|e| TestCaseError::fail(e.to_string()))?);
        let back: AzureName = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back.as_str(), a.as_str());
        prop_assert_eq!(name.to_string(), a.clone());
        prop_assert_eq!(format!("{name:?}"), format!("{a:?}"));
    }

    #[test]
    fn every_conversion_keeps_the_text(a in any_name()) {
        prop_assert_eq!(String::from(AzureName::from(a.as_str())), a.clone());
        prop_assert_eq!(String::from(AzureName::from(&a)), a.clone());
        prop_assert_eq!(String::from(AzureName::from(a.clone())), a.clone());
        let name = AzureName::from(a.as_str());
        prop_assert_eq!(name.as_ref(), a.as_str());
        prop_assert_eq!(name.is_empty(), a.is_empty());
    }

    #[test]
    fn maps_see_one_key_per_name_whatever_the_case(
        names in proptest::collection::vec(any_name(), 0..12),
        flips in proptest::collection::vec(any::<bool>(), 0..16),
    ) {
        let mut hashed = HashMap::new();
        let mut ordered = BTreeMap::new();
        for name in &names {
            hashed.insert(AzureName::from(name.as_str()), ());
            ordered.insert(AzureName::from(name.as_str()), ());
        }
        let distinct: std::collections::BTreeSet<String> =
            names.iter().map(|n| n.to_ascii_lowercase()).collect();
        prop_assert_eq!(hashed.len(), distinct.len());
        prop_assert_eq!(ordered.len(), distinct.len());
        let keys: Vec<String> = ordered.keys().map(AzureName::key).collect();
        prop_assert_eq!(keys, distinct.into_iter().collect::<Vec<_>>());
        for name in &names {
            let respelled = AzureName::from(respelled(name, &flips));
            prop_assert!(hashed.contains_key(&respelled));
            prop_assert!(ordered.contains_key(&respelled));
        }
    }
}

#[test]
fn lower_is_the_key_and_borrows_a_name_already_lower_case() {
    use std::borrow::Cow;
    for name in [
        "Orders",
        "ORDERS-deploy.AzureWebsites.net",
        "orders",
        "",
        "é-Ünique",
    ] {
        assert_eq!(
            AzureName::lower(name),
            AzureName::from(name).key(),
            "{name}"
        );
    }
    assert!(matches!(
        AzureName::lower("orders-deploy"),
        Cow::Borrowed(_)
    ));
    assert!(matches!(AzureName::lower("Orders"), Cow::Owned(_)));
}

#[test]
fn different_names_differ_and_matches_ignores_case() {
    let orders = AzureName::from("Orders");
    assert_ne!(orders, AzureName::from("orders2"));
    assert!(orders.matches("ORDERS"));
    assert!(!orders.matches("order"));
    assert_eq!(orders.key(), "orders");
    assert_eq!(String::from(orders), "Orders");
}
