//! The validator page: files in, verdicts out, with no server needed. Submodules go from
//! the page down: [`page`] -> [`result`] -> [`findings`], [`source_view`], [`fix`], all on
//! [`session`] (the check itself and the page's language). [`shell`] is the page's own
//! shell for the validator-only build; [`handoff`] is how a shell adds to a valid file's
//! result (the console's upload) without the validator importing it.

pub mod findings;
pub mod fix;
pub mod handoff;
pub mod page;
pub mod result;
pub mod session;
pub mod shell;
pub mod source_view;
