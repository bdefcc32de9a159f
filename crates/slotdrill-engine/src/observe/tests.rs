//! Observe at more than a batch of workflows: the callers it records (its list sized from the
//! first workflows, its versions made a map at the end) are the calls `find_calls` finds with
//! the unprepared hints, workflow by workflow, whether one thread reads them or every core does,
//! and a failed read fails it: with the first failing workflow's error, and on one thread with
//! no read after.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::ThreadId;

use proptest::prelude::*;
use serde_json::{Map, json};
use slotdrill_model::Secret;
use slotdrill_wdl::{Document, find_calls, parse_json};

use super::*;
use crate::cloud::{ActionOutcome, CloudError};

/// Apps `app0`..`app{n}` with production and deploy; workflows as JSON text; reads fail from
/// the `fail_at`-th on. Reads are counted, to show that none happens after a failure, and the
/// threads that read are noted. `shared`: the back end says it may be read from several threads.
struct Fake {
    apps: Vec<AppSnapshot>,
    workflows: Vec<String>,
    fail_at: Option<usize>,
    shared: bool,
    reads: AtomicUsize,
    readers: Mutex<HashSet<ThreadId>>,
}

/// The calls of workflow `w`: every form observe meets (id with and without a slot, a slot's
/// host, a host no hint knows, an expression unknown offline), nested in scopes, in an order
/// and number that vary with `w`.
fn workflow_text(w: usize, apps: usize) -> String {
    let mut actions = Map::new();
    for i in 0..(w % 7) {
        let app = format!("App{}", (w * 7 + i * 13) % apps);
        let action = match (w + i) % 5 {
            0 => {
                json!({ "type": "Function", "inputs": { "function": { "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/{app}/functions/F{i}") } } })
            }
            1 => {
                json!({ "type": "Function", "inputs": { "function": { "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/{app}/slots/deploy/functions/F{i}") } } })
            }
            2 => {
                json!({ "type": "Http", "inputs": { "method": "POST", "uri": format!("https://{app}-deploy.azurewebsites.net/api/F{i}") } })
            }
            3 => {
                json!({ "type": "Http", "inputs": { "method": "POST", "uri": format!("https://elsewhere{w}.azurewebsites.net/api/F{i}") } })
            }
            _ => {
                json!({ "type": "Http", "inputs": { "method": "POST", "uri": "@{parameters('base')}/api/F" } })
            }
        };
        actions.insert(format!("Call{i}"), action);
    }
    json!({ "name": format!("flow{w}"), "properties": { "definition": {
        "triggers": { "manual": { "type": "Request", "kind": "Http" } },
        "actions": { "Outer": { "type": "Scope", "actions": { "Inner": { "type": "Scope", "actions": actions } } } } } } })
    .to_string()
}

fn fake(apps: usize, workflows: usize, fail_at: Option<usize>, shared: bool) -> Fake {
    Fake {
        apps: (0..apps)
            .map(|a| crate::fixtures::app(&format!("app{a}"), &["F"]))
            .collect(),
        workflows: (0..workflows).map(|w| workflow_text(w, apps)).collect(),
        fail_at,
        shared,
        reads: AtomicUsize::new(0),
        readers: Mutex::default(),
    }
}

