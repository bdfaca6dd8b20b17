//! The overview chart: device states counted by the brief's labels, drawn as SVG bars.
//!
//! Readable without colour: every bar has its label and count written beside it, a pattern
//! as well as a colour, and the same numbers are in a table for screen readers.

use esim_wire::{StateLabel, StateSummary};
use leptos::prelude::*;

use super::labels::Label as L;
use super::state::{num, use_console};
use crate::dom::{testid, unique_id};
use crate::i18n::{Lang, Text};

/// The brief's label for a state ("Device not synced", "Enheten är inte synkroniserad").
pub fn state_text(lang: Lang, label: StateLabel) -> &'static str {
    state_label(label).text(lang)
}

/// The console label of a state.
pub fn state_label(label: StateLabel) -> L {
    match label {
        StateLabel::NotSynced => L::StateNotSynced,
        StateLabel::Pending => L::StatePending,
        StateLabel::Active => L::StateActive,
        StateLabel::Failed => L::StateFailed,
        StateLabel::Removed => L::StateRemoved,
        StateLabel::Unknown => L::StateUnknown,
    }
}

/// The stable key of a state (`data-state`, the filter's values).
pub fn state_key(label: StateLabel) -> &'static str {
    match label {
        StateLabel::NotSynced => "notSynced",
        StateLabel::Pending => "pending",
        StateLabel::Active => "active",
        StateLabel::Failed => "failed",
        StateLabel::Removed => "removed",
        StateLabel::Unknown => "unknown",
    }
}

/// The state a key names.
pub fn state_from_key(key: &str) -> Option<StateLabel> {
    StateLabel::WITH_UNKNOWN
        .iter()
        .copied()
        .find(|label| state_key(*label) == key)
}

/// One bar: where it is and how long.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The state.
    pub label: StateLabel,
    /// Devices in it.
    pub count: u32,
    /// The bar's top edge.
    pub y: f64,
    /// The bar's length (0 for none; at least [`MIN_BAR`] for a count above 0).
    pub width: f64,
}

/// The chart's size.
pub const WIDTH: f64 = 560.0;
/// Room for the state's name left of the bars.
pub const LABEL_WIDTH: f64 = 190.0;
/// Room for the count right of the longest bar.
pub const COUNT_WIDTH: f64 = 70.0;
/// A bar's height.
pub const BAR_HEIGHT: f64 = 24.0;
/// Space between bars.
pub const GAP: f64 = 12.0;
/// The shortest visible bar, so that 1 of 10,000 still shows.
pub const MIN_BAR: f64 = 3.0;

/// The bars of a summary, one per label in the brief's order (and "Unknown" when Graph
/// sent states this console does not know), scaled to the largest.
pub fn bars(summary: &StateSummary) -> Vec<Bar> {
    let labels = summary.labels();
    let max = labels
        .iter()
        .map(|label| summary.get(*label))
        .max()
        .unwrap_or(0);
    let room = WIDTH - LABEL_WIDTH - COUNT_WIDTH;
    labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let count = summary.get(*label);
            let width = if count == 0 || max == 0 {
                0.0
            } else {
                (f64::from(count) / f64::from(max) * room).max(MIN_BAR)
            };
            Bar {
                label: *label,
                count,
                y: i as f64 * (BAR_HEIGHT + GAP),
                width,
            }
        })
        .collect()
}

/// The chart's height for `n` bars.
pub fn height(n: usize) -> f64 {
    n as f64 * (BAR_HEIGHT + GAP) - GAP
}

/// A coordinate in whole units (no float formatting in the wasm).
fn n(value: f64) -> String {
    (value.round() as i64).to_string()
}

/// The chart of a summary (SVG with a text alternative).
#[component]
pub fn StateChart(summary: Signal<StateSummary>) -> impl IntoView {
    let console = use_console();
    let lang = console.lang;
    let title_id = unique_id("chart-title");
    let labelled = title_id.clone();
    view! {
        <figure class="chart">
            <svg
                role="img"
                aria-labelledby=labelled
                data-testid=testid::CHART
                viewBox=move || format!("0 0 {} {}", n(WIDTH), n(height(summary.with(|s| s.labels().len()))))
                width="100%"
                preserveAspectRatio="xMinYMin meet"
            >
                <title id=title_id>
                    {move || {
                        let s = summary.get();
                        let parts: Vec<String> = s
                            .labels()
                            .iter()
                            .map(|l| format!("{}: {}", state_text(lang.get(), *l), num(lang.get(), s.get(*l))))
                            .collect();
                        format!("{}. {}", console.tr(L::ChartTitle), parts.join(", "))
                    }}
                </title>
                <defs>
                    <pattern id="hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">
                        <line x1="0" y1="0" x2="0" y2="6" class="hatch-line" />
                    </pattern>
                </defs>
                {move || {
                    bars(&summary.get())
                        .into_iter()
                        .map(|bar| {
                            let key = state_key(bar.label);
                            let text_y = bar.y + BAR_HEIGHT * 0.7;
                            view! {
                                <g
                                    class=format!("bar bar-{key}")
                                    data-testid=testid::CHART_BAR
                                    data-state=key
                                    data-count=bar.count.to_string()
                                >
                                    <text x="0" y=n(text_y) class="bar-label">
                                        {state_text(lang.get(), bar.label)}
                                    </text>
                                    <rect x=n(LABEL_WIDTH) y=n(bar.y) width=n(bar.width) height=n(BAR_HEIGHT) class="bar-fill" />
                                    {(bar.label == StateLabel::Failed || bar.label == StateLabel::Removed)
                                        .then(|| view! {
                                            <rect x=n(LABEL_WIDTH) y=n(bar.y) width=n(bar.width) height=n(BAR_HEIGHT) fill="url(#hatch)" />
                                        })}
                                    <text x=n(LABEL_WIDTH + bar.width + 8.0) y=n(text_y) class="bar-count">
                                        {num(lang.get(), bar.count)}
                                    </text>
                                </g>
                            }
                        })
                        .collect_view()
                }}
            </svg>
            <figcaption>{move || console.tr(L::ChartCaption)}</figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_small_counts_stay_visible() {
        let summary = StateSummary {
            not_synced: 0,
            pending: 1,
            active: 10_000,
            failed: 50,
            removed: 0,
            unknown: 0,
        };
        let bars = bars(&summary);
        assert_eq!(bars.len(), 5);
        let room = WIDTH - LABEL_WIDTH - COUNT_WIDTH;
        assert_eq!(bars[2].width, room);
        assert_eq!(bars[0].width, 0.0);
        assert_eq!(bars[1].width, MIN_BAR);
        assert!((bars[3].width - room * 50.0 / 10_000.0).abs() < 1e-9 || bars[3].width == MIN_BAR);
        assert!(bars.windows(2).all(|w| w[1].y > w[0].y));
    }

    #[test]
    fn unknown_states_get_their_own_bar() {
        let summary = StateSummary {
            unknown: 3,
            ..StateSummary::default()
        };
        let bars = bars(&summary);
        assert_eq!(bars.len(), 6);
        assert_eq!((bars[5].label, bars[5].count), (StateLabel::Unknown, 3));
    }

    #[test]
    fn an_empty_pool_draws_no_bars() {
        assert!(bars(&StateSummary::default())
            .iter()
            .all(|b| b.width == 0.0));
    }

    #[test]
    fn state_keys_round_trip() {
        for label in StateLabel::WITH_UNKNOWN {
            assert_eq!(state_from_key(state_key(*label)), Some(*label));
        }
        assert_eq!(state_from_key("nope"), None);
    }
}
