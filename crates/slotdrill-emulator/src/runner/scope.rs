//! Expressions at run time: the workflow chapter's functions (`workflow_fns.rs`), `appsetting`,
//! the shared builtins of the wdl crate and `@{…}` interpolation, with the virtual clock
//! (`utcNow`) and the run's seeded generator (`rand`, `guid`) lent through the `Scope` hooks.
//! Conditions come as an expression string or as the designer's object form
//! (`{"and": [{"equals": [a, b]}]}`). A failure becomes Azure's `InvalidTemplate`.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;
use slotdrill_model::Timestamp;
use slotdrill_wdl::eval::{EvalError, Scope, eval_wdl_string};
use slotdrill_wdl::expr::Expr;
use slotdrill_wdl::{Document, WdlError, Workflow};

use super::errors::{ActionError, inner_message, invalid_template};
use super::{Done, Runner};
use crate::logic_app::LogicApp;
use crate::run::RunAction;

/// Milliseconds from the Unix epoch to virtual time 0 (2026-01-01T00:00:00Z, `clock.rs`).
const EPOCH_MILLIS: i64 = 20_454 * 86_400_000;

/// What run-time expressions can see.
pub(crate) struct RuntimeScope<'a> {
    pub(crate) doc: &'a Document,
    pub(crate) workflow: &'a Workflow,
    pub(crate) logic_app: &'a LogicApp,
    pub(crate) subscription: &'a str,
    pub(crate) trigger: &'a Value,
    pub(crate) results: &'a HashMap<String, Done>,
    pub(crate) records: &'a [RunAction],
    pub(crate) variables: &'a BTreeMap<String, Value>,
    pub(crate) items: &'a [(String, Value)],
    pub(crate) loops: &'a [(String, u32)],
    pub(crate) run: &'a str,
    pub(crate) run_start: Timestamp,
    pub(crate) now: Timestamp,
    pub(crate) current: Option<&'a str>,
    pub(crate) random: &'a mut u64,
}

impl Scope for RuntimeScope<'_> {
    fn call(&mut self, name: &str, args: &[Value], _: &Expr) -> Option<Result<Value, EvalError>> {
        let lower = name.to_ascii_lowercase();
        if lower == "appsetting" {
            let first = args.first().and_then(Value::as_str).unwrap_or_default();
            return Some(match self.logic_app.app_settings.get(first) {
                Some(value) => Ok(Value::String(value.clone())),
                None => Err(EvalError::Other(format!(
                    "The app setting '{first}' is not set."
                ))),
            });
        }
        self.workflow_function(&lower, name, args)
    }

    fn now_millis(&mut self) -> Option<i64> {
        Some(EPOCH_MILLIS + i64::try_from(self.now.millis()).unwrap_or(i64::MAX - EPOCH_MILLIS))
    }

    fn next_random(&mut self) -> Option<u64> {
        // SplitMix64 over the run's own state: same seed and run name, same numbers.
        *self.random = self.random.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *self.random;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Some(z ^ (z >> 31))
    }
}

/// Why an expression or condition could not be evaluated at run time.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum ExpressionError {
    /// The Logic App's workflow is not in its own document (a document changed under it).
    #[error(transparent)]
    Workflow(#[from] WdlError),
    /// The evaluator failed (unknown function, bad arguments, malformed text, a missing value).
    #[error("{}", inner_message(.0))]
    Eval(EvalError),
    /// A designer-form comparison (`equals`, `greater`, …) the runner cannot decide.
    #[error("The template language function '{op}' cannot compare {values}.")]
    Comparison {
        /// The comparison's key as written (`equals`, `greaterOrEquals`, …).
        op: String,
        /// Its evaluated operands, as a JSON array.
        values: Value,
    },
    /// The condition evaluated to something other than a boolean or `"true"`/`"false"`.
    #[error("The expression evaluated to {0}, which is not a boolean.")]
    NotABoolean(Value),
}

impl ExpressionError {
    /// Azure's `InvalidTemplate` for this error in `part` of `action`.
    pub(crate) fn into_action_error(self, action: &str, part: &str) -> ActionError {
        invalid_template(action, part, &self.to_string())
    }
}

