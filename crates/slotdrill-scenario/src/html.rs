//! HTML reports: self-contained pages (inline CSS and SVG, no JavaScript, nothing fetched), so
//! they open from disk or as a CI attachment. A drill reads as a story: a timeline of success
//! rates with markers for deploys, swaps, faults, the rollback and the restore; the slot map
//! before and after, with callers drawn as arrows; the diagnosis, the plan and the journal;
//! every expectation. Every chart has a text alternative, pass and fail are said in words as well
//! as colour, and the pages print legibly.

use std::fmt::Write as _;

use crate::report::{AppMap, DrillReport, RunReport};

mod failed_runs;
mod timeline;
pub use failed_runs::failed_runs;
use timeline::timeline;
pub use timeline::{series, series_label};

/// Step kinds drawn as markers on the timeline.
pub const MARKER_KINDS: [&str; 10] = [
    "deploy",
    "swap",
    "swap_preview",
    "swap_complete",
    "swap_cancel",
    "auto_swap",
    "routing",
    "fault",
    "rollback",
    "restore",
];

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1000px;color:#1b1f24;padding:0 1rem}\
h1{font-size:1.6rem}h2{font-size:1.3rem;margin-top:2.5rem;border-top:2px solid #d0d7de;padding-top:1rem}h3{font-size:1.05rem;margin-bottom:.3rem}\
.pass{color:#116329}.fail{color:#a40e26}.muted{color:#57606a}table{border-collapse:collapse;width:100%;margin:.5rem 0}\
td,th{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f6f8fa}\
pre{background:#f6f8fa;padding:.75rem;overflow-x:auto;white-space:pre-wrap}figure{margin:1rem 0}svg{max-width:100%;height:auto}\
.legend span{display:inline-block;margin-right:1rem}.maps{display:flex;gap:1rem;flex-wrap:wrap}.maps figure{flex:1 1 420px}\
@media print{body{margin:0;max-width:none}details{display:block}details>*{display:block}h2{page-break-before:always}}";

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        esc(title)
    )
}

fn verdict(passed: bool) -> &'static str {
    if passed {
        "<span class=\"pass\">✓ PASS</span>"
    } else {
        "<span class=\"fail\">✗ FAIL</span>"
    }
}

fn plan_mode(drill: &DrillReport) -> String {
    drill.plans.last().map_or_else(
        || "no rollback".to_owned(),
        |p| p.decision.label().to_owned(),
    )
}

fn counts(report: &RunReport) -> String {
    let s = &report.summary;
    let invalid = if s.invalid > 0 {
        format!(
            ", <span class=\"count-invalid fail\">{}</span> invalid",
            s.invalid
        )
    } else {
        String::new()
    };
    format!(
        "<p class=\"counts\">{}: <span class=\"count-passed\">{}</span> passed, <span class=\"count-failed\">{}</span> failed{invalid}; {} expectations, <span class=\"count-broken\">{}</span> broken.</p>\n",
        crate::report::counted(s.drills, "drill"),
        s.passed,
        s.failed,
        s.expectations,
        s.broken
    )
}

/// One page holding every drill of a run, with a summary table first.
pub fn page(report: &RunReport) -> String {
    let mut out = head("slotdrill report");
    out.push_str("<h1>slotdrill drill report</h1>\n");
    out.push_str(&counts(report));
    let links: Vec<String> = (0..report.drills.len())
        .map(|i| format!("#drill-{}", i + 1))
        .collect();
    out.push_str(&index_table(report, &links));
    for (i, drill) in report.drills.iter().enumerate() {
        out.push_str(&section(drill, i + 1));
    }
    out.push_str("</body></html>\n");
    out
}

/// A page for one drill.
pub fn drill_page(drill: &DrillReport) -> String {
    let mut out = head(&drill.name);
    out.push_str("<p><a href=\"index.html\">← all drills</a></p>\n");
    out.push_str(&section(drill, 1));
    out.push_str("</body></html>\n");
    out
}

/// The index of a directory of drill pages; `links[i]` is drill i's page.
pub fn index_page(report: &RunReport, links: &[String]) -> String {
    let mut out = head("slotdrill drills");
    out.push_str("<h1>slotdrill drills</h1>\n");
    out.push_str(&counts(report));
    out.push_str(&index_table(report, links));
    out.push_str("</body></html>\n");
    out
}

