//! HTML reports: self-contained pages (inline CSS and SVG, no JavaScript, nothing fetched), so
//! they open from disk or as a CI attachment. A drill reads as a story: a timeline of success
//! rates with markers for deploys, swaps, faults, the rollback and the restore; the slot map
//! before and after, with callers drawn as arrows; the diagnosis, the plan and the journal;
//! every expectation. Every chart has a text alternative, pass and fail are said in words as well
//! as colour, and the pages print legibly.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::report::{AppMap, DrillReport, RunReport};

mod failed_runs;
pub use failed_runs::failed_runs;

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

/// The step (1-based) a function call at `at_ms` belongs to: the last step that started at or
/// before it, and among steps that started at that same instant the last `run` or `call` (a
/// rollback and the runs after it can share a virtual instant; the calls are the runs').
fn step_of(drill: &DrillReport, at_ms: u64) -> usize {
    let started: Vec<_> = drill.steps.iter().filter(|s| s.at_ms <= at_ms).collect();
    let Some(last) = started.last() else {
        return 1;
    };
    started
        .iter()
        .rev()
        .take_while(|s| s.at_ms == last.at_ms)
        .find(|s| s.kind == "run" || s.kind == "call")
        .map_or(last.index, |s| s.index)
}

/// Success rates per Logic App and per function, one point per step that had runs or calls:
/// `(step, succeeded, of)`. The axis is the drill's steps, not virtual time: a rollback and
/// everything after it can share one virtual instant, which a time axis would collapse.
pub fn series(drill: &DrillReport) -> BTreeMap<String, Vec<(u64, u32, u32)>> {
    let mut raw: BTreeMap<String, BTreeMap<usize, (u32, u32)>> = BTreeMap::new();
    for run in &drill.runs {
        let entry = raw
            .entry(format!("logic:{}", run.logic_app))
            .or_default()
            .entry(run.step)
            .or_default();
        entry.0 += u32::from(run.succeeded);
        entry.1 += 1;
    }
    let by_index = drill.call_steps.len() == drill.timeline.len();
    for (index, call) in drill
        .timeline
        .iter()
        .enumerate()
        .filter(|(_, c)| c.caller.as_deref() != Some("slotdrill/probe"))
    {
        let (Some(served), Some(function)) = (&call.served_by, &call.function) else {
            continue;
        };
        let entry = raw
            .entry(format!("function:{}/{function}", served.app))
            .or_default()
            .entry(if by_index {
                drill.call_steps[index]
            } else {
                step_of(drill, call.at.millis())
            })
            .or_default();
        entry.0 += u32::from(call.status < 400);
        entry.1 += 1;
    }
    raw.into_iter()
        .map(|(name, steps)| {
            (
                name,
                steps
                    .into_iter()
                    .map(|(step, (ok, n))| (step as u64, ok, n))
                    .collect(),
            )
        })
        .collect()
}

