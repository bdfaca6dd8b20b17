//! "Against REV": this tree's figures beside those of an earlier commit measured in the same
//! run (`cargo xtask bench --baseline REV`), each pair back to back, with the ratio and a
//! verdict.
//!
//! Every figure is a list of pairs (this tree, the earlier commit), one per round, page
//! load or run, measured back to back in the same browser session, which of the two goes
//! first alternating from one pair to the next (a fixed order biases the costs). A pair's
//! "cost" is this tree's figure over the earlier one's (the inverse for a figure where more
//! is better, such as a speed-up), so above 1 is worse. The verdict: **no worse** when the
//! median cost is at most 1; **no worse (within the run's spread)** when it is above 1 but
//! at least a quarter of the pairs cost at most 1 (the lower quartile); **worse**
//! otherwise. A figure measured once on each side has no spread: it is no worse within
//! 10 %.

use std::fmt::Write as _;

use super::browser::BigRun;

use serde_json::Value;

use super::console_pool::{intervals, over, p95, Figures, DROPPED_MS};
use super::measure::{group, median};
use super::report::{kb, one_line, Results};

/// The heading that follows this section.
const NEXT: &str = "\n## Throughput";

/// Puts `section` into the results file after the goals (at the end when there is no
/// throughput section).
pub fn after_goals(text: &str, section: &str) -> String {
    if section.is_empty() {
        return text.to_owned();
    }
    match text.find(NEXT) {
        Some(at) => format!("{}{section}{}", &text[..=at], &text[at + 1..]),
        None => format!("{text}\n{section}"),
    }
}

/// One compared figure.
struct Figure {
    what: String,
    unit: Unit,
    /// (this tree, the earlier commit), measured back to back.
    pairs: Vec<(f64, f64)>,
    more_is_better: bool,
}

#[derive(Clone, Copy)]
enum Unit {
    Ms,
    Ms3,
    Seconds,
    Times,
    Count,
    MiB,
}

impl Unit {
    fn show(self, x: f64) -> String {
        match self {
            Unit::Ms => format!("{x:.1} ms"),
            Unit::Ms3 => format!("{x:.3} ms"),
            Unit::Seconds => format!("{:.2} s", x / 1000.0),
            Unit::Times => format!("{x:.2}x"),
            Unit::Count => format!("{x:.0}"),
            Unit::MiB => format!("{:.0} MiB", x / 1024.0),
        }
    }
}

impl Figure {
    fn new(what: impl Into<String>, unit: Unit, pairs: Vec<(f64, f64)>) -> Self {
        Figure {
            what: what.into(),
            unit,
            pairs: pairs
                .into_iter()
                .filter(|(a, b)| a.is_finite() && b.is_finite())
                .collect(),
            more_is_better: false,
        }
    }

    fn more_is_better(mut self) -> Self {
        self.more_is_better = true;
        self
    }

    /// Each pair's cost (above 1: this tree is worse); a pair of zeros costs 1.
    fn costs(&self) -> Vec<f64> {
        self.pairs
            .iter()
            .map(|&(ours, theirs)| {
                let (worse, better) = if self.more_is_better {
                    (theirs, ours)
                } else {
                    (ours, theirs)
                };
                match (worse, better) {
                    (w, b) if w == b => 1.0,
                    (_, 0.0) => f64::INFINITY,
                    (w, b) => w / b,
                }
            })
            .collect()
    }

    fn verdict(&self) -> &'static str {
        let costs = self.costs();
        match costs.len() {
            0 => "not measured",
            1 if costs[0] <= 1.0 => "no worse",
            1 if costs[0] <= 1.1 => "no worse (one sample each, within 10 %)",
            1 => "**worse**",
            _ if median(&costs) <= 1.0 => "no worse",
            _ if quartile(&costs) <= 1.0 => "no worse (within the run's spread)",
            _ => "**worse**",
        }
    }

    fn row(&self, w: &mut String) {
        let ours: Vec<f64> = self.pairs.iter().map(|p| p.0).collect();
        let theirs: Vec<f64> = self.pairs.iter().map(|p| p.1).collect();
        let costs = self.costs();
        let show = |values: &[f64]| {
            if values.is_empty() {
                "-".to_owned()
            } else {
                self.unit.show(median(values))
            }
        };
        let ratio = match (ours.is_empty(), median(&theirs)) {
            (true, _) => "-".to_owned(),
            (false, t) if t == 0.0 && median(&ours) == 0.0 => "same".to_owned(),
            (false, 0.0) => "-".to_owned(),
            (false, t) => format!("{:.2}x", median(&ours) / t),
        };
        let spread = match costs.len() {
            0 => "-".to_owned(),
            1 => "one pair".to_owned(),
            n => {
                let lo = costs.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = costs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                format!(
                    "{:.2} ({n} pairs; lower quartile {:.2}, {lo:.2}-{hi:.2})",
                    median(&costs),
                    quartile(&costs)
                )
            }
        };
        let _ = writeln!(
            w,
            "| {} | {} | {} | {ratio} | {spread} | {} |",
            self.what,
            show(&theirs),
            show(&ours),
            self.verdict()
        );
    }
}

