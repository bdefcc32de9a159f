//! The timeline of a drill's HTML page: success rates per step for each Logic App's runs and
//! each function's calls, with markers for deploys, swaps, faults, the rollback and the restore,
//! and the same data as a table.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{MARKER_KINDS, esc};
use crate::report::DrillReport;

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

pub(super) fn timeline(drill: &DrillReport, n: usize) -> String {
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