impl Runner<'_> {
    /// Evaluates every expression inside `value` (strings, recursively).
    pub(crate) fn evaluate(
        &mut self,
        value: &Value,
        _action: &str,
    ) -> Result<Value, ExpressionError> {
        let workflow = self
            .logic_app
            .document
            .workflow(Some(&self.logic_app.workflow))?;
        let mut scope = RuntimeScope {
            doc: &self.logic_app.document,
            workflow,
            logic_app: &self.logic_app,
            subscription: self.state.estate().subscription(),
            trigger: &self.trigger_body,
            results: &self.results,
            records: &self.records,
            variables: &self.variables,
            items: &self.items,
            loops: &self.loops,
            run: &self.run_name,
            run_start: self.run_start,
            now: self.cursor,
            current: self.current.as_deref(),
            random: &mut self.random,
        };
        deep(value, &mut scope).map_err(ExpressionError::Eval)
    }

    /// Evaluates the inputs of `action`; a failure is Azure's `InvalidTemplate` on its inputs.
    pub(crate) fn inputs_of(&mut self, action: &str, raw: &Value) -> Result<Value, ActionError> {
        self.evaluate(raw, action)
            .map_err(|e| e.into_action_error(action, "inputs"))
    }

    /// Evaluates a condition (`If`, `Until`).
    pub(crate) fn condition(
        &mut self,
        expression: &Value,
        action: &str,
    ) -> Result<bool, ExpressionError> {
        match expression {
            Value::Object(map) if map.len() == 1 => {
                let Some((op, operand)) = map.iter().next() else {
                    return Ok(false);
                };
                let list = || operand.as_array().cloned().unwrap_or_default();
                match op.to_ascii_lowercase().as_str() {
                    "and" => list()
                        .iter()
                        .try_fold(true, |acc, c| Ok(acc & self.condition(c, action)?)),
                    "or" => list()
                        .iter()
                        .try_fold(false, |acc, c| Ok(acc | self.condition(c, action)?)),
                    "not" => Ok(!self.condition(operand, action)?),
                    comparison => {
                        let values = self.evaluate(&Value::Array(list()), action)?;
                        let values = values.as_array().cloned().unwrap_or_default();
                        compare(comparison, &values).ok_or_else(|| ExpressionError::Comparison {
                            op: op.clone(),
                            values: Value::Array(values),
                        })
                    }
                }
            }
            other => match self.evaluate(other, action)? {
                Value::Bool(b) => Ok(b),
                Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
                Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
                value => Err(ExpressionError::NotABoolean(value)),
            },
        }
    }
}

fn deep(value: &Value, scope: &mut RuntimeScope<'_>) -> Result<Value, EvalError> {
    Ok(match value {
        Value::String(s) => eval_wdl_string(s, scope)?,
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| deep(v, scope))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), deep(v, scope)?)))
                .collect::<Result<_, EvalError>>()?,
        ),
        other => other.clone(),
    })
}

/// A designer-form comparison (`{"less": [a, b]}`) is the function of that name applied to its
/// operands, so it has the function's semantics (ordinal strings, null as "", …); `None` when
/// the function refuses them or is not a comparison.
fn compare(op: &str, values: &[Value]) -> Option<bool> {
    if !matches!(
        op,
        "equals"
            | "contains"
            | "startswith"
            | "endswith"
            | "greater"
            | "greaterorequals"
            | "less"
            | "lessorequals"
    ) {
        return None;
    }
    let call = Expr::Call {
        name: op.to_owned(),
        args: values.iter().cloned().map(Expr::Literal).collect(),
    };
    match slotdrill_wdl::eval::eval(&call, &mut slotdrill_wdl::eval::NoScope) {
        Ok(Value::Bool(b)) => Some(b),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(now: Timestamp, seed: u64, run: &str, draws: usize) -> (Option<i64>, Vec<u64>) {
        let definition = serde_json::json!({ "triggers": {}, "actions": {} });
        let doc = Document::from_value("probe.json", "probe", definition, None).expect("doc");
        let workflow = doc.workflow(None).expect("workflow").clone();
        let logic_app = LogicApp::new("probe", doc.clone(), workflow.name.clone(), 1, Vec::new());
        let (results, variables) = (HashMap::new(), BTreeMap::new());
        let mut random = super::super::seed_for(seed, run);
        let mut scope = RuntimeScope {
            doc: &doc,
            workflow: &workflow,
            logic_app: &logic_app,
            subscription: "sub",
            trigger: &Value::Null,
            results: &results,
            records: &[],
            variables: &variables,
            items: &[],
            loops: &[],
            run,
            run_start: Timestamp(0),
            now,
            current: None,
            random: &mut random,
        };
        let randoms = (0..draws).filter_map(|_| scope.next_random()).collect();
        (scope.now_millis(), randoms)
    }

    #[test]
    fn now_is_the_virtual_clock_from_its_epoch() {
        // 2026-01-01T00:00:01.500Z.
        assert_eq!(
            probe(Timestamp(1_500), 1, "r", 0).0,
            Some(1_767_225_601_500)
        );
    }

    #[test]
    fn random_numbers_follow_the_estate_seed_and_the_run_name() {
        let (_, a) = probe(Timestamp(0), 7, "08585000000000000001", 3);
        let (_, b) = probe(Timestamp(0), 7, "08585000000000000001", 3);
        let (_, other_run) = probe(Timestamp(0), 7, "08585000000000000002", 3);
        let (_, other_seed) = probe(Timestamp(0), 8, "08585000000000000001", 3);
        assert_eq!(a, b);
        assert_eq!(a.len(), 3);
        assert_ne!(a[0], a[1]);
        assert_ne!(a, other_run);
        assert_ne!(a, other_seed);
    }
}
