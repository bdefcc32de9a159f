//! The *Failed runs* section of a drill's HTML page: why Logic App runs failed, in the words of
//! Azure's run history.

use std::fmt::Write as _;

use super::esc;
use crate::report::{DrillReport, failure_groups};

/// The failed Logic App runs, as Azure's run history would explain them: for each `run` step
/// and Logic App, every way runs failed (the first such run, how many more), with each action
/// that failed for a reason of its own — its container, status, code and error. Empty when no
/// run failed.
pub fn failed_runs(drill: &DrillReport) -> String {
    let groups = failure_groups(&drill.runs);
    if groups.is_empty() {
        return String::new();
    }
    let failed = drill.runs.iter().filter(|r| !r.succeeded).count();
    let mut out = format!(
        "<h3>Failed runs</h3><p class=\"muted\">{failed} of {} Logic App runs failed.</p><table class=\"failed-runs\"><thead><tr><th>Step</th><th>Logic App</th><th>Runs</th><th>Failed action</th><th>Status</th><th>Code</th><th>Error</th></tr></thead><tbody>\n",
        drill.runs.len()
    );
    for group in groups {
        let run = group.first;
        let runs = if group.runs > 1 {
            format!(
                "{} <span class=\"muted\">and {} more the same way</span>",
                esc(&run.run),
                group.runs - 1
            )
        } else {
            esc(&run.run)
        };
        let rows = run.actions.len().max(1);
        let _ = write!(
            out,
            "<tr data-step=\"{}\" data-runs=\"{}\"><td rowspan=\"{rows}\">{}</td><td rowspan=\"{rows}\">{}</td><td rowspan=\"{rows}\">{runs}</td>",
            run.step,
            group.runs,
            run.step,
            esc(&run.logic_app)
        );
        if run.actions.is_empty() {
            let _ = writeln!(
                out,
                "<td>—</td><td class=\"fail\">{}</td><td></td><td>{}</td></tr>",
                esc(&run.status),
                esc(run.error.as_deref().unwrap_or_default())
            );
        }
        for (i, action) in run.actions.iter().enumerate() {
            if i > 0 {
                out.push_str("<tr>");
            }
            let inside = if action.container.is_empty() {
                String::new()
            } else {
                format!(
                    " <span class=\"muted\">in {}</span>",
                    esc(&action.container)
                )
            };
            let _ = writeln!(
                out,
                "<td>{}{inside}</td><td class=\"fail\">✗ {}</td><td>{}</td><td>{}</td></tr>",
                esc(&action.label()),
                esc(&action.status),
                esc(&action.code),
                esc(&action.reason_detail())
            );
        }
    }
    out.push_str("</tbody></table>\n");
    out
}