fn index_table(report: &RunReport, links: &[String]) -> String {
    let mut out = String::from(
        "<table class=\"index\"><thead><tr><th>Status</th><th>Drill</th><th>Virtual time</th><th>Plan</th></tr></thead><tbody>\n",
    );
    for (drill, link) in report.drills.iter().zip(links) {
        let _ = writeln!(
            out,
            "<tr data-passed=\"{}\"><td>{}</td><td><a href=\"{}\">{}</a><br><span class=\"muted\">{}</span></td><td>{:.1} s</td><td>{}</td></tr>",
            drill.passed,
            verdict(drill.passed),
            esc(link),
            esc(&drill.name),
            esc(&drill.file),
            drill.virtual_ms as f64 / 1000.0,
            esc(&plan_mode(drill))
        );
    }
    // Files that could not be run are rows too: a directory with a broken file never reads as
    // all passed.
    for invalid in &report.invalid {
        let _ = writeln!(
            out,
            "<tr class=\"invalid\" data-passed=\"false\"><td><span class=\"fail\">✗ INVALID</span></td><td>{}<br><span class=\"muted\">{}</span></td><td>–</td><td>not run</td></tr>",
            esc(&invalid.file),
            esc(&invalid.located())
        );
    }
    out.push_str("</tbody></table>\n");
    out
}

fn section(drill: &DrillReport, n: usize) -> String {
    let mut out = String::new();
    let held = drill.expectations.iter().filter(|e| e.passed).count();
    let _ = writeln!(
        out,
        "<section class=\"drill\" id=\"drill-{n}\" data-passed=\"{}\" data-expectations=\"{}\" data-expectations-passed=\"{held}\">",
        drill.passed,
        drill.expectations.len()
    );
    let _ = writeln!(
        out,
        "<h2>{} — {}</h2>",
        verdict(drill.passed),
        esc(&drill.name)
    );
    let _ = writeln!(
        out,
        "<p class=\"muted\">{} · seed {} · {:.1} s of virtual time · {} function calls · plan: {}</p>",
        esc(&drill.file),
        drill.seed,
        drill.virtual_ms as f64 / 1000.0,
        drill.timeline.len(),
        esc(&plan_mode(drill))
    );
    out.push_str(&timeline(drill, n));
    out.push_str("<div class=\"maps\">");
    out.push_str(&slot_map(
        &drill.before,
        &format!("map-{n}-before"),
        "Slots and callers before",
    ));
    out.push_str(&slot_map(
        &drill.after,
        &format!("map-{n}-after"),
        "Slots and callers after",
    ));
    out.push_str("</div>\n");
    out.push_str(&expectations(drill));
    out.push_str(&failed_runs(drill));
    out.push_str(&diagnosis(drill));
    for plan in &drill.plans {
        let _ = writeln!(
            out,
            "<h3>Plan</h3><pre class=\"plan\">{}</pre>",
            esc(&plan.to_string())
        );
    }
    out.push_str(&journal(drill));
    out.push_str("<h3>Steps</h3><ol class=\"steps\">\n");
    for step in &drill.steps {
        let broken = drill
            .expectations
            .iter()
            .any(|e| e.step == step.index && !e.passed);
        let mark = if broken || step.outcome == "failed" {
            "<span class=\"fail\">✗</span>"
        } else if step.outcome == "skipped" {
            "–"
        } else {
            "<span class=\"pass\">✓</span>"
        };
        let _ = writeln!(
            out,
            "<li data-kind=\"{}\">{mark} <span class=\"muted\">[{:.1} s]</span> {}</li>",
            step.kind,
            step.at_ms as f64 / 1000.0,
            esc(&step.summary)
        );
    }
    out.push_str("</ol>\n</section>\n");
    out
}