/// A series' name in Azure's words: `logic:order-flow` is "Logic App order-flow runs",
/// `function:orders/SendInvoice` is "function orders/SendInvoice calls".
pub fn series_label(id: &str) -> String {
    if let Some(name) = id.strip_prefix("logic:") {
        format!("Logic App {name} runs")
    } else if let Some(name) = id.strip_prefix("function:") {
        format!("function {name} calls")
    } else {
        id.to_owned()
    }
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

const COLOURS: [&str; 8] = [
    "#0969da", "#bf3989", "#1a7f37", "#9a6700", "#8250df", "#cf222e", "#116329", "#57606a",
];
const DASHES: [&str; 4] = ["", "6 3", "2 3", "8 3 2 3"];

/// A series' lines: solid between points of consecutive steps; across steps that ran nothing
/// of the series, a thin line that holds the last rate and rises or falls at the next point,
/// because a straight diagonal would draw rates that no step measured.
fn series_lines(points: &[(u64, u32, u32)], coords: &[String], colour: &str, dash: &str) -> String {
    let mut out = String::new();
    let mut run: Vec<&str> = Vec::new();
    let flush = |run: &mut Vec<&str>, out: &mut String| {
        if run.len() > 1 {
            let _ = write!(
                out,
                "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" stroke-dasharray=\"{dash}\" points=\"{}\"/>",
                run.join(" ")
            );
        }
        run.clear();
    };
    for (i, coord) in coords.iter().enumerate() {
        if i > 0 && points[i].0 != points[i - 1].0 + 1 {
            flush(&mut run, &mut out);
            let (x0, y0) = coords[i - 1].split_once(',').unwrap_or(("0", "0"));
            let (x1, y1) = coord.split_once(',').unwrap_or(("0", "0"));
            let _ = write!(
                out,
                "<polyline class=\"quiet\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1\" stroke-opacity=\"0.45\" stroke-dasharray=\"{dash}\" points=\"{x0},{y0} {x1},{y0} {x1},{y1}\"/>"
            );
        }
        run.push(coord);
    }
    flush(&mut run, &mut out);
    out
}

fn timeline(drill: &DrillReport, n: usize) -> String {
    let (width, height, left, top, plot_w, plot_h) = (900.0, 330.0, 50.0, 70.0, 820.0, 210.0);
    // One column per step; a point sits in its step's column, a marker on its step's left edge.
    let columns = drill.steps.len().max(1) as f64;
    let x = |step: u64| left + ((step as f64 - 0.5) / columns).clamp(0.0, 1.0) * plot_w;
    let edge = |step: usize| left + ((step as f64 - 1.0) / columns).clamp(0.0, 1.0) * plot_w;
    let y = |rate: f64| top + (1.0 - rate) * plot_h;
    let all = series(drill);
    let markers: Vec<_> = drill
        .steps
        .iter()
        .filter(|s| MARKER_KINDS.contains(&s.kind.as_str()))
        .collect();
    let mut svg = format!(
        "<figure class=\"timeline\"><svg viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"tl-{n}-title tl-{n}-desc\" data-series-count=\"{}\" data-marker-count=\"{}\">\
<title id=\"tl-{n}-title\">Success rate per step</title><desc id=\"tl-{n}-desc\">{} series and {} markers; a thin line holds a series' rate over steps that ran none of it; the table below holds the same data.</desc>",
        all.len(),
        markers.len(),
        all.len(),
        markers.len()
    );
    for tick in 0..=4 {
        let rate = f64::from(tick) / 4.0;
        let _ = write!(
            svg,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#d0d7de\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}%</text>",
            left + plot_w,
            y(rate),
            y(rate),
            left - 6.0,
            y(rate) + 4.0,
            tick * 25
        );
    }
    // Step numbers along the axis (every step up to 30, then every fifth), and the virtual time
    // the drill ended at: the axis is steps, time is in the table and the step list.
    let every = if drill.steps.len() > 30 { 5 } else { 1 };
    for step in drill
        .steps
        .iter()
        .filter(|s| s.index % every == 0 || s.index == 1)
    {
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
            x(step.index as u64),
            top + plot_h + 14.0,
            step.index
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">step (drill ended at {:.1} s of virtual time)</text>",
        left + plot_w,
        top + plot_h + 30.0,
        drill.virtual_ms as f64 / 1000.0
    );
    for (i, marker) in markers.iter().enumerate() {
        let mx = edge(marker.index);
        // Labels of markers close together stack; near the right edge they go left of the line.
        let row = markers[..i]
            .iter()
            .filter(|m| (edge(m.index) - mx).abs() < 60.0)
            .count();
        let (label_x, anchor) = if mx > left + plot_w * 0.7 {
            (mx - 2.0, "end")
        } else {
            (mx + 2.0, "start")
        };
        let _ = write!(
            svg,
            "<g class=\"marker\" data-kind=\"{}\" data-step=\"{}\" data-at-ms=\"{}\"><line x1=\"{mx:.1}\" x2=\"{mx:.1}\" y1=\"{}\" y2=\"{}\" stroke=\"#57606a\" stroke-dasharray=\"4 3\"/><text x=\"{label_x:.1}\" y=\"{}\" font-size=\"10\" text-anchor=\"{anchor}\">{} {}</text></g>",
            marker.kind,
            marker.index,
            marker.at_ms,
            top - 4.0,
            top + plot_h,
            12.0 + (row % 5) as f64 * 11.0,
            marker.index,
            esc(&marker.kind)
        );
    }
    let mut legend = String::from("<figcaption class=\"legend\">");
    for (i, (name, points)) in all.iter().enumerate() {
        let (colour, dash) = (COLOURS[i % COLOURS.len()], DASHES[i % DASHES.len()]);
        let coords: Vec<String> = points
            .iter()
            .map(|(t, ok, n)| format!("{:.1},{:.1}", x(*t), y(f64::from(*ok) / f64::from(*n))))
            .collect();
        let _ = write!(
            svg,
            "<g class=\"series\" data-series=\"{}\" data-points=\"{}\">{}",
            esc(name),
            points.len(),
            series_lines(points, &coords, colour, dash)
        );
        for c in &coords {
            let (cx, cy) = c.split_once(',').unwrap_or(("0", "0"));
            let _ = write!(
                svg,
                "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"3\" fill=\"{colour}\"/>"
            );
        }
        svg.push_str("</g>");
        let _ = write!(
            legend,
            "<span><svg width=\"28\" height=\"8\" aria-hidden=\"true\"><line x1=\"0\" x2=\"28\" y1=\"4\" y2=\"4\" stroke=\"{colour}\" stroke-width=\"2\" stroke-dasharray=\"{dash}\"/></svg> {}</span>",
            esc(&series_label(name))
        );
    }
    svg.push_str("</svg>");
    legend.push_str("</figcaption>");
    let mut table = String::from(
        "<details><summary>Chart data</summary><table><thead><tr><th>Series</th><th>Step</th><th>Succeeded</th><th>Of</th></tr></thead><tbody>",
    );
    for (name, points) in &all {
        for (step, ok, total) in points {
            let _ = write!(
                table,
                "<tr><td>{}</td><td>{step}</td><td>{ok}</td><td>{total}</td></tr>",
                esc(&series_label(name))
            );
        }
    }
    for marker in &markers {
        let _ = write!(
            table,
            "<tr><td>marker: step {} {}</td><td>{} ({:.1} s)</td><td colspan=\"2\">{}</td></tr>",
            marker.index,
            esc(&marker.kind),
            marker.index,
            marker.at_ms as f64 / 1000.0,
            esc(&marker.summary)
        );
    }
    table.push_str("</tbody></table></details>");
    format!("{svg}{legend}{table}</figure>\n")
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
