//! The fast paths give what the general ones give: [`find_calls_prepared`] (hosts looked up in a
//! hash map) and [`for_each_call`] find exactly the calls [`find_calls`] finds, on the fixture
//! corpus and on generated workflows; text the resolver borrows without evaluating is text
//! `eval_wdl_string` gives back unchanged; and function ids and URLs parse as they always did.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use slotdrill_model::{AzureName, PRODUCTION};
use slotdrill_wdl::eval::{NoScope, eval_wdl_string, first_unknown, has_unknown, is_literal_text};
use slotdrill_wdl::{
    Document, FunctionCall, Hints, Target, Url, find_calls, find_calls_prepared, for_each_call,
    from_function_id, split_url,
};

/// Every workflow file of the fixture corpus (project files and unreadable files left out).
fn corpus() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("the corpus")
            .map(|e| e.expect("an entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() && name != "bad" && name != "functions" {
                walk(&path, out);
            } else if name.ends_with(".json")
                && !["connections.json", "parameters.json", "host.json"].contains(&name)
            {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data"),
        &mut files,
    );
    files
}

fn host_hints(hosts: &[(&str, &str, &str)], apps: &[&str]) -> Hints {
    Hints {
        hosts: hosts
            .iter()
            .map(|(host, app, slot)| {
                (
                    AzureName::from(*host),
                    ((*app).to_owned(), (*slot).to_owned()),
                )
            })
            .collect(),
        apps: apps.iter().map(|a| (*a).to_owned()).collect(),
        app_settings: BTreeMap::new(),
    }
}

/// Hint sets the corpus is read with: none, apps only, hosts in several cases (app's default
/// host names and others), and those hosts with an app name too long for the prepared host
/// table, which then leaves every host to the hints themselves.
fn hint_sets() -> Vec<Hints> {
    let hosts = named_hosts();
    let long_app = "a".repeat(70_000);
    let long_host = format!("{long_app}.azurewebsites.net");
    let mut with_long: Vec<(&str, &str, &str)> = hosts.clone();
    with_long.push((&long_host, &long_app, PRODUCTION));
    vec![
        Hints::default(),
        host_hints(&[], &["orders", "order-api", "Pricing"]),
        host_hints(&hosts, &["orders", "pricing"]),
        host_hints(&with_long, &["orders", "pricing"]),
    ]
}

fn named_hosts() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        ("orders.azurewebsites.net", "orders", PRODUCTION),
        ("ORDERS-deploy.azurewebsites.net", "Orders", "deploy"),
        ("orders-staging.AzureWebsites.NET", "orders", "staging"),
        (
            "order-api-b7e3kq9x2mzp4wfa.westeurope-01.azurewebsites.net",
            "order-api",
            PRODUCTION,
        ),
        (
            "notifications.azurewebsites.net",
            "notifications",
            PRODUCTION,
        ),
        ("pricing-engine.azurewebsites.net", "pricing", "engine"),
    ]
}

/// The calls of `doc` by each path: plain, prepared, visited.
fn three_ways(doc: &Document, hints: &Hints) -> [Vec<FunctionCall>; 3] {
    let prepared = hints.prepare();
    let mut visited = Vec::new();
    for_each_call(doc, &prepared, |call| visited.push(call.into_call()));
    [
        find_calls(doc, hints),
        find_calls_prepared(doc, &prepared),
        visited,
    ]
}

#[test]
fn the_corpus_gives_the_same_calls_every_way() {
    let files = corpus();
    assert!(files.len() >= 18, "the corpus is found: {files:?}");
    for path in files {
        let doc = Document::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for hints in hint_sets() {
            let [plain, prepared, visited] = three_ways(&doc, &hints);
            assert_eq!(plain, prepared, "{}", path.display());
            assert_eq!(plain, visited, "{}", path.display());
        }
    }
}

const HOSTS: [&str; 8] = [
    "orders.azurewebsites.net",
    "Orders.AzureWebsites.net",
    "orders-deploy.azurewebsites.net",
    "ORDERS-DEPLOY.azurewebsites.net",
    "orders-eu.azurewebsites.net",
    "billing-staging.azurewebsites.net",
    "order-api-b7e3kq9x2mzp4wfa.westeurope-01.azurewebsites.net",
    "www.contoso.com",
];

/// A URI as workflows write them: literal, with a port or query, or built by an expression.
fn uri() -> impl Strategy<Value = String> {
    let host = prop::sample::select(HOSTS.to_vec());
    let path = prop::sample::select(vec![
        "/api/SendInvoice",
        "/api/Quote/",
        "/other",
        "",
        "/api/",
    ]);
    let form = 0..6u8;
    (host, path, form).prop_map(|(host, path, form)| match form {
        0 => format!("https://{host}{path}"),
        1 => format!("https://{host}:443{path}?code=k&x=1"),
        2 => format!("@{{parameters('base')}}{path}"),
        3 => format!("https://@{{appsetting('HOST')}}{path}"),
        4 => format!("@concat('https://', '{host}', '{path}')"),
        _ => format!("@@https://{host}{path}"),
    })
}

/// A function id: either form, any case, or one the evaluator must build.
fn function_id() -> impl Strategy<Value = String> {
    let app = prop::sample::select(vec!["orders", "Billing", "order-api"]);
    let slot = prop::sample::select(vec!["", "/slots/deploy", "/SLOTS/staging"]);
    let form = 0..4u8;
    (app, slot, form).prop_map(|(app, slot, form)| {
        let id = format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/{app}{slot}/functions/F");
        match form {
            0 => id,
            1 => id.to_ascii_uppercase(),
            2 => format!("@{{parameters('site')}}{slot}/functions/F"),
            _ => format!("@concat('{id}')"),
        }
    })
}