/// `text` escaped for SVG, cut to `max` characters with `…` when longer, the full text then in a
/// `<title>` (the browser's tooltip): long names must not run into the boxes beside them. The
/// cut is in the middle and keeps the part after the last `/` (the action, the function), which
/// tells callers of one workflow apart.
pub fn fit(text: &str, max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= max {
        return esc(text);
    }
    let tail: Vec<char> = text
        .rfind('/')
        .map(|at| text[at..].chars().collect())
        .filter(|tail: &Vec<char>| tail.len() + 8 <= max)
        .unwrap_or_default();
    let head: String = chars[..max - 1 - tail.len()].iter().collect();
    let tail: String = tail.into_iter().collect();
    format!("<title>{}</title>{}…{}", esc(text), esc(&head), esc(&tail))
}

/// Callers on the left, slots on the right, an arrow for every call; callers of a non-production
/// slot are pinned (dashed, and said in words).
fn slot_map(apps: &[AppMap], id: &str, caption: &str) -> String {
    let rows: Vec<(String, String, bool)> = apps
        .iter()
        .flat_map(|app| app.slots.iter().map(move |slot| (app, slot)))
        .flat_map(|(app, slot)| {
            let label = format!(
                "{}/{} @{}",
                app.app,
                slot.slot,
                slot.release.as_deref().unwrap_or("-")
            );
            let pinned = slot.slot != "production";
            let callers: Vec<(String, String, bool)> = slot
                .callers
                .iter()
                .map(|c| (c.clone(), label.clone(), pinned))
                .collect();
            if callers.is_empty() {
                vec![(String::new(), label, false)]
            } else {
                callers
            }
        })
        .collect();
    let slots: Vec<String> = {
        let mut seen = Vec::new();
        for (_, slot, _) in &rows {
            if !seen.contains(slot) {
                seen.push(slot.clone());
            }
        }
        seen
    };
    let callers: Vec<&(String, String, bool)> = rows.iter().filter(|r| !r.0.is_empty()).collect();
    let height = 30.0 + 28.0 * callers.len().max(slots.len()).max(1) as f64;
    let mut svg = format!(
        "<figure class=\"slot-map\" id=\"{id}\"><svg viewBox=\"0 0 460 {height}\" role=\"img\" aria-label=\"{}: {} callers, {} slots\"><defs><marker id=\"{id}-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#57606a\"/></marker></defs>",
        esc(caption),
        callers.len(),
        slots.len()
    );
    let slot_y =
        |slot: &str| 24.0 + 28.0 * slots.iter().position(|s| s == slot).unwrap_or(0) as f64;
    for slot in &slots {
        let _ = write!(
            svg,
            "<g class=\"slot\"><rect x=\"290\" y=\"{:.0}\" width=\"165\" height=\"22\" rx=\"4\" fill=\"#f6f8fa\" stroke=\"#8c959f\"/><text x=\"296\" y=\"{:.0}\" font-size=\"11\">{}</text></g>",
            slot_y(slot) - 15.0,
            slot_y(slot),
            // About 6 px a character at 11 px: 26 fit the 165 px box.
            fit(slot, 26)
        );
    }
    let mut list = String::from("<ul class=\"callers\">");
    for (i, (caller, slot, pinned)) in callers.iter().enumerate() {
        let cy = 24.0 + 28.0 * i as f64;
        let dash = if *pinned {
            " stroke-dasharray=\"5 3\""
        } else {
            ""
        };
        let label = if *pinned {
            format!("{caller} (pinned)")
        } else {
            caller.clone()
        };
        let _ = write!(
            svg,
            "<g class=\"caller{}\"><text x=\"4\" y=\"{cy:.0}\" font-size=\"11\">{}</text><line x1=\"240\" y1=\"{:.0}\" x2=\"288\" y2=\"{:.0}\" stroke=\"#57606a\"{dash} marker-end=\"url(#{id}-arrow)\"/></g>",
            if *pinned { " pinned" } else { "" },
            // 236 px before the arrow starts: 36 characters at 11 px.
            fit(&label, 36),
            cy - 4.0,
            slot_y(slot) - 4.0
        );
        let _ = write!(
            list,
            "<li>{} → {}{}</li>",
            esc(caller),
            esc(slot),
            if *pinned {
                " <strong>(pinned)</strong>"
            } else {
                ""
            }
        );
    }
    list.push_str("</ul>");
    format!(
        "{svg}</svg><figcaption>{}</figcaption><details><summary>As a list</summary>{list}</details></figure>",
        esc(caption)
    )
}

