//! The loop and branch containers: `Foreach`, `Until`, `Switch`.
//!
//! `Foreach` runs its iterations in batches of its concurrency (`limits.rs`: 20 by default,
//! 1–50, 1 when `Sequential`, and always 1 for a `Foreach` nested in another — Learn, "Create
//! loops…": "a nested For each action's iterations always run sequentially"). The iterations of
//! one batch all start at the same virtual instant and the batch ends when its slowest iteration
//! ends; the next batch starts then. Inside a batch the emulator still runs iterations one after
//! the other (document order), so variable updates interleave in iteration order — Azure gives
//! no order there, which is why it asks for sequential loops around variables (docs/fidelity.md).
//!
//! `Until` runs its actions, then checks its condition, at most `limit.count` times and until
//! `limit.timeout` of virtual time has passed since it started; it ends as its last iteration
//! did (Learn: "If any action fails in the last iteration of the Until loop, the entire Until
//! loop is marked as Failed"; earlier iterations' failures do not fail it).

use serde_json::Value;

use super::errors::{ActionError, action_failed};
use super::{Runner, nested};
use crate::limits::{foreach_concurrency, until_count, until_timeout_ms};

pub(crate) use crate::limits::refusal;

impl Runner<'_> {
    pub(crate) fn foreach(
        &mut self,
        name: &str,
        action: &Value,
        inner: &[&str],
    ) -> Option<ActionError> {
        let items = match self.evaluate(action.get("foreach").unwrap_or(&Value::Null), name) {
            Ok(Value::Array(items)) => items,
            Ok(other) => {
                return Some(super::errors::invalid_template(
                    name,
                    "foreach",
                    &format!(
                        "The template language expression of 'foreach' must evaluate to an array, not {}.",
                        kind(&other)
                    ),
                ));
            }
            Err(e) => return Some(e.into_action_error(name, "foreach")),
        };
        let actions = nested(action, "actions");
        let concurrency = if self.foreach_depth > 0 {
            1
        } else {
            foreach_concurrency(action).max(1) as usize
        };
        let outer_iteration = self.iteration;
        let mut failed = false;
        self.foreach_depth += 1;
        for (batch_index, batch) in items.chunks(concurrency).enumerate() {
            let batch_start = self.cursor;
            let mut batch_end = batch_start;
            for (offset, item) in batch.iter().enumerate() {
                if self.stop.is_some() {
                    break;
                }
                let i = (batch_index * concurrency + offset) as u32;
                self.cursor = batch_start;
                self.items.push((name.to_owned(), item.clone()));
                self.iteration = Some(i);
                self.loops.push((name.to_owned(), i));
                failed |= self.run_level(&actions, inner).is_some();
                self.loops.pop();
                self.items.pop();
                batch_end = batch_end.max(self.cursor);
            }
            self.cursor = batch_end;
        }
        self.foreach_depth -= 1;
        self.iteration = outer_iteration;
        failed.then(action_failed)
    }

    pub(crate) fn until(
        &mut self,
        name: &str,
        action: &Value,
        inner: &[&str],
    ) -> Option<ActionError> {
        let limit = until_count(action);
        let timeout = until_timeout_ms(action);
        let start = self.cursor;
        let actions = nested(action, "actions");
        let expression = action.get("expression").unwrap_or(&Value::Null);
        let outer_iteration = self.iteration;
        let mut failure = None;
        for i in 0..limit {
            if self.stop.is_some() {
                break;
            }
            self.iteration = Some(i as u32);
            self.loops.push((name.to_owned(), i as u32));
            failure = self.run_level(&actions, inner).map(|_| action_failed());
            let done = self.condition(expression, name);
            self.loops.pop();
            match done {
                Ok(true) => break,
                Ok(false) => {}
                Err(e) => {
                    failure = Some(e.into_action_error(name, "expression"));
                    break;
                }
            }
            // The timeout counts for the whole loop, checked between iterations.
            if self.cursor.millis() - start.millis() >= timeout {
                break;
            }
        }
        self.iteration = outer_iteration;
        failure
    }

    pub(crate) fn switch(
        &mut self,
        name: &str,
        action: &Value,
        inner: &[&str],
    ) -> Option<ActionError> {
        let value = match self.evaluate(action.get("expression").unwrap_or(&Value::Null), name) {
            Ok(v) => v,
            Err(e) => return Some(e.into_action_error(name, "expression")),
        };
        let cases = action.get("cases").and_then(Value::as_object);
        let chosen = cases
            .and_then(|cases| {
                cases
                    .values()
                    .find(|case| case.get("case").is_some_and(|c| same(c, &value)))
            })
            .or_else(|| action.get("default"));
        let actions = chosen.map(|c| nested(c, "actions")).unwrap_or_default();
        self.run_level(&actions, inner).map(|_| action_failed())
    }
}

fn same(case: &Value, value: &Value) -> bool {
    case == value || slotdrill_wdl::eval::to_text(case) == slotdrill_wdl::eval::to_text(value)
}

/// A JSON type in Azure's words.
pub(crate) use slotdrill_wdl::functions::kind;