/// Workflows of Function and Http actions, some nested, with noise between.
fn workflow() -> impl Strategy<Value = Value> {
    let action = prop_oneof![
        function_id()
            .prop_map(|id| json!({ "type": "Function", "inputs": { "function": { "id": id } } })),
        uri().prop_map(|uri| json!({ "type": "Http", "inputs": { "method": "POST", "uri": uri } })),
        Just(json!({ "type": "Compose", "inputs": "@triggerBody()" })),
        Just(json!({ "type": "Http", "inputs": { "uri": 3 } })),
    ];
    let actions = prop::collection::vec(action, 0..8);
    (actions.clone(), actions).prop_map(|(top, inner)| {
        let mut map = Map::new();
        for (i, action) in top.into_iter().enumerate() {
            map.insert(format!("A{i}"), action);
        }
        let nested: Map<String, Value> = inner
            .into_iter()
            .enumerate()
            .map(|(i, action)| (format!("B{i}"), action))
            .collect();
        map.insert("Scope".to_owned(), json!({ "type": "Scope", "actions": nested }));
        json!({
            "definition": {
                "parameters": { "base": { "type": "String", "defaultValue": "https://orders-deploy.azurewebsites.net" },
                                "site": { "type": "String" } },
                "triggers": {}, "actions": map },
            "parameters": {}
        })
    })
}

/// `from_function_id` as it was first written (segments collected into a vector), to hold the
/// allocation-free parse to the same answers.
fn function_id_reference(id: &str) -> Option<Target> {
    let known = |part: &str| (!part.is_empty() && !has_unknown(part)).then(|| part.to_owned());
    let reason = first_unknown(id).map(|raw| format!("`{raw}` cannot be resolved offline"));
    let of_unknown = || {
        if !has_unknown(id) {
            return None;
        }
        let (before, function) = id.rsplit_once('/')?;
        before
            .to_ascii_lowercase()
            .ends_with("/functions")
            .then(|| Target {
                function: known(function),
                reason: reason.clone(),
                ..Target::default()
            })
    };
    let segments: Vec<&str> = id.trim_matches('/').split('/').collect();
    let Some(sites) = segments
        .iter()
        .position(|s| s.eq_ignore_ascii_case("sites"))
    else {
        return of_unknown();
    };
    if !(sites >= 1 && segments[sites - 1].eq_ignore_ascii_case("Microsoft.Web")) {
        return of_unknown();
    }
    let (app, slot, function) = match &segments[sites + 1..] {
        [app, functions, function] if functions.eq_ignore_ascii_case("functions") => {
            (*app, PRODUCTION, *function)
        }
        [app, slots, slot, functions, function]
            if slots.eq_ignore_ascii_case("slots")
                && functions.eq_ignore_ascii_case("functions") =>
        {
            (*app, *slot, *function)
        }
        _ => return of_unknown(),
    };
    Some(Target {
        app: known(app),
        slot: known(slot),
        function: known(function),
        reason: reason.clone(),
    })
}

/// `split_url` as it was first written (`str` splits), to hold the byte scan to the same parts.
fn split_url_reference(uri: &str) -> Option<Url> {
    let (scheme, rest) = uri.split_once("://")?;
    let (authority, path_query) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let host = authority.split(':').next().unwrap_or(authority);
    let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    Some(Url {
        scheme: scheme.to_ascii_lowercase(),
        host: host.to_owned(),
        path: path.to_owned(),
        query,
    })
}

/// An unknown part as the evaluator marks one (`eval::unknown`): what `has_unknown` looks for.
const UNKNOWN: &str = "\u{E000}parameters('x')\u{E001}";

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_workflows_give_the_same_calls_every_way(root in workflow(), pick in 0..4usize) {
        let doc = Document::from_value("generated.json", "generated", root, None).expect("a code view");
        let hints = &hint_sets()[pick];
        let [plain, prepared, visited] = three_ways(&doc, hints);
        prop_assert_eq!(&plain, &prepared);
        prop_assert_eq!(&plain, &visited);
    }

    #[test]
    fn literal_text_evaluates_to_itself(text in "[@{}()'a-z/:. ]{0,24}") {
        if is_literal_text(&text) {
            prop_assert_eq!(eval_wdl_string(&text, &mut NoScope).ok(), Some(Value::String(text.clone())));
        }
        let expression = text.starts_with('@') || text.contains("@{");
        prop_assert_eq!(is_literal_text(&text), !expression);
    }

    #[test]
    fn function_ids_parse_as_before(
        parts in prop::collection::vec(prop::sample::select(vec![
            "subscriptions", "s", "providers", "Microsoft.Web", "microsoft.web", "sites", "SITES",
            "orders", "slots", "deploy", "functions", "Functions", "F", "", "@{x}", UNKNOWN,
            "é",
        ]), 0..12),
        lead in prop::sample::select(vec!["", "/", "//"]),
    ) {
        let id = format!("{lead}{}", parts.join("/"));
        prop_assert_eq!(from_function_id(&id), function_id_reference(&id));
    }

    #[test]
    fn urls_split_as_before(
        lead in prop::sample::select(vec!["", "https://", "HTTP://h:1"]),
        parts in prop::collection::vec(prop::sample::select(vec![
            "://", ":", "/", "?", "&", "=", "orders.azurewebsites.net", "443", "api", "é", UNKNOWN,
        ]), 0..10),
    ) {
        let uri = format!("{lead}{}", parts.concat());
        prop_assert_eq!(split_url(&uri), split_url_reference(&uri));
    }
}