impl Cloud for Fake {
    fn apps(&self) -> Result<Vec<AppSnapshot>, CloudError> {
        Ok(self.apps.clone())
    }
    fn workflows(&self) -> Result<Vec<String>, CloudError> {
        Ok((0..self.workflows.len())
            .map(|w| format!("flow{w}"))
            .collect())
    }
    fn shared(&self) -> Option<&(dyn Cloud + Sync)> {
        self.shared.then_some(self)
    }
    fn read_workflow(&self, name: &str) -> Result<WorkflowRead, CloudError> {
        let index: usize = name["flow".len()..].parse().expect("a fake's name");
        self.reads.fetch_add(1, Ordering::Relaxed);
        let reader = std::thread::current().id();
        self.readers
            .lock()
            .expect("no test panics holding it")
            .insert(reader);
        if self.fail_at.is_some_and(|at| index >= at) {
            return Err(CloudError::NotFound(name.to_owned()));
        }
        let root = parse_json(name, &self.workflows[index]).expect("valid JSON");
        Ok(WorkflowRead {
            document: Document::from_value(name, name, root, None).expect("a workflow"),
            version: format!("v{index}"),
        })
    }
    fn write_workflow(&self, _: &str, _: &Document, _: &str) -> Result<String, CloudError> {
        unreachable!("observe only reads")
    }
    fn function_key(&self, _: &str, _: &str, _: &str) -> Result<Secret, CloudError> {
        unreachable!("observe only reads")
    }
    fn probe(&self, _: &str, _: &str, _: &str, _: u32) -> Result<Vec<u16>, CloudError> {
        unreachable!("observe only reads")
    }
    fn run_history(&self, _: &str, _: usize) -> Result<Vec<ActionOutcome>, CloudError> {
        unreachable!("observe only reads")
    }
    fn set_logic_app_setting(&self, _: &str, _: &str, _: &Secret) -> Result<(), CloudError> {
        unreachable!("observe only reads")
    }
    fn remove_logic_app_setting(&self, _: &str, _: &str) -> Result<(), CloudError> {
        unreachable!("observe only reads")
    }
    fn swap(&self, _: &str, _: &str, _: &str) -> Result<(), CloudError> {
        unreachable!("observe only reads")
    }
    fn trigger(&self, _: &str) -> Result<bool, CloudError> {
        unreachable!("observe only reads")
    }
}

/// What observe should record, from `find_calls` on each workflow read anew.
fn expected(cloud: &Fake) -> Result<(Vec<CallerObservation>, BTreeMap<String, String>), String> {
    let hints = hints_for(&cloud.apps);
    let mut callers = Vec::new();
    let mut versions = BTreeMap::new();
    for name in cloud.workflows().expect("names") {
        let read = cloud.read_workflow(&name).map_err(|e| e.to_string())?;
        for call in find_calls(&read.document, &hints) {
            callers.push(CallerObservation {
                workflow: name.as_str().into(),
                action: call.action.into(),
                container: call.container.into(),
                app: call.app.map(Into::into),
                slot: call.slot.map(Into::into),
                function: call.function.map(Into::into),
                reason: call.reason,
            });
        }
        versions.insert(name, read.version);
    }
    Ok((callers, versions))
}

#[test]
fn every_form_of_call_is_met() {
    let cloud = fake(40, 3 * READ_BATCH + 5, None, false);
    let observation = observe(&cloud).expect("observe");
    let callers = observation.callers();
    assert!(callers.iter().any(|c| c.slot.as_deref() == Some("deploy")));
    assert!(
        callers
            .iter()
            .any(|c| c.slot.as_deref() == Some("production"))
    );
    assert!(observation.unresolved_callers().next().is_some());
    let unresolved = |c: &&CallerObservation| c.app.is_none() || c.slot.is_none();
    assert!(
        observation
            .unresolved_callers()
            .eq(callers.iter().filter(unresolved))
    );
    // Each app's callers, asked in any case, are the list's callers of it, in its order; an
    // app nobody calls has none.
    for app in (0..41).map(|a| format!("APP{a}")) {
        let calls = |c: &&CallerObservation| {
            c.app
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(&app))
        };
        assert!(
            observation
                .callers_of(&app)
                .eq(callers.iter().filter(calls)),
            "{app}"
        );
    }
    assert!(observation.callers_of("app3").next().is_some());
    assert_eq!(observation.callers_of("app40").count(), 0);
}

/// The callers' list is sized from the first batch; when those workflows call far more than
/// the rest, the room left over is given back once all are read, not kept with the observation.
#[test]
fn a_list_sized_too_large_is_given_back() {
    let mut cloud = fake(10, 40 * READ_BATCH, None, false);
    // w % 7 == 6: six calls each in the first batch, none after it.
    let (busy, idle) = (workflow_text(6, 10), workflow_text(0, 10));
    for (w, text) in cloud.workflows.iter_mut().enumerate() {
        *text = if w < READ_BATCH {
            busy.clone()
        } else {
            idle.clone()
        };
    }
    let observation = observe(&cloud).expect("observe");
    let kept = observation.callers.len();
    assert_eq!(kept, 6 * READ_BATCH);
    assert!(
        observation.callers.capacity() <= kept + kept / 4,
        "{} callers kept in room for {}",
        kept,
        observation.callers.capacity()
    );
}

