//! The validator page: files in, verdicts out, with no server needed. Submodules go from
//! the page down: [`page`] -> [`result`] -> [`findings`], [`source_view`], [`fix`], all on
//! [`session`] (the check itself and the page's language).

pub mod findings;
pub mod fix;
pub mod page;
pub mod result;
pub mod session;
pub mod source_view;
