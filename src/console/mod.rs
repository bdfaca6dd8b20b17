//! The console beside the validator: sign-in, pools, a pool's device states and
//! assignments, device groups - against the project's server or Microsoft Graph.
//!
//! Plain logic ([`route`], [`connection`], [`signin`], [`devices`], [`chart`]) is tested natively; the
//! views are thin. Every view has a stable URL ([`route::Route`]).
//!
//! Imports go one way, without cycles: [`shell`] (navigation, the view for a route) uses the
//! pages ([`pools`], [`pool`], [`groups`], [`settings`], [`upload`], [`audit`]); they use
//! [`widgets`] and [`state`] (the shared state and reads), which use [`route`],
//! [`connection`], [`signin`] and [`labels`]. This file only declares the modules.

pub mod audit;
pub mod busy;
pub mod chart;
pub mod connection;
pub mod devices;
pub mod export;
pub mod groups;
pub mod labels;
pub mod pool;
pub mod pools;
pub mod route;
pub mod settings;
pub mod shell;
pub mod signin;
pub mod state;
pub mod upload;
pub mod widgets;
