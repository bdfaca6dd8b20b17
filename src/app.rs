//! The components: thin views over [`crate::outcome`].

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::HtmlInputElement;

use crate::file::read_bytes;
use crate::outcome::{check_file, check_pasted, position_label, Outcome};

/// The `data-testid` values that browser tests rely on. Keep them stable.
pub mod testid {
    pub const PRIVACY: &str = "privacy";
    pub const TEXT: &str = "csv-text";
    pub const FILE: &str = "csv-file";
    pub const CHECK: &str = "check";
    pub const READ_ERROR: &str = "read-error";
    pub const RESULT: &str = "result";
    pub const SOURCE: &str = "source";
    pub const VERDICT: &str = "verdict";
    pub const CODE_COUNT: &str = "code-count";
    pub const NO_FINDINGS: &str = "no-findings";
    pub const FINDINGS: &str = "findings";
    pub const FINDING: &str = "finding";
    pub const FINDING_CODE: &str = "finding-code";
    pub const FINDING_LINE: &str = "finding-line";
    pub const FINDING_COLUMN: &str = "finding-column";
    pub const FINDING_MESSAGE: &str = "finding-message";
}

/// The whole page: input on top, the result of the last check below.
#[component]
pub fn App() -> impl IntoView {
    let text = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Outcome>);
    let read_error = RwSignal::new(None::<String>);

    let check_text = move |_| {
        read_error.set(None);
        outcome.set(Some(check_pasted(&text.get_untracked())));
    };

    let check_chosen_file = move |ev: leptos::ev::Event| {
        let input = event_target::<HtmlInputElement>(&ev);
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        // Clear the input so that choosing the same file again (after editing it) checks it
        // again.
        input.set_value("");
        spawn_local(async move {
            match read_bytes(&file).await {
                Ok(bytes) => {
                    read_error.set(None);
                    outcome.set(Some(check_file(&file.name(), &bytes)));
                }
                Err(error) => {
                    outcome.set(None);
                    read_error.set(Some(error.to_string()));
                }
            }
        });
    };

    view! {
        <main class="page">
            <header>
                <h1>"Check eSIM activation codes"</h1>
                <p class="privacy" data-testid=testid::PRIVACY>
                    "Files are checked here, in your browser. They never leave this device."
                </p>
            </header>
            <section class="input" aria-labelledby="input-heading">
                <h2 id="input-heading">"Activation-code file"</h2>
                <div class="field">
                    <label for="csv-file">"Choose a CSV file"</label>
                    <input
                        id="csv-file"
                        type="file"
                        accept=".csv,text/csv"
                        data-testid=testid::FILE
                        on:change=check_chosen_file
                    />
                    <p class="hint">"A chosen file is checked at once."</p>
                </div>
                <div class="field">
                    <label for="csv-text">"Or paste its text"</label>
                    <textarea
                        id="csv-text"
                        rows="10"
                        spellcheck="false"
                        autocomplete="off"
                        placeholder="smdp.example.com\n8946000000000000014,ABCD-1234-XYZ"
                        data-testid=testid::TEXT
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))
                    ></textarea>
                    <button type="button" data-testid=testid::CHECK on:click=check_text>
                        "Check"
                    </button>
                </div>
            </section>
            <div class="output" aria-live="polite">
                {move || {
                    read_error
                        .get()
                        .map(|message| {
                            view! {
                                <p class="read-error" role="alert" data-testid=testid::READ_ERROR>
                                    {message}
                                </p>
                            }
                        })
                }}
                {move || outcome.get().map(|outcome| view! { <OutcomeView outcome /> })}
            </div>
        </main>
    }
}

/// The verdict, the code count and the findings of one check.
#[component]
pub fn OutcomeView(outcome: Outcome) -> impl IntoView {
    let verdict_class = format!("verdict verdict-{}", outcome.verdict_key());
    let findings = (!outcome.findings.is_empty()).then(|| {
        let rows = outcome
            .findings
            .iter()
            .map(|finding| {
                view! {
                    <tr data-testid=testid::FINDING>
                        <td><code data-testid=testid::FINDING_CODE>{finding.code.clone()}</code></td>
                        <td data-testid=testid::FINDING_LINE>{position_label(finding.line)}</td>
                        <td data-testid=testid::FINDING_COLUMN>{position_label(finding.column)}</td>
                        <td data-testid=testid::FINDING_MESSAGE>{finding.message.clone()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="findings" data-testid=testid::FINDINGS>
                <caption>"Findings"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Code"</th>
                        <th scope="col">"Line"</th>
                        <th scope="col">"Column"</th>
                        <th scope="col">"Message"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });
    let no_findings = outcome.findings.is_empty().then(|| {
        view! { <p class="no-findings" data-testid=testid::NO_FINDINGS>"No findings."</p> }
    });

    view! {
        <section class="result" aria-labelledby="result-heading" data-testid=testid::RESULT>
            <h2 id="result-heading">"Result"</h2>
            <p class="source" data-testid=testid::SOURCE>{outcome.source_label()}</p>
            <p class=verdict_class data-testid=testid::VERDICT data-verdict=outcome.verdict_key()>
                {outcome.verdict()}
            </p>
            <p class="codes">
                "Activation codes: "
                <strong data-testid=testid::CODE_COUNT>{outcome.codes}</strong>
            </p>
            {findings}
            {no_findings}
        </section>
    }
}
