//! The validator-only build (`validator.html`, served at `/validator/`): the validator page
//! without the console, for carriers and embedding portals - a smaller download than the
//! console (`docs/ARCHITECTURE.md`, "Two builds"). Its module exports the same `validate`
//! and `fix` as the console's.
use esim_console::embed;
use esim_console::validator::shell::ValidatorApp;
use leptos::prelude::*;

/// Mounts the validator page (with the [`embed::Embed`] context when the URL asks for an
/// embedded mode); where a portal imported the module only for `validate` and `fix`, it
/// mounts nothing.
fn main() {
    if !embed::on_console_page() {
        return;
    }
    // The worker lives next to the console's index.html, one folder up.
    esim_console::browser::keep_offline("../sw.js");
    // So is the workbook reader (one copy for both pages).
    esim_console::workbook::set_root("../");
    match embed::from_location() {
        Some(embedding) => {
            // The page is in `validator/`: the console's `embed.json` is one folder up.
            embedding.connect(embed::VALIDATOR_CONFIG_FILE);
            leptos::mount::mount_to_body(move || {
                provide_context(embedding);
                view! { <ValidatorApp /> }
            });
        }
        None => leptos::mount::mount_to_body(ValidatorApp),
    }
}