fn expectations(drill: &DrillReport) -> String {
    let mut out = String::from(
        "<h3>Expectations</h3><table class=\"expectations\"><thead><tr><th>Result</th><th>Step</th><th>Expected</th><th>Found</th></tr></thead><tbody>\n",
    );
    for e in &drill.expectations {
        let result = if e.passed {
            "<span class=\"pass\">✓ held</span>"
        } else {
            "<span class=\"fail\">✗ broken</span>"
        };
        let _ = writeln!(
            out,
            "<tr data-passed=\"{}\"><td>{result}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.passed,
            e.step,
            esc(&e.description),
            esc(&e.detail)
        );
    }
    out.push_str("</tbody></table>\n");
    out
}

fn diagnosis(drill: &DrillReport) -> String {
    let mut out = String::new();
    for diagnosis in &drill.diagnoses {
        out.push_str("<h3>Diagnosis</h3><table class=\"diagnosis\"><thead><tr><th>Function</th><th>Verdict</th><th>Evidence</th><th>Deploy slot's copy</th></tr></thead><tbody>\n");
        for v in &diagnosis.verdicts {
            let verdict = if v.faulty {
                "<span class=\"fail\">✗ faulty</span>"
            } else {
                "<span class=\"pass\">✓ healthy</span>"
            };
            let deploy = match (v.deploy_healthy, v.deploy) {
                (Some(true), Some(h)) => {
                    format!("healthy ({} of {} failed)", h.failures, h.samples)
                }
                (Some(false), Some(h)) => {
                    format!("unhealthy ({} of {} failed)", h.failures, h.samples)
                }
                (Some(false), None) => "missing".to_owned(),
                _ => "not checked".to_owned(),
            };
            let _ = writeln!(
                out,
                "<tr><td>{}/{}</td><td>{verdict}</td><td>{}</td><td>{}</td></tr>",
                esc(&v.app),
                esc(&v.function),
                esc(&v.reason),
                esc(&deploy)
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out
}

fn journal(drill: &DrillReport) -> String {
    if drill.journal.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<h3>Journal</h3><table class=\"journal\"><thead><tr><th>Step</th><th>Record</th><th>Detail</th></tr></thead><tbody>\n",
    );
    for record in &drill.journal {
        let (step, what, detail) = match record {
            slotdrill_engine::Record::Plan { plan } => (
                String::new(),
                "plan",
                format!("{} step(s)", plan.steps.len()),
            ),
            slotdrill_engine::Record::Begin { step, records, .. } => (
                (step + 1).to_string(),
                "begin",
                format!("{} action(s) to rewrite", records.len()),
            ),
            slotdrill_engine::Record::Done { step, after } => {
                ((step + 1).to_string(), "done", in_words(after))
            }
            slotdrill_engine::Record::Refused { step, error } => {
                ((step + 1).to_string(), "refused", error.to_string())
            }
            slotdrill_engine::Record::Restored { step } => {
                ((step + 1).to_string(), "restored", String::new())
            }
            slotdrill_engine::Record::Finished => (String::new(), "finished", String::new()),
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{what}</td><td>{}</td></tr>",
            esc(&step),
            esc(&detail)
        );
    }
    out.push_str("</tbody></table>\n");
    out
}

/// A journal record's JSON as `key: value; key: value` (nested objects flattened with `.`), for
/// people: the journal file keeps the JSON.
fn in_words(value: &serde_json::Value) -> String {
    fn walk(prefix: &str, value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    let name = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    walk(&name, inner, out);
                }
            }
            serde_json::Value::Array(items) => {
                let shown: Vec<String> = items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                    .collect();
                out.push(format!("{prefix}: {}", shown.join(", ")));
            }
            serde_json::Value::String(text) => out.push(format!("{prefix}: {text}")),
            serde_json::Value::Null => out.push(format!("{prefix}: none")),
            other => out.push(format!("{prefix}: {other}")),
        }
    }
    let mut parts = Vec::new();
    walk("", value, &mut parts);
    parts.join("; ")
}
