//! The eSIM pool console: a Leptos client-side app that checks activation-code CSV files
//! in the browser with the same validator (`esim-csv`) as the server and the command line.
//!
//! The logic lives in plain types ([`outcome`], [`source`], [`i18n`]) with native unit
//! tests; the components only wire signals to the DOM: [`app`] is the shell (header and
//! route), [`validator`] the validator page, [`console`] the console's views. [`browser`]
//! holds the few direct browser calls; [`dom`] the element ids, and the `data-testid`
//! attributes that tests drive ([`dom::testid`]). Modules import each other without cycles:
//! `app` -> `validator`, `console` -> `api`, `i18n`, `dom`, `browser`; the validator does not
//! import the console, so the validator-only build (`src/bin/esim-validator.rs`) links none
//! of it (docs/ARCHITECTURE.md, "Two builds").

pub mod api;
pub mod app;
pub mod browser;
pub mod console;
pub mod dom;
pub mod embed;
pub mod file;
pub mod i18n;
pub mod js_api;
pub mod outcome;
pub mod source;
pub mod validator;
pub mod workbook;

pub use app::App;
