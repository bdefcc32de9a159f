//! Run history as ARM lists it (Azure/azure-rest-api-specs `Microsoft.Logic/stable/2019-05-01`
//! `logic.json`): `GET …/runs` with `$top` (a page's size, `nextLink` for the rest) and
//! `$filter` ("Options for filters include: Status, StartTime, and ClientTrackingId"); one record
//! per action under `…/runs/{run}/actions`, however many times a loop ran it; and each iteration
//! of an action inside `Foreach` or `Until` under `…/actions/{action}/repetitions`, named by its
//! zero-padded index and carrying `repetitionIndexes` (`scopeName`, `itemIndex`).

use std::collections::HashMap;

use serde_json::{Value, json};

use super::ArmRequest;
use crate::clock::{parse_rfc3339, rfc3339};
use crate::incoming::form_decode;
use crate::run::{Run, RunAction, Status, repetition_name};

/// A query parameter, its name and value decoded (`%24top`, `status%20eq%20%27Failed%27`).
fn param(request: &ArmRequest, name: &str) -> Option<String> {
    request
        .query
        .iter()
        .find(|(k, _)| form_decode(k).eq_ignore_ascii_case(name))
        .map(|(_, v)| form_decode(v))
}

/// What `$filter` can compare.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Field {
    Status,
    StartTime,
    ClientTrackingId,
}

/// One `field op value` of a `$filter` (clauses are joined by `and`).
#[derive(Debug, Clone)]
struct Clause {
    field: Field,
    op: std::cmp::Ordering,
    negated: bool,
    /// `eq`/`ne` (`op` Equal), or `ge`/`le`: the ordering also allowed.
    or_equal: bool,
    value: String,
}

/// Which runs a list answers, and from where.
pub(super) struct RunQuery {
    top: Option<usize>,
    skip: usize,
    filter: Vec<Clause>,
}

/// Reads `$top`, `$filter` and `$skiptoken`; a filter this emulator cannot read is an error
/// (Azure's answer to one is unknown, and ignoring it would return runs the caller excluded).
pub(super) fn run_query(request: &ArmRequest) -> Result<RunQuery, String> {
    let top = match param(request, "$top") {
        Some(top) => Some(
            top.trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("`$top` must be a positive integer, got `{top}`"))?,
        ),
        None => None,
    };
    let skip = param(request, "$skiptoken")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let filter = match param(request, "$filter") {
        Some(text) => parse_filter(&text)?,
        None => Vec::new(),
    };
    Ok(RunQuery { top, skip, filter })
}

fn parse_filter(text: &str) -> Result<Vec<Clause>, String> {
    let mut clauses = Vec::new();
    for part in split_and(text) {
        let mut words = part.trim().splitn(3, ' ');
        let (Some(field), Some(op), Some(value)) = (words.next(), words.next(), words.next())
        else {
            return Err(format!("cannot read the filter clause `{}`", part.trim()));
        };
        let field = match field.to_ascii_lowercase().as_str() {
            "status" => Field::Status,
            "starttime" => Field::StartTime,
            "clienttrackingid" => Field::ClientTrackingId,
            other => {
                return Err(format!(
                    "cannot filter runs by `{other}`: Status, StartTime and ClientTrackingId can be"
                ));
            }
        };
        use std::cmp::Ordering::{Equal, Greater, Less};
        let (op, negated, or_equal) = match op.to_ascii_lowercase().as_str() {
            "eq" => (Equal, false, true),
            "ne" => (Equal, true, true),
            "gt" => (Greater, false, false),
            "ge" => (Greater, false, true),
            "lt" => (Less, false, false),
            "le" => (Less, false, true),
            other => return Err(format!("unknown filter operator `{other}`")),
        };
        let value = value.trim().trim_matches('\'').to_owned();
        if field == Field::StartTime && parse_rfc3339(&value).is_none() {
            return Err(format!("`{value}` is not a UTC date-time"));
        }
        clauses.push(Clause {
            field,
            op,
            negated,
            or_equal,
            value,
        });
    }
    Ok(clauses)
}

