//! `slotdrill import` writes what a server sends — names with quotes, control characters, `../`
//! — so whatever it writes must load as `slotdrill check` loads it, and its workflow files must
//! stay inside `workflows/` (issue 18: a `../../x` workflow name escaped the output folder, and a
//! U+007F in a setting's value made an estate `check` could not read back). Logic Apps Standard
//! sites (issue 21) too: their project files stay inside `workflows/` and their workflows'
//! names (their folders) never clash with another Logic App's.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::json;
use slotdrill_azure::{AppRead, ResourceGroupRead, StandardRead, render_import};
use slotdrill_engine::{AppSnapshot, SlotSnapshot};
use slotdrill_scenario::Drill;
use slotdrill_test_support::proptest_cases;

/// Any text a server could send, control characters and path separators included.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,8}",
        any::<String>(),
        Just("../../x".to_owned()),
        Just("a\u{7f}b".to_owned()),
        Just("\"]\n[[app]]\nname = \"x".to_owned()),
    ]
}

fn slot(name: String, release: Option<String>, settings: BTreeMap<String, String>) -> SlotSnapshot {
    SlotSnapshot {
        host_name: format!("orders-{}.azurewebsites.net", name.len()),
        name,
        release,
        release_source: Default::default(),
        release_note: None,
        running: true,
        functions: vec!["Ship".to_owned()],
        settings,
        deployed_since_swap: false,
        last_swap: None,
        live_since: None,
    }
}

prop_compose! {
    fn resource_group()(
        group in text(),
        release in proptest::option::of(text()),
        settings in proptest::collection::btree_map(text(), text(), 0..4),
        sticky in proptest::collection::vec(text(), 0..3),
        sku in text(),
        workflows in proptest::collection::vec(text(), 0..4),
        standard in proptest::collection::vec(standard_site(), 0..3),
    ) -> ResourceGroupRead {
        let snapshot = AppSnapshot {
            name: "orders".to_owned(),
            sticky,
            slots: vec![
                slot("production".to_owned(), release.clone(), settings.clone()),
                slot("deploy".to_owned(), release, settings),
            ],
        };
        ResourceGroupRead {
            resource_group: group,
            apps: vec![AppRead {
                snapshot,
                sku,
                linux: false,
                slot_configs: vec![json!({}), json!({})],
            }],
            workflows: workflows
                .into_iter()
                .map(|name| (name, json!({ "triggers": {}, "actions": {} })))
                .collect(),
            standard,
        }
    }
}

prop_compose! {
    /// A Logic Apps Standard site as `import` reads it: any workflow names and settings, files
    /// with or without `kind`, maybe a `connections.json`, maybe a key bound by reference.
    fn standard_site()(
        name in "la-[a-z0-9-]{0,8}",
        workflows in proptest::collection::vec((text(), any::<bool>()), 0..3),
        settings in proptest::collection::btree_map(text(), text(), 0..3),
        connections in any::<bool>(),
        bound in any::<bool>(),
    ) -> StandardRead {
        let file = |kind: bool| {
            let mut file = json!({ "definition": { "triggers": {}, "actions": {} } });
            if kind {
                file["kind"] = json!("Stateless");
            }
            file
        };
        StandardRead {
            name,
            settings,
            keys: if bound {
                BTreeMap::from([("SHIP_KEY".to_owned(), "orders/production/Ship".to_owned())])
            } else {
                BTreeMap::new()
            },
            workflows: workflows.into_iter().map(|(w, kind)| (w, file(kind))).collect(),
            connections: connections.then(|| json!({ "managedApiConnections": {} })),
            parameters: None,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(proptest_cases(64)))]

    #[test]
    fn whatever_import_writes_check_accepts(read in resource_group()) {
        let imported = render_import(&read);
        let dir = tempfile::tempdir().expect("tempdir");
        let workflows = dir.path().join("workflows");
        std::fs::create_dir_all(&workflows).expect("workflows/");
        for (file, json) in &imported.workflows {
            prop_assert!(
                !file.contains('/') && !file.contains('\\') && !file.starts_with('.'),
                "{file:?} would leave workflows/"
            );
            std::fs::write(workflows.join(file), json).expect("written");
        }
        prop_assert_eq!(imported.workflows.len(), read.workflows.len(), "one file per workflow");
        let distinct: std::collections::BTreeSet<String> =
            imported.workflows.iter().map(|(f, _)| f.to_ascii_lowercase()).collect();
        prop_assert_eq!(distinct.len(), read.workflows.len(), "no file written twice");
        for (file, json) in &imported.projects {
            let parts: Vec<&str> = file.split('/').collect();
            prop_assert!(
                parts.iter().all(|p| !p.is_empty() && !p.starts_with('.') && !p.contains('\\')),
                "{file:?} would leave workflows/"
            );
            let path = workflows.join(file);
            std::fs::create_dir_all(path.parent().expect("folder")).expect("folder");
            std::fs::write(path, json).expect("written");
        }
        let estate = dir.path().join("estate.toml");
        std::fs::write(&estate, &imported.estate).expect("written");
        let loaded = Drill::load(&estate, None);
        prop_assert!(loaded.is_ok(), "{:?}\n{}", loaded.err(), imported.estate);
    }
}