/// Apps whose names hash alike share a chain in the index; an app is still answered with its
/// own callers only, in the list's order.
#[test]
fn apps_whose_names_hash_alike_keep_their_own_callers() {
    let caller = |app: &str, action: &str| CallerObservation {
        workflow: "flow".into(),
        action: action.into(),
        container: "".into(),
        app: Some(app.into()),
        slot: Some("production".into()),
        function: Some("F".into()),
        reason: None,
    };
    let callers = vec![
        caller("alpha", "A1"),
        caller("beta", "B1"),
        caller("Alpha", "A2"),
        caller("beta", "B2"),
    ];
    let mut observation = Observation::new(Vec::new(), callers.clone(), BTreeMap::new());
    // Every name given alpha's hash: one chain holds all four callers.
    let mut index = CallerIndex::default();
    let shared = index.hash("alpha");
    for (position, caller) in callers.iter().enumerate() {
        index.add_hashed(position, Some(shared), caller);
    }
    observation.index = index;
    let found: Vec<&str> = observation
        .callers_of("ALPHA")
        .map(|c| c.action.as_str())
        .collect();
    assert_eq!(found, ["A1", "A2"]);
}

/// A shared back end with a large estate is read on every core (two on this project's CI
/// machine), the caller's thread among them, and gives the observation one thread gives; one
/// that is not shared, or a small estate, is read on the caller's thread alone.
#[test]
fn a_large_estate_is_read_on_every_core_with_the_same_result() {
    let workflows = 2 * THREAD_SHARE + 5;
    let shared = fake(40, workflows, None, true);
    let alone = fake(40, workflows, None, false);
    let on_threads = observe(&shared).expect("observe");
    let on_one = observe(&alone).expect("observe");
    assert_eq!(on_threads, on_one);
    let caller = std::thread::current().id();
    let readers = |cloud: &Fake| cloud.readers.lock().expect("not poisoned").clone();
    assert_eq!(readers(&alone), HashSet::from([caller]));
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    assert_eq!(readers(&shared).len(), cores.min(2));
    assert!(readers(&shared).contains(&caller));
    assert_eq!(shared.reads.load(Ordering::Relaxed), workflows);
    // Less than two shares' worth: no thread is started.
    let small = fake(40, 2 * THREAD_SHARE - 1, None, true);
    observe(&small).expect("observe");
    assert_eq!(readers(&small), HashSet::from([caller]));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: slotdrill_test_support::proptest_cases(24), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn observe_records_what_find_calls_finds(
        apps in 1usize..30,
        workflows in 0usize..(3 * THREAD_SHARE),
        fail_at in proptest::option::of(0usize..(3 * THREAD_SHARE)),
        shared: bool,
    ) {
        let cloud = fake(apps, workflows, fail_at, shared);
        let observed = observe(&cloud).map_err(|e| e.to_string());
        let reads = cloud.reads.load(Ordering::Relaxed);
        match expected(&fake(apps, workflows, fail_at, false)) {
            Ok((callers, versions)) => {
                let observation = observed.expect("no read fails");
                prop_assert_eq!(observation.callers(), &callers[..]);
                prop_assert_eq!(&observation.workflow_versions, &versions);
                prop_assert_eq!(&observation.apps, &cloud.apps);
            }
            Err(message) => {
                // The first failing workflow's error, whichever thread met it first.
                prop_assert_eq!(observed.expect_err("a read fails"), message);
                // On one thread, nothing is read after the failed read.
                if !shared {
                    prop_assert_eq!(Some(reads), fail_at.map(|at| at + 1));
                }
            }
        }
    }

    /// More reading threads than this machine's cores: several back threads take runs in turn,
    /// and their runs are still joined in the estate's order, into what one thread records; the
    /// error is the first failing workflow's.
    #[test]
    fn several_back_threads_record_what_one_thread_records(
        workflows in 0usize..(6 * THREAD_RUN),
        fail_at in proptest::option::of(0usize..(6 * THREAD_RUN)),
        threads in 2usize..6,
    ) {
        let cloud = fake(12, workflows, fail_at, true);
        let names = cloud.workflows().expect("names");
        let hints = hints_for(&cloud.apps);
        let prepared = hints.prepare();
        let on_threads = record_on_threads(&cloud, &prepared, &names, threads)
            .map(|r| (r.callers, r.versions))
            .map_err(|e| e.to_string());
        let on_one = record(&cloud, &prepared, &names, names.len())
            .map(|r| (r.callers, r.versions))
            .map_err(|e| e.to_string());
        prop_assert_eq!(on_threads, on_one);
    }
}
