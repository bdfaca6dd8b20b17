use esim_console::embed;
use leptos::prelude::*;

/// Runs when the wasm module is initialised: on the console's own page it mounts the app
/// (with the [`embed::Embed`] context when the URL asks for an embedded mode); where a
/// portal imported the module only for `validate` and `fix`, it mounts nothing.
fn main() {
    if !embed::on_console_page() {
        return;
    }
    esim_console::browser::keep_offline("sw.js");
    match embed::from_location() {
        Some(embedding) => {
            embedding.connect(embed::CONFIG_FILE);
            leptos::mount::mount_to_body(move || {
                provide_context(embedding);
                view! { <esim_console::App /> }
            });
        }
        None => leptos::mount::mount_to_body(esim_console::App),
    }
}
