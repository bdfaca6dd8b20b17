//! What the page offers for a valid file besides its own downloads, given by the shell
//! that mounts it: the console's shell ([`crate::app`]) hands the file to "Add these codes
//! to a pool" ([`crate::console::upload`]); the validator-only build (`esim-validator`,
//! docs/ARCHITECTURE.md, "Two builds") gives nothing, so none of the console's code is
//! linked into its wasm. The validator does not import the console.

use std::sync::Arc;

use esim_csv::Options;
use leptos::prelude::*;

/// A valid file (the original or the repaired one) the page can hand on.
#[derive(Debug, Clone)]
pub struct ValidFile {
    pub bytes: Arc<Vec<u8>>,
    pub file_name: String,
    pub options: Options,
    /// The codes in the file (from the check already made).
    pub codes: usize,
    /// The pool name the page proposes (the user may edit it).
    pub pool_name: RwSignal<String>,
    /// Set by the shell's view while the server would refuse the file (the verdict shows
    /// it).
    pub refused: Option<RwSignal<bool>>,
    /// Takes the file without the codes the server has already (checked again in place).
    pub on_trimmed: Option<Callback<Vec<u8>>>,
}

/// The shell's view for a valid file, by context.
#[derive(Clone)]
pub struct Handoff(Arc<dyn Fn(ValidFile) -> AnyView + Send + Sync>);

impl Handoff {
    /// Provides `view` to the validator page below.
    pub fn provide(view: impl Fn(ValidFile) -> AnyView + Send + Sync + 'static) {
        provide_context(Handoff(Arc::new(view)));
    }
}

impl std::fmt::Debug for Handoff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Handoff")
    }
}

/// The shell's view for `file`, when the shell gave one.
pub fn view_for(file: ValidFile) -> Option<AnyView> {
    use_context::<Handoff>().map(|handoff| (handoff.0)(file))
}