/// Splits on ` and ` (any case) outside quotes.
fn split_and(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quoted = false;
    let words: Vec<&str> = text.split(' ').collect();
    for word in words {
        if !quoted && word.eq_ignore_ascii_case("and") {
            parts.push(String::new());
            continue;
        }
        quoted ^= word.matches('\'').count() % 2 == 1;
        if let Some(last) = parts.last_mut() {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    parts
}

impl Clause {
    fn holds(&self, run: &Run, status: Status) -> bool {
        let ordering = match self.field {
            // Status and tracking ids compare without regard to case.
            Field::Status => status
                .as_str()
                .to_ascii_lowercase()
                .cmp(&self.value.to_ascii_lowercase()),
            Field::ClientTrackingId => run
                .name
                .to_ascii_lowercase()
                .cmp(&self.value.to_ascii_lowercase()),
            Field::StartTime => match parse_rfc3339(&self.value) {
                Some(at) => run.start.cmp(&at),
                None => return false,
            },
        };
        if self.negated {
            ordering != std::cmp::Ordering::Equal
        } else {
            ordering == self.op || (self.or_equal && ordering == std::cmp::Ordering::Equal)
        }
    }
}

impl RunQuery {
    /// The page of `runs` (newest first) this query asks for, and the `$skiptoken` of the next
    /// page when there is one. `status` is a run's status as ARM shows it now.
    pub(super) fn page<'r>(
        &self,
        runs: impl Iterator<Item = &'r Run>,
        status: impl Fn(&Run) -> Status,
    ) -> (Vec<&'r Run>, Option<usize>) {
        let matching: Vec<&Run> = runs
            .filter(|run| self.filter.iter().all(|c| c.holds(run, status(run))))
            .collect();
        let size = self.top.unwrap_or(usize::MAX);
        let page: Vec<&Run> = matching
            .iter()
            .skip(self.skip)
            .take(size)
            .copied()
            .collect();
        let next = self.skip.saturating_add(size);
        (page, (next < matching.len()).then_some(next))
    }

    /// The link to the page that starts at `skip`, keeping `$top` and `$filter`.
    pub(super) fn next_link(&self, request: &ArmRequest, skip: usize) -> String {
        let mut query: Vec<String> = request
            .query
            .iter()
            .filter(|(k, _)| !form_decode(k).eq_ignore_ascii_case("$skiptoken"))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        query.push(format!("$skiptoken={skip}"));
        format!("{}{}?{}", request.base_url, request.path, query.join("&"))
    }
}

/// Every record of one action in a run (one per iteration inside loops).
fn records_of<'r>(run: &'r Run, name: &str) -> Vec<&'r RunAction> {
    run.actions
        .iter()
        .filter(|a| a.name.eq_ignore_ascii_case(name))
        .collect()
}

/// Every action of a run, each once, in the order they started (outer containers first), as
/// [`action_record`] sums it up. One pass groups the records by name: the listing used to scan
/// every record once per action name (a Foreach of 100 actions run 100 times: a million steps).
pub(super) fn action_records(run: &Run) -> Vec<RunAction> {
    // Records by name in any case (as `action_record` finds them), and each name's first
    // record as spelt, in the order names first appear.
    let mut by_name: HashMap<String, Vec<&RunAction>> = HashMap::new();
    let mut firsts: Vec<&RunAction> = Vec::new();
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    for action in &run.actions {
        by_name
            .entry(action.name.to_ascii_lowercase())
            .or_default()
            .push(action);
        match first_of.get(action.name.as_str()) {
            Some(&i) => {
                if let Some(first) = firsts.get_mut(i)
                    && action.start < first.start
                {
                    *first = action;
                }
            }
            None => {
                first_of.insert(&action.name, firsts.len());
                firsts.push(action);
            }
        }
    }
    firsts.sort_by_key(|a| {
        (
            a.start,
            a.repetition.len(),
            a.container.matches('/').count(),
        )
    });
    firsts
        .iter()
        .filter_map(|a| summed(by_name.get(&a.name.to_ascii_lowercase())?))
        .collect()
}

/// One action's record: the action itself outside loops; inside one, its iterations summed up
/// (first start, last end, and the first failed iteration's status, code and error, else the
/// last iteration's). How Azure sums them up is not documented: this is our choice.
pub(super) fn action_record(run: &Run, name: &str) -> Option<RunAction> {
    summed(&records_of(run, name))
}

/// [`action_record`] of an action's records, in the order they ran.
fn summed(records: &[&RunAction]) -> Option<RunAction> {
    let first = records.first()?;
    let last = records.last()?;
    let shown = records
        .iter()
        .find(|a| a.status.is_failure())
        .unwrap_or(last);
    Some(RunAction {
        start: first.start,
        end: records.iter().map(|a| a.end).max().unwrap_or(last.end),
        ..(*shown).clone()
    })
}

/// The iterations of an action inside loops, in the order they ran (none outside loops).
pub(super) fn repetitions<'r>(run: &'r Run, name: &str) -> Vec<(String, &'r RunAction)> {
    records_of(run, name)
        .into_iter()
        .filter_map(|a| repetition_name(a).map(|name| (name, a)))
        .collect()
}

/// One repetition as ARM renders it (`WorkflowRunActionRepetitionDefinition`).
pub(super) fn repetition(action_id: &str, kind: &str, name: &str, action: &RunAction) -> Value {
    let indexes: Vec<Value> = action
        .repetition
        .iter()
        .map(|(scope, index)| json!({ "scopeName": scope, "itemIndex": index }))
        .collect();
    json!({
        "id": format!("{action_id}/repetitions/{name}"),
        "name": name,
        "type": kind,
        "properties": {
            "repetitionIndexes": indexes,
            "startTime": rfc3339(action.start),
            "endTime": rfc3339(action.end),
            "status": action.status,
            "code": action.code,
            "error": action.error.as_ref().map(|m| json!({ "code": action.code, "message": m })),
            "correlation": { "actionTrackingId": format!("{action_id}/{name}") },
        }
    })
}
