//! Property tests: planted calls at random depths are all found with the right container chain;
//! repoint then restore is the identity; arbitrary bytes, JSON and expressions never panic.

use std::collections::BTreeSet;

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use slotdrill_model::Secret;
use slotdrill_wdl::eval::{NoScope, eval_wdl_string};
use slotdrill_wdl::{
    ArmContext, Document, Hints, RepointRequest, find_calls, is_restored, parse_json, repoint,
    restore,
};

const APPS: [&str; 3] = ["orders", "billing", "shipping"];
const SLOTS: [&str; 3] = ["production", "deploy", "staging"];
const FUNCTIONS: [&str; 2] = ["SendInvoice", "Quote"];

#[derive(Debug, Clone)]
enum KeyPlace {
    None,
    Query,
    Queries,
    Header,
}

#[derive(Debug, Clone)]
enum Node {
    Function {
        app: usize,
        slot: usize,
        function: usize,
    },
    Http {
        app: usize,
        slot: usize,
        function: usize,
        key: KeyPlace,
    },
    Noise,
    Container {
        kind: usize,
        children: Vec<Node>,
        branches: Vec<Vec<Node>>,
    },
}

fn tree() -> impl Strategy<Value = Vec<Node>> {
    let key = prop_oneof![
        Just(KeyPlace::None),
        Just(KeyPlace::Query),
        Just(KeyPlace::Queries),
        Just(KeyPlace::Header)
    ];
    let leaf = prop_oneof![
        (0..3usize, 0..3usize, 0..2usize).prop_map(|(app, slot, function)| Node::Function {
            app,
            slot,
            function
        }),
        (0..3usize, 0..3usize, 0..2usize, key).prop_map(|(app, slot, function, key)| Node::Http {
            app,
            slot,
            function,
            key
        }),
        Just(Node::Noise),
    ];
    let node = leaf.prop_recursive(7, 80, 4, |inner| {
        (
            0..6usize,
            prop::collection::vec(inner.clone(), 0..4),
            prop::collection::vec(prop::collection::vec(inner, 0..3), 0..3),
        )
            .prop_map(|(kind, children, branches)| Node::Container {
                kind,
                children,
                branches,
            })
    });
    prop::collection::vec(node, 1..6)
}

/// What a planted call should be found as: (action, container, app, slot, function).
type Expected = (String, String, String, String, String);

struct Builder {
    next: usize,
    expected: BTreeSet<Expected>,
    /// (action name, literal key it holds)
    keys: Vec<(String, Option<String>)>,
}

impl Builder {
    fn actions(&mut self, nodes: &[Node], container: &[String]) -> Value {
        let mut map = Map::new();
        for node in nodes {
            self.next += 1;
            let name = format!("A{}", self.next);
            let action = self.action(node, &name, container);
            map.insert(name, action);
        }
        Value::Object(map)
    }