/// How a pool figure is picked from one run (`None` where the run lacks it).
type Pick = Box<dyn Fn(&Figures, usize) -> Option<f64>>;

/// The lower quartile (nearest rank).
fn quartile(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n => sorted[(n as f64 * 0.25).ceil().max(1.0) as usize - 1],
    }
}

/// The section, or nothing when no earlier commit was measured.
pub fn markdown(results: &Results) -> String {
    let Some(rev) = &results.against_rev else {
        return String::new();
    };
    let mut md = String::new();
    let w = &mut md;
    let _ = writeln!(
        w,
        "## Against {rev}\n\n\
         `cargo xtask bench --baseline {rev}` checked {rev} out into a git worktree under \
         `target/baseline/` and built there what both trees have: the bench page's wasm \
         module (`esim-bench`'s library over that commit's `esim-csv`, built and optimised \
         as this tree's) and the console's release build (`trunk build --release`). Both \
         were measured in this run, in the same browser sessions, each measurement of {rev} \
         beside this tree's, which of the two goes first alternating from one pair to the \
         next: the two wasm modules in the same bench page, every round \
         (same bytes, same JS contenders); the console's page loads alternating; its 50 MB \
         file three times each, alternating, in a fresh browser each time; the 10,000-device pool through a second `esim-server \
         serve` (this tree's binary) on the same database, serving {rev}'s console. Not \
         compared: the native and callgrind figures and the server bench (the same native \
         code paths are measured above; {rev}'s benchmark of the server lived inside \
         `esim-server`), and the validator-only page, which {rev} does not have.\n\n\
         Cost of a pair: this tree's figure over {rev}'s (the inverse where more is better), \
         so above 1 is worse. Verdict: **no worse** when the median cost is at most 1; \
         **no worse (within the run's spread)** when it is above 1 but the lower quartile \
         of the costs is at most 1 (a quarter of the pairs or more were no worse); \
         **worse** otherwise; a figure measured once on each side is no worse within 10 %.\n"
    );
    let _ = writeln!(
        w,
        "| figure | {rev} | this tree | ratio | cost per pair (median) | verdict |\n\
         |---|---:|---:|---:|---|---|"
    );
    let figures = page(results)
        .into_iter()
        .chain(console(results))
        .chain(pool(results));
    let mut worse = Vec::new();
    for figure in figures {
        figure.row(w);
        if figure.verdict().contains("worse**") {
            worse.push(figure.what.clone());
        }
    }
    w.push('\n');
    let problems = [
        results
            .page
            .as_ref()
            .and_then(|p| p.as_ref().err())
            .cloned(),
        results
            .against_console
            .as_ref()
            .and_then(|c| c.as_ref().err())
            .map(|e| format!("{rev}'s console: {e}")),
        results
            .console_pool
            .as_ref()
            .and_then(|p| p.as_ref().ok())
            .and_then(|p| p.against.as_ref())
            .and_then(|a| a.as_ref().err())
            .map(|e| format!("{rev}'s console on the big pool: {e}")),
    ];
    for problem in problems.into_iter().flatten() {
        let _ = writeln!(w, "* Not measured: `{}`", one_line(&problem));
    }
    match &results.against_served {
        Some(Ok(pages)) => {
            let ours = match &results.served {
                Some(Ok(ours)) => ours.iter().find(|p| p.path == "/").map(|p| p.sent()),
                _ => None,
            };
            for page in pages {
                let _ = writeln!(
                    w,
                    "* The whole console as esim-server serves it (brotli): {rev} {}, this \
                     tree {} (budget {}).",
                    kb(page.sent()),
                    ours.map_or("not measured".into(), kb),
                    kb(page.budget)
                );
            }
        }
        Some(Err(error)) => {
            let _ = writeln!(
                w,
                "* {rev}'s console as served: not measured: `{}`",
                one_line(error)
            );
        }
        None => {}
    }
    let _ = writeln!(
        w,
        "* Worse than {rev} in this run: {}.\n",
        if worse.is_empty() {
            "nothing".to_owned()
        } else {
            worse.join("; ")
        }
    );
    md
}

