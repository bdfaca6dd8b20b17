//! The overview chart: device states counted by the brief's labels, drawn as bars.
//!
//! Readable without colour: every bar has its label and count written beside it, a pattern
//! as well as a colour, and the same numbers are in a table for screen readers. The labels
//! are HTML text, not SVG that scales down with the page: readable at 360 px in both
//! languages.

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

/// One bar: its state, its count and its length.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The state.
    pub label: StateLabel,
    /// Devices in it.
    pub count: u32,
    /// The bar's length in thousandths of the longest (0 for none; at least 1 for a count
    /// above 0, which the style draws at least [`MIN_BAR`] long).
    pub permille: u32,
}

/// The shortest visible bar, so that 1 of 10,000 still shows.
pub const MIN_BAR: &str = "3px";
/// Room for the count right of the longest bar.
pub const COUNT_ROOM: &str = "5rem";

/// The bars of a summary, one per label in the brief's order (and "Unknown" when Graph
/// sent states this console does not know), scaled to the largest.
pub fn bars(summary: &StateSummary) -> Vec<Bar> {
    let labels = summary.labels();
    let max = labels
        .iter()
        .map(|label| summary.get(*label))
        .max()
        .unwrap_or(0);
    labels
        .iter()
        .map(|label| {
            let count = summary.get(*label);
            let permille = if count == 0 || max == 0 {
                0
            } else {
                let scaled = (u64::from(count) * 1000 + u64::from(max) / 2) / u64::from(max);
                u32::try_from(scaled).unwrap_or(1000).max(1)
            };
            Bar {
                label: *label,
                count,
                permille,
            }
        })
        .collect()
}

/// A bar's CSS width: its share of the room the count leaves, at least [`MIN_BAR`] when
/// it counts any device (0 otherwise).
pub fn bar_width(permille: u32) -> String {
    if permille == 0 {
        "0".to_owned()
    } else {
        format!("max({MIN_BAR}, calc((100% - {COUNT_ROOM}) * {permille} / 1000))")
    }
}

/// The chart of a summary: a row per state with its name, its bar and its count, in HTML
/// (the names are text at the page's size at every width, wrapping rather than shrinking,
/// in both languages; the bars' lengths are the only thing that scales), with a text
/// alternative.
#[component]
pub fn StateChart(summary: Signal<StateSummary>) -> impl IntoView {
    let console = use_console();
    let lang = console.lang;
    let title_id = unique_id("chart-title");
    let labelled = title_id.clone();
    view! {
        <figure class="chart">
            <div class="chart-bars" role="img" aria-labelledby=labelled data-testid=testid::CHART>
                <span id=title_id class="visually-hidden">
                    {move || {
                        let s = summary.get();
                        let parts: Vec<String> = s
                            .labels()
                            .iter()
                            .map(|l| format!("{}: {}", state_text(lang.get(), *l), num(lang.get(), s.get(*l))))
                            .collect();
                        format!("{}. {}", console.tr(L::ChartTitle), parts.join(", "))
                    }}
                </span>
                {move || {
                    bars(&summary.get())
                        .into_iter()
                        .map(|bar| {
                            let key = state_key(bar.label);
                            view! {
                                <div
                                    class=format!("bar bar-{key}")
                                    data-testid=testid::CHART_BAR
                                    data-state=key
                                    data-count=bar.count.to_string()
                                    aria-hidden="true"
                                >
                                    <span class="bar-label">{state_text(lang.get(), bar.label)}</span>
                                    <span class="bar-track">
                                        <span class="bar-fill" style:width=bar_width(bar.permille)></span>
                                        <span class="bar-count">{num(lang.get(), bar.count)}</span>
                                    </span>
                                </div>
                            }
                        })
                        .collect_view()
                }}
            </div>
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
        assert_eq!(bars[2].permille, 1000);
        assert_eq!(bars[0].permille, 0);
        assert_eq!(bars[1].permille, 1);
        assert_eq!(bars[3].permille, 5);
        assert_eq!(bar_width(0), "0");
        assert_eq!(bar_width(5), "max(3px, calc((100% - 5rem) * 5 / 1000))");
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
            .all(|b| b.permille == 0));
    }

    #[test]
    fn state_keys_round_trip() {
        for label in StateLabel::WITH_UNKNOWN {
            assert_eq!(state_from_key(state_key(*label)), Some(*label));
        }
        assert_eq!(state_from_key("nope"), None);
    }
}
