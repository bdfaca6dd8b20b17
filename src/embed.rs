//! Embedding the validator in another portal (`?embed=validator`): no console chrome, and
//! each verdict posted to the parent page, only to origins the deployer allowed.
//!
//! This is the interface the views use; the `postMessage` protocol lives behind it.

use esim_csv::Report;

/// The embedding of this page, provided as Leptos context by `main` when the page runs in
/// an embedded mode (`use_context::<Embed>()` is `None` otherwise).
#[derive(Debug, Clone, Default)]
pub struct Embed {
    hide_chrome: bool,
}

impl Embed {
    /// True when the page must show only the validator: no header, navigation or footer.
    pub fn chrome_hidden(&self) -> bool {
        self.hide_chrome
    }

    /// Tells the host page about a finished validation (a no-op until the protocol lands).
    pub fn publish(&self, _file_name: &str, _report: &Report) {}
}