/// The bench page: both modules in every round.
fn page(results: &Results) -> Vec<Figure> {
    let at = |round: &Value, id: &str| round[id].as_f64().unwrap_or(f64::NAN);
    let pairs = |f: &dyn Fn(&Value, &str) -> f64| -> Vec<(f64, f64)> {
        results
            .rounds
            .iter()
            .map(|r| (f(r, ""), f(r, "against_")))
            .collect()
    };
    let codes = group(results.codes);
    let mut figures = vec![
        Figure::new(
            format!("wasm validator (`esim_csv::check`), {codes} codes"),
            Unit::Ms,
            pairs(&|r, p| at(r, &format!("{p}wasm_validate"))),
        ),
        Figure::new(
            "wasm `csv` crate parse only, same file (the same code in both: the noise)",
            Unit::Ms,
            pairs(&|r, p| at(r, &format!("{p}wasm_csv_parse_only"))),
        ),
        Figure::new(
            "speed-up over Papa Parse + the checks (JS, same round)",
            Unit::Times,
            pairs(&|r, p| at(r, "js_papa_checks") / at(r, &format!("{p}wasm_validate"))),
        )
        .more_is_better(),
        Figure::new(
            "speed-up over the hand-written JS loop (same round)",
            Unit::Times,
            pairs(&|r, p| at(r, "js_fast_loop") / at(r, &format!("{p}wasm_validate"))),
        )
        .more_is_better(),
        Figure::new(
            "wasm validator time / its own module's parse-only time",
            Unit::Times,
            pairs(&|r, p| {
                at(r, &format!("{p}wasm_validate")) / at(r, &format!("{p}wasm_csv_parse_only"))
            }),
        ),
    ];
    if let Some(Ok(page)) = &results.page {
        let samples = |id: &str| -> Vec<f64> {
            page["small"][id]["per_call_ms"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_f64).collect())
                .unwrap_or_default()
        };
        let ours = samples("wasm_validate");
        let theirs = samples("against_wasm_validate");
        figures.push(Figure::new(
            "wasm validator, 1,000-code file, per call",
            Unit::Ms3,
            ours.into_iter().zip(theirs).collect(),
        ));
    }
    figures
}

/// The console: the 1,000-code file (page loads alternating) and the 50 MB file.
fn console(results: &Results) -> Vec<Figure> {
    let (Some(Ok(ours)), Some(Ok(theirs))) = (&results.console, &results.against_console) else {
        return Vec::new();
    };
    let zip = |a: &[f64], b: &[f64]| a.iter().copied().zip(b.iter().copied()).collect();
    let mut figures = vec![
        Figure::new(
            "console: 1,000-code file chosen to verdict painted",
            Unit::Ms,
            zip(&ours.small_painted_ms, &theirs.small_painted_ms),
        ),
        Figure::new(
            "console: 1,000-code file chosen to verdict in the DOM",
            Unit::Ms,
            zip(&ours.small_seen_ms, &theirs.small_seen_ms),
        ),
    ];
    if !ours.big_runs.is_empty() && !theirs.big_runs.is_empty() {
        let pairs = |pick: fn(&BigRun) -> f64| -> Vec<(f64, f64)> {
            ours.big_runs
                .iter()
                .map(pick)
                .zip(theirs.big_runs.iter().map(pick))
                .collect()
        };
        figures.push(Figure::new(
            "console: the 50 MB file to verdict painted",
            Unit::Seconds,
            pairs(|run| run.painted_ms),
        ));
        figures.push(Figure::new(
            "console: the 50 MB file, renderer peak memory",
            Unit::MiB,
            pairs(|run| kib(run.renderer_peak_kib)),
        ));
        // What the check itself adds: the peak over the renderer's memory before the file
        // was chosen (the loaded page: its program, compiled, and its DOM).
        figures.push(Figure::new(
            "console: the 50 MB file, renderer memory the check added (peak over before)",
            Unit::MiB,
            pairs(|run| kib(run.renderer_peak_kib) - kib(run.renderer_rss_before_kib)),
        ));
        figures.push(Figure::new(
            "console: renderer memory of the loaded page before the 50 MB file",
            Unit::MiB,
            pairs(|run| kib(run.renderer_rss_before_kib)),
        ));
    }
    figures
}

fn kib(k: Option<u64>) -> f64 {
    k.map_or(f64::NAN, |k| k as f64)
}