    fn action(&mut self, node: &Node, name: &str, container: &[String]) -> Value {
        match node {
            Node::Noise => json!({ "type": "Compose", "inputs": "@triggerBody()" }),
            Node::Function {
                app,
                slot,
                function,
            } => {
                self.plant(name, container, *app, *slot, *function, None);
                let slot_part = if *slot == 0 {
                    String::new()
                } else {
                    format!("/slots/{}", SLOTS[*slot])
                };
                json!({ "type": "Function", "inputs": { "function": { "id": format!(
                    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/{}{slot_part}/functions/{}",
                    APPS[*app], FUNCTIONS[*function]) } }, "runAfter": {} })
            }
            Node::Http {
                app,
                slot,
                function,
                key,
            } => {
                let host = if *slot == 0 {
                    APPS[*app].to_owned()
                } else {
                    format!("{}-{}", APPS[*app], SLOTS[*slot])
                };
                let literal = format!(
                    "Key{}Key{}Key{}Key{}Key{}Key{}==",
                    self.next, self.next, self.next, self.next, self.next, self.next
                );
                let uri = format!(
                    "https://{host}.azurewebsites.net/api/{}",
                    FUNCTIONS[*function]
                );
                let (inputs, held) = match key {
                    KeyPlace::None => (json!({ "method": "POST", "uri": uri }), None),
                    KeyPlace::Query => (
                        json!({ "method": "POST", "uri": format!("{uri}?code={literal}") }),
                        Some(literal),
                    ),
                    KeyPlace::Queries => (
                        json!({ "method": "POST", "uri": uri, "queries": { "code": literal } }),
                        Some(literal),
                    ),
                    KeyPlace::Header => (
                        json!({ "method": "POST", "uri": uri, "headers": { "x-functions-key": literal } }),
                        Some(literal),
                    ),
                };
                self.plant(name, container, *app, *slot, *function, held);
                json!({ "type": "Http", "inputs": inputs, "runAfter": {} })
            }
            Node::Container {
                kind,
                children,
                branches,
            } => {
                let mut inner = container.to_vec();
                inner.push(name.to_owned());
                let actions = self.actions(children, &inner);
                // Only If (one `else`) and Switch (its cases) have branches; build no others, so
                // that nothing is planted that the document does not hold.
                let used = match kind {
                    1 => &branches[..branches.len().min(1)],
                    4 => &branches[..],
                    _ => &[],
                };
                let mut branch_values: Vec<Value> =
                    used.iter().map(|b| self.actions(b, &inner)).collect();
                match kind {
                    0 => json!({ "type": "Scope", "actions": actions }),
                    1 => json!({ "type": "If", "expression": "@true", "actions": actions,
                                 "else": { "actions": branch_values.pop().unwrap_or(json!({})) } }),
                    2 => {
                        json!({ "type": "Foreach", "foreach": "@triggerBody()", "actions": actions })
                    }
                    3 => {
                        json!({ "type": "Until", "expression": "@true", "limit": { "count": 2 }, "actions": actions })
                    }
                    4 => {
                        let cases: Map<String, Value> = branch_values
                            .into_iter()
                            .enumerate()
                            .map(|(i, a)| (format!("Case{i}"), json!({ "case": i, "actions": a })))
                            .collect();
                        json!({ "type": "Switch", "expression": "@triggerBody()", "cases": cases, "default": { "actions": actions } })
                    }
                    _ => json!({ "type": "SomethingNew", "actions": actions }),
                }
            }
        }
    }

    fn plant(
        &mut self,
        name: &str,
        container: &[String],
        app: usize,
        slot: usize,
        function: usize,
        key: Option<String>,
    ) {
        self.expected.insert((
            name.to_owned(),
            container.join("/"),
            APPS[app].to_owned(),
            SLOTS[slot].to_owned(),
            FUNCTIONS[function].to_owned(),
        ));
        self.keys.push((name.to_owned(), key));
    }
}

/// The shapes a Consumption workflow comes in: a bare definition, the portal's code view, a
/// workflow resource.
fn wrap(definition: Value, shape: u8) -> Value {
    match shape % 3 {
        0 => definition,
        1 => {
            json!({ "definition": definition, "parameters": { "region": { "value": "westeurope" } } })
        }
        _ => json!({ "name": "generated", "properties": { "definition": definition } }),
    }
}

fn build_as(nodes: &[Node], shape: u8) -> (Document, Builder) {
    let mut builder = Builder {
        next: 0,
        expected: BTreeSet::new(),
        keys: Vec::new(),
    };
    let actions = builder.actions(nodes, &[]);
    let definition = json!({ "triggers": { "manual": { "type": "Request", "kind": "Http" } }, "actions": actions });
    let doc = Document::from_value("generated.json", "generated", wrap(definition, shape), None)
        .expect("a definition");
    (doc, builder)
}

