//! The eSIM pool console: a Leptos client-side app that checks activation-code CSV files
//! in the browser with the same validator (`esim-csv`) as the server and the command line.
//!
//! The logic lives in plain types ([`outcome`], [`source`], [`i18n`]) with native unit
//! tests; the components in [`app`] only wire signals to the DOM; [`browser`] holds the
//! few direct browser calls. Elements that tests drive carry `data-testid`
//! attributes, listed in [`app::testid`].

pub mod api;
pub mod app;
pub mod browser;
pub mod console;
pub mod embed;
pub mod file;
pub mod i18n;
pub mod js_api;
pub mod outcome;
pub mod source;

pub use app::App;