/// The console on the 10,000-device pool (and the 100-device one), run by run.
fn pool(results: &Results) -> Vec<Figure> {
    let Some(Ok(bench)) = &results.console_pool else {
        return Vec::new();
    };
    let Some(Ok((their_small, their_big))) = &bench.against else {
        return Vec::new();
    };
    let mut figures = Vec::new();
    for (ours, theirs) in [(&bench.big, their_big), (&bench.baseline, their_small)] {
        let n = group(ours.devices);
        let pairs = |pick: &dyn Fn(&Figures, usize) -> Option<f64>| -> Vec<(f64, f64)> {
            ours.per_run(pick)
                .into_iter()
                .zip(theirs.per_run(pick))
                .filter_map(|(a, b)| Some((a?, b?)))
                .collect()
        };
        let key = |part: fn(&Figures) -> &Vec<Value>, key: &'static str| {
            move |f: &Figures, i: usize| part(f).get(i).and_then(|v| v[key].as_f64())
        };
        let frames = |part: fn(&Figures) -> &Vec<Value>, stat: fn(&[f64]) -> f64| {
            move |f: &Figures, i: usize| part(f).get(i).map(|v| stat(&intervals(v)))
        };
        let rows: [(&str, Pick, Unit); 8] = [
            (
                "full page load, first device row painted",
                Box::new(key(|f| &f.load, "firstRow")),
                Unit::Ms,
            ),
            (
                "full page load, interactive",
                Box::new(key(|f| &f.load, "interactive")),
                Unit::Ms,
            ),
            (
                "in-app navigation, first device row painted",
                Box::new(key(|f| &f.nav, "firstRow")),
                Unit::Ms,
            ),
            (
                "in-app navigation, interactive",
                Box::new(key(|f| &f.nav, "interactive")),
                Unit::Ms,
            ),
            (
                "sort click to painted",
                Box::new(key(|f| &f.nav, "sortClick")),
                Unit::Ms,
            ),
            (
                "scroll top to bottom, p95 frame interval",
                Box::new(frames(|f| &f.sweep, p95)),
                Unit::Ms,
            ),
            (
                "state filter to the painted count",
                Box::new(key(|f| &f.filter, "state")),
                Unit::Ms,
            ),
            (
                "search to the painted count",
                Box::new(key(|f| &f.filter, "search")),
                Unit::Ms,
            ),
        ];
        for (what, pick, unit) in rows {
            figures.push(Figure::new(
                format!("console, {n}-device pool: {what}"),
                unit,
                pairs(&*pick),
            ));
        }
        let dropped =
            |f: &Figures, i: usize| f.sweep.get(i).map(|v| over(DROPPED_MS)(&intervals(v)));
        figures.push(Figure::new(
            format!("console, {n}-device pool: dropped frames while scrolling (over {DROPPED_MS:.0} ms)"),
            Unit::Count,
            pairs(&dropped),
        ));
    }
    figures
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_follow_the_pairs() {
        let pairs = |v: &[(f64, f64)]| Figure::new("x", Unit::Ms, v.to_vec());
        assert_eq!(pairs(&[(1.0, 2.0), (2.0, 2.0)]).verdict(), "no worse");
        // Median cost above 1, but a quarter of the pairs no worse.
        let mixed = pairs(&[(9.0, 10.0), (11.0, 10.0), (12.0, 10.0), (12.0, 10.0)]);
        assert_eq!(mixed.verdict(), "no worse (within the run's spread)");
        let slower = pairs(&[(11.0, 10.0), (12.0, 10.0), (13.0, 10.0), (12.0, 10.0)]);
        assert_eq!(slower.verdict(), "**worse**");
        // More is better: a lower speed-up is worse.
        let speed =
            Figure::new("x", Unit::Times, vec![(50.0, 60.0), (50.0, 61.0)]).more_is_better();
        assert_eq!(speed.verdict(), "**worse**");
        assert_eq!(pairs(&[(0.0, 0.0), (0.0, 0.0)]).verdict(), "no worse");
        assert_eq!(
            pairs(&[(1.05, 1.0)]).verdict(),
            "no worse (one sample each, within 10 %)"
        );
        assert_eq!(pairs(&[]).verdict(), "not measured");
    }

    #[test]
    fn the_section_goes_after_the_goals() {
        let text = "# R\n\n## Goals\n\nx\n\n## Throughput: 1\n\ny\n";
        let out = after_goals(text, "## Against abc\n\nz\n\n");
        assert_eq!(
            out,
            "# R\n\n## Goals\n\nx\n\n## Against abc\n\nz\n\n## Throughput: 1\n\ny\n"
        );
        assert_eq!(after_goals(text, ""), text);
    }
}