fn hints() -> Hints {
    Hints {
        apps: APPS.iter().map(|a| (*a).to_owned()).collect(),
        ..Hints::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_planted_call_is_found_with_its_container_chain(nodes in tree(), shape in 0..3u8) {
        let (doc, builder) = build_as(&nodes, shape);
        let found: BTreeSet<Expected> = find_calls(&doc, &hints())
            .into_iter()
            .map(|c| (c.action, c.container, c.app.unwrap_or_default(), c.slot.unwrap_or_default(), c.function.unwrap_or_default()))
            .collect();
        prop_assert_eq!(found, builder.expected);
    }

    #[test]
    fn repoint_then_restore_is_the_identity(nodes in tree(), pick in any::<prop::sample::Index>(), with_key in any::<bool>(), shape in 0..3u8) {
        let (doc, builder) = build_as(&nodes, shape);
        prop_assume!(!builder.keys.is_empty());
        let (action, held) = &builder.keys[pick.index(builder.keys.len())];
        let slot_key = Secret::new("NewSlotKeyNewSlotKeyNewSlotKeyNewSlotKeyNewSlotKeyNew==");
        let request = RepointRequest {
            workflow: None, action, slot: "deploy", host: "orders-deploy.azurewebsites.net",
            key: with_key.then_some(&slot_key),
        };
        let (new_doc, record) = repoint(&doc, &request, &hints()).expect("a planted call can be repointed");
        let record_json = serde_json::to_string(&record).expect("json");
        if let Some(held) = held {
            prop_assert!(!record_json.contains(held.as_str()), "the original key leaked into the record");
        }
        let original_key = held.as_ref().map(Secret::new);
        prop_assert!(!is_restored(&new_doc, &record), "a repointed document is not restored");
        let restored = restore(&new_doc, &record, original_key.as_ref()).expect("restore");
        prop_assert!(is_restored(&restored, &record), "is_restored sees the restore");
        prop_assert_eq!(serde_json::to_string(&restored.root).expect("json"), serde_json::to_string(&doc.root).expect("json"));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(value) = parse_json("fuzz.json", &text)
            && let Ok(doc) = Document::from_value("fuzz.json", "fuzz", value, None)
        {
            let _ = find_calls(&doc, &Hints::default());
        }
    }

    #[test]
    fn arbitrary_workflow_shaped_json_never_panics(value in workflow_like_json(), action in prop::sample::select(vec!["A", "B", "Scope", "x"])) {
        if let Ok(doc) = Document::from_value("fuzz.json", "fuzz", value, None) {
            let _ = find_calls(&doc, &Hints::default());
            let request = RepointRequest { workflow: None, action, slot: "deploy", host: "h.azurewebsites.net", key: None };
            if let Ok((new_doc, record)) = repoint(&doc, &request, &Hints::default()) {
                let _ = restore(&new_doc, &record, Some(&Secret::new("k")));
            }
        }
    }

    #[test]
    fn arbitrary_expressions_never_panic(text in "[@{}()\\[\\]',.?a-zA-Z0-9 ]{0,60}") {
        let _ = eval_wdl_string(&text, &mut NoScope);
        let _ = ArmContext::root(&json!({})).resolve(&Value::String(format!("[{text}]")));
    }
}

/// JSON built from the words workflows use, so that shapes close to real ones are explored.
fn workflow_like_json() -> impl Strategy<Value = Value> {
    let words = prop::sample::select(vec![
        "actions",
        "type",
        "inputs",
        "function",
        "id",
        "uri",
        "else",
        "cases",
        "default",
        "A",
        "B",
        "Scope",
        "Function",
        "Http",
        "If",
        "Switch",
        "properties",
        "definition",
        "parameters",
        "resources",
        "template",
        "Microsoft.Logic/workflows",
        "Microsoft.Resources/deployments",
        "triggers",
        "connectionName",
        "headers",
        "queries",
        "code",
        "@{parameters('A')}",
        "[parameters('A')]",
        "https://a.azurewebsites.net/api/F?code=k",
        "/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/a/functions/f",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        words.clone().prop_map(|w| Value::String(w.to_owned())),
    ];
    leaf.prop_recursive(6, 64, 5, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((words.clone(), inner), 0..5).prop_map(|entries| Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect()
            )),
        ]
    })
}
