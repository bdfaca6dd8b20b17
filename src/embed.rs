//! Embedding the validator in another portal (`?embed=validator`): no console chrome, and
//! each verdict posted to the parent page, only to origins the deployer allowed.
//!
//! The views use [`Embed`] (`use_context::<Embed>()`, [`Embed::chrome_hidden`],
//! [`Embed::publish`]); `main` provides it when the URL asks for an embedded mode and calls
//! [`Embed::connect`]. The protocol (`docs/embedding.md`) is built from plain functions -
//! [`parse_allowed_origins`], [`is_allowed`], [`parse_message`], [`report_message`] - with
//! native unit tests; only [`Embed::connect`] and the posting touch the browser.
//!
//! Security rules, each enforced here:
//! * the allowed parent origins come from `embed.json` next to `index.html`, written by
//!   the deployer; none by default, and a file that does not parse allows none;
//! * a message is posted with `postMessage(message, origin)` for each allowed origin,
//!   never to `"*"`, and only when the page is framed;
//! * a received message is ignored unless its `event.origin` is allowed and it comes from
//!   the parent window; a theme message sets only `--esim-*` custom properties whose values
//!   pass [`is_safe_value`] (no `url()`, no escapes, no declarations).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use esim_csv::{Lang, Report};
use serde::Deserialize;
use serde_json::{json, Value};

/// The query parameter that selects an embedded mode.
pub const EMBED_PARAM: &str = "embed";

/// The file next to `index.html` that lists the origins allowed to embed the page.
pub const CONFIG_FILE: &str = "embed.json";
/// The same file as the validator-only page (`validator/index.html`) reaches it: one list
/// for both builds.
pub const VALIDATOR_CONFIG_FILE: &str = "../embed.json";

/// The version of the message protocol, sent in every message.
pub const PROTOCOL_VERSION: u32 = 1;

/// The `type` of the message that carries a verdict.
pub const REPORT_TYPE: &str = "esim-csv:report";
/// The `type` of the message that says the page is ready (also the answer to hello).
pub const READY_TYPE: &str = "esim-csv:ready";
/// The `type` of the message a host sends to theme the page.
pub const THEME_TYPE: &str = "esim-csv:theme";
/// The `type` of the message a host sends to ask for a ready message.
pub const HELLO_TYPE: &str = "esim-csv:hello";

/// The most custom properties one theme message may set.
pub const MAX_THEME_VARS: usize = 64;
/// The longest custom-property value a theme message may set.
pub const MAX_THEME_VALUE_LEN: usize = 200;

/// The longest host message the page reads, in UTF-16 code units of its JSON text: a theme
/// message at its limits ([`MAX_THEME_VARS`] values of [`MAX_THEME_VALUE_LEN`]) is about a
/// quarter of this. A longer message is dropped before its text is copied into the wasm, so a
/// host cannot make the frame run out of memory.
pub const MAX_MESSAGE_CHARS: u32 = 64 * 1024;

/// The prefix of every custom property a host may set.
pub const THEME_PREFIX: &str = "--esim-";

/// The embedding of this page, provided as Leptos context by `main` when the page runs in
/// an embedded mode (`use_context::<Embed>()` is `None` otherwise).
#[derive(Debug, Clone, Default)]
pub struct Embed {
    hide_chrome: bool,
    /// Shared with the message listener; `None` for an `Embed` that posts nothing (tests).
    link: Option<Arc<Mutex<Link>>>,
}

/// An embedded mode the URL can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `?embed=validator`: only the validator, verdicts posted to the host.
    Validator,
}

/// What the page knows about its host.
#[derive(Debug, Default)]
struct Link {
    /// `None` until `embed.json` has been read (or found missing).
    origins: Option<Vec<String>>,
    /// Messages published before the origins were known, sent once they are.
    pending: Vec<String>,
    /// The language of the messages in posted reports.
    lang: Lang,
}

impl Embed {
    /// The validator mode, posting reports with messages in `lang`.
    pub fn validator(lang: Lang) -> Self {
        Self {
            hide_chrome: true,
            link: Some(Arc::new(Mutex::new(Link {
                lang,
                ..Link::default()
            }))),
        }
    }

    /// True when the page must show only the validator: no header, navigation or footer.
    pub fn chrome_hidden(&self) -> bool {
        self.hide_chrome
    }

    /// Tells the host page about a finished validation: posts `esim-csv:report` with the
    /// report in the command line's JSON shape to each allowed origin (queued until
    /// `embed.json` has been read).
    pub fn publish(&self, file_name: &str, report: &Report) {
        let Some(link) = &self.link else { return };
        let lang = lock(link).lang;
        self.post(report_message(file_name, report, lang));
    }

    /// Sets the language of the messages in later reports (when the user switches).
    pub fn set_lang(&self, lang: Lang) {
        if let Some(link) = &self.link {
            lock(link).lang = lang;
        }
    }

    /// The allowed origins, once `embed.json` has been read.
    pub fn allowed_origins(&self) -> Option<Vec<String>> {
        self.link
            .as_ref()
            .and_then(|link| lock(link).origins.clone())
    }

    fn post(&self, message: String) {
        let Some(link) = &self.link else { return };
        let mut link = lock(link);
        match &link.origins {
            Some(origins) => browser::post_to_parent(&message, origins),
            None => link.pending.push(message),
        }
    }

    /// Reads `embed.json` (at `config`, relative to the page: [`CONFIG_FILE`] or
    /// [`VALIDATOR_CONFIG_FILE`]), then sends `esim-csv:ready` and whatever was published so
    /// far to the allowed origins, and starts listening for the host's messages. Browser
    /// only.
    pub fn connect(&self, config: &'static str) {
        let Some(link) = self.link.clone() else {
            return;
        };
        browser::listen(link.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let origins = match browser::fetch_config(config).await {
                Ok(Some(text)) => parse_allowed_origins(&text).unwrap_or_else(|error| {
                    browser::warn(&format!("{config}: {error}; no origin is allowed"));
                    Vec::new()
                }),
                Ok(None) => Vec::new(),
                Err(error) => {
                    browser::warn(&format!("cannot read {config}: {error}"));
                    Vec::new()
                }
            };
            let mut link = lock(&link);
            let mut messages = vec![ready_message()];
            messages.append(&mut link.pending);
            for message in &messages {
                browser::post_to_parent(message, &origins);
            }
            link.origins = Some(origins);
        });
    }
}

/// The embedded mode a query string (`location.search`, with or without `?`) asks for.
pub fn mode_from_query(search: &str) -> Option<Mode> {
    match query_param(search, EMBED_PARAM)?.as_str() {
        "validator" => Some(Mode::Validator),
        _ => None,
    }
}

/// The first value of `name` in a query string; `+` and `%XX` are not decoded (the values
/// this page reads are plain words).
pub fn query_param(search: &str, name: &str) -> Option<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// Why `embed.json` allows no origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// Not JSON of the shape `{"allowedOrigins": ["https://portal.example"]}`.
    Shape(String),
    /// An entry that is not an origin (`scheme://host[:port]`, http or https).
    Origin(String),
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Shape(detail) => write!(
                f,
                "expected {{\"allowedOrigins\": [\"https://portal.example\"]}}: {detail}"
            ),
            Self::Origin(entry) => write!(
                f,
                "{entry:?} is not an origin (scheme://host[:port], http or https, no path)"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Reads `embed.json`. One bad entry rejects the whole file: a typo must not silently
/// narrow or widen what the deployer meant.
pub fn parse_allowed_origins(json: &str) -> Result<Vec<String>, ConfigError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Config {
        allowed_origins: Vec<String>,
    }
    let config: Config =
        serde_json::from_str(json).map_err(|error| ConfigError::Shape(error.to_string()))?;
    let mut origins = Vec::new();
    for entry in config.allowed_origins {
        let origin = normalise_origin(&entry).ok_or(ConfigError::Origin(entry))?;
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    Ok(origins)
}

/// An origin as browsers serialise `event.origin`: lower-case scheme and host, no default
/// port, no trailing slash. `None` for anything else (`*`, `null`, paths, user info,
/// schemes other than http and https, non-ASCII hosts - write those in punycode).
pub fn normalise_origin(text: &str) -> Option<String> {
    let text = text.trim();
    let (scheme, rest) = text.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => "443",
        "http" => "80",
        _ => return None,
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.is_empty() || authority.contains(['/', '?', '#', '@', '\\']) {
        return None;
    }
    let (host, port) = match authority.rsplit_once(':') {
        // An IPv6 literal has colons inside its brackets.
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (authority, None),
    };
    let host = host.to_ascii_lowercase();
    let host_ok = if let Some(inner) = host.strip_prefix('[') {
        inner.strip_suffix(']').is_some_and(|ip| {
            !ip.is_empty()
                && ip
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        })
    } else {
        !host.is_empty()
            && !host.starts_with(['.', '-'])
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    };
    if !host_ok {
        return None;
    }
    match port {
        None => Some(format!("{scheme}://{host}")),
        Some(port) => {
            let number: u16 = port.parse().ok().filter(|n| *n != 0)?;
            if !port.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            if port == default_port {
                Some(format!("{scheme}://{host}"))
            } else {
                Some(format!("{scheme}://{host}:{number}"))
            }
        }
    }
}

/// True when `origin` (an `event.origin`) is one of `allowed` (normalised origins).
pub fn is_allowed(allowed: &[String], origin: &str) -> bool {
    // `null` (sandboxed frames, files) never matches: normalise_origin rejects it.
    allowed.iter().any(|entry| entry == origin)
}

/// A message from the host that the page acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// Set these `--esim-*` custom properties on `:root` (already filtered).
    Theme(Vec<(String, String)>),
    /// Answer with `esim-csv:ready`.
    Hello,
}

/// Reads a host message (`event.data` as JSON text). `None` for anything unknown; a theme
/// message keeps only the properties that [`is_theme_property`] and [`is_safe_value`] allow.
pub fn parse_message(json: &str) -> Option<Incoming> {
    let value: Value = serde_json::from_str(json).ok()?;
    match value.get("type")?.as_str()? {
        HELLO_TYPE => Some(Incoming::Hello),
        THEME_TYPE => {
            let vars = value.get("vars")?.as_object()?;
            let vars: BTreeMap<&str, &str> = vars
                .iter()
                .filter_map(|(name, value)| Some((name.as_str(), value.as_str()?)))
                .filter(|(name, value)| is_theme_property(name) && is_safe_value(value))
                .take(MAX_THEME_VARS)
                .collect();
            Some(Incoming::Theme(
                vars.into_iter()
                    .map(|(name, value)| (name.to_owned(), value.trim().to_owned()))
                    .collect(),
            ))
        }
        _ => None,
    }
}

/// True for `--esim-` followed by lower-case letters, digits and dashes.
pub fn is_theme_property(name: &str) -> bool {
    name.len() <= 64
        && name.strip_prefix(THEME_PREFIX).is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

/// True for a value a host may give a custom property: colours, lengths, font lists,
/// numbers and the CSS functions in [`SAFE_FUNCTIONS`]. No `url()` or other function that
/// loads something, no backslash escapes, no `;`, braces, `<`, `>`, `@` or `!`.
pub fn is_safe_value(value: &str) -> bool {
    let value = value.trim();
    if value.is_empty() || value.len() > MAX_THEME_VALUE_LEN {
        return false;
    }
    let chars_ok = value.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                ' ' | '#' | '%' | '.' | ',' | '(' | ')' | '-' | '+' | '*' | '/' | '\'' | '"' | '_'
            )
    });
    if !chars_ok {
        return false;
    }
    // Every `(` must follow a known, harmless function name.
    let bytes = value.as_bytes();
    let mut depth = 0i32;
    for (at, byte) in bytes.iter().enumerate() {
        match byte {
            b'(' => {
                let start = value[..at]
                    .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                    .map_or(0, |i| i + 1);
                let name = value[start..at].to_ascii_lowercase();
                if !SAFE_FUNCTIONS.contains(&name.as_str()) {
                    return false;
                }
                depth += 1;
            }
            b')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0 && value.matches('"').count() % 2 == 0 && value.matches('\'').count() % 2 == 0
}

/// The CSS functions a theme value may use: colour and arithmetic, nothing that loads.
pub const SAFE_FUNCTIONS: &[&str] = &[
    "rgb",
    "rgba",
    "hsl",
    "hsla",
    "hwb",
    "lab",
    "lch",
    "oklab",
    "oklch",
    "color",
    "color-mix",
    "calc",
    "min",
    "max",
    "clamp",
    "var",
];

/// The `esim-csv:report` message: the report in the shape of `esim-csv check --format
/// json`, messages in `lang`.
pub fn report_message(file_name: &str, report: &Report, lang: Lang) -> String {
    json!({
        "type": REPORT_TYPE,
        "version": PROTOCOL_VERSION,
        "file": file_name,
        "report": report.to_json(lang),
    })
    .to_string()
}

/// The `esim-csv:ready` message.
pub fn ready_message() -> String {
    json!({ "type": READY_TYPE, "version": PROTOCOL_VERSION }).to_string()
}

/// The embedding the current page's URL asks for, if any. Browser only.
pub fn from_location() -> Option<Embed> {
    let search = web_sys::window()?.location().search().ok()?;
    match mode_from_query(&search)? {
        Mode::Validator => {
            let lang = query_param(&search, "lang")
                .or_else(|| web_sys::window()?.navigator().language())
                .map_or(Lang::En, |tag| Lang::from_tag(&tag));
            Some(Embed::validator(lang))
        }
    }
}

/// True on the console's own page (`<body data-esim-console>`), false where a portal
/// imported the module for [`crate::js_api`]. Browser only.
pub fn on_console_page() -> bool {
    web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.body())
        .is_some_and(|body| body.has_attribute("data-esim-console"))
}

fn lock(link: &Mutex<Link>) -> std::sync::MutexGuard<'_, Link> {
    link.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The parts that need a browser.
mod browser {
    use std::sync::{Arc, Mutex};

    use gloo_net::http::Request;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{HtmlElement, MessageEvent, RequestCache, Window};

    use super::{
        is_allowed, lock, parse_message, ready_message, Incoming, Link, MAX_MESSAGE_CHARS,
    };

    /// The parent window, when this page is framed.
    fn parent() -> Option<Window> {
        let window = web_sys::window()?;
        let parent = window.parent().ok().flatten()?;
        (!js_sys::Object::is(&parent, &window)).then_some(parent)
    }

    /// Posts `message` (JSON text) to the parent for each origin; the browser drops it
    /// unless the parent's origin is that origin.
    pub(super) fn post_to_parent(message: &str, origins: &[String]) {
        let Some(parent) = parent() else { return };
        let Ok(value) = js_sys::JSON::parse(message) else {
            return;
        };
        for origin in origins {
            if let Err(error) = parent.post_message(&value, origin) {
                web_sys::console::warn_2(&"esim-csv: postMessage failed".into(), &error);
            }
        }
    }

    /// `embed.json` at `url` (relative to the page): its text, `None` when there is none.
    pub(super) async fn fetch_config(url: &str) -> Result<Option<String>, gloo_net::Error> {
        let response = Request::get(url)
            .cache(RequestCache::NoCache)
            .send()
            .await?;
        if response.status() == 404 {
            return Ok(None);
        }
        if !response.ok() {
            return Err(gloo_net::Error::GlooError(format!(
                "HTTP {}",
                response.status()
            )));
        }
        response.text().await.map(Some)
    }

    /// Handles the host's messages for the life of the page.
    pub(super) fn listen(link: Arc<Mutex<Link>>) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let handler = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
            let origin = event.origin();
            let allowed = lock(&link)
                .origins
                .as_deref()
                .is_some_and(|origins| is_allowed(origins, &origin));
            let from_parent = match (event.source(), parent()) {
                (Some(source), Some(parent)) => js_sys::Object::is(&source, &parent),
                _ => false,
            };
            if !allowed || !from_parent {
                return;
            }
            let Some(json) = js_sys::JSON::stringify(&event.data())
                .ok()
                .filter(|text| text.length() <= MAX_MESSAGE_CHARS)
                .and_then(|text| text.as_string())
            else {
                return;
            };
            match parse_message(&json) {
                Some(Incoming::Theme(vars)) => apply_theme(&vars),
                Some(Incoming::Hello) => post_to_parent(&ready_message(), &[origin]),
                None => {}
            }
        });
        if window
            .add_event_listener_with_callback("message", handler.as_ref().unchecked_ref())
            .is_ok()
        {
            // The listener lives as long as the page.
            handler.forget();
        }
    }

    fn apply_theme(vars: &[(String, String)]) {
        let Some(root) = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.document_element())
            .and_then(|element| element.dyn_into::<HtmlElement>().ok())
        else {
            return;
        };
        let style = root.style();
        for (name, value) in vars {
            let _ = style.set_property(name, value);
        }
    }

    pub(super) fn warn(message: &str) {
        web_sys::console::warn_1(&format!("esim-csv: {message}").into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mode_comes_from_the_embed_parameter() {
        assert_eq!(mode_from_query("?embed=validator"), Some(Mode::Validator));
        assert_eq!(
            mode_from_query("?lang=sv&embed=validator"),
            Some(Mode::Validator)
        );
        assert_eq!(mode_from_query(""), None);
        assert_eq!(mode_from_query("?embed"), None);
        assert_eq!(mode_from_query("?embed=console"), None);
        assert_eq!(mode_from_query("?xembed=validator"), None);
        assert_eq!(query_param("?a=1&lang=sv", "lang").as_deref(), Some("sv"));
    }

    #[test]
    fn origins_are_normalised_as_browsers_serialise_them() {
        let ok = |text: &str| normalise_origin(text);
        assert_eq!(
            ok("https://portal.example").as_deref(),
            Some("https://portal.example")
        );
        assert_eq!(
            ok(" HTTPS://Portal.Example:443/ ").as_deref(),
            Some("https://portal.example")
        );
        assert_eq!(
            ok("http://127.0.0.1:8081").as_deref(),
            Some("http://127.0.0.1:8081")
        );
        assert_eq!(
            ok("http://localhost:80").as_deref(),
            Some("http://localhost")
        );
        assert_eq!(
            ok("https://portal.example:8443").as_deref(),
            Some("https://portal.example:8443")
        );
        assert_eq!(
            ok("http://[::1]:3000").as_deref(),
            Some("http://[::1]:3000")
        );
        for bad in [
            "*",
            "null",
            "",
            "portal.example",
            "https://",
            "https://portal.example/path",
            "https://portal.example?x",
            "https://user@portal.example",
            "ftp://portal.example",
            "javascript://portal.example",
            "https://portal.example:0",
            "https://portal.example:99999",
            "https://portal.example:+80",
            "https://pörtal.example",
            "https://*.portal.example",
            "https://.portal.example",
        ] {
            assert_eq!(normalise_origin(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_allow_list_is_strict() {
        let origins = parse_allowed_origins(
            r#"{"allowedOrigins": ["https://Portal.example/", "https://portal.example", "http://127.0.0.1:8081"]}"#,
        )
        .unwrap();
        assert_eq!(origins, ["https://portal.example", "http://127.0.0.1:8081"]);
        assert!(is_allowed(&origins, "https://portal.example"));
        assert!(is_allowed(&origins, "http://127.0.0.1:8081"));
        for other in [
            "https://portal.example.evil",
            "https://evil.portal.example",
            "http://portal.example",
            "https://portal.example:8443",
            "http://127.0.0.1:8082",
            "null",
            "",
            "*",
        ] {
            assert!(!is_allowed(&origins, other), "{other:?}");
        }
    }

    #[test]
    fn a_bad_config_allows_nothing() {
        assert_eq!(
            parse_allowed_origins(r#"{"allowedOrigins": []}"#),
            Ok(vec![])
        );
        assert!(matches!(
            parse_allowed_origins(r#"{"allowedOrigins": ["*"]}"#),
            Err(ConfigError::Origin(entry)) if entry == "*"
        ));
        assert!(matches!(
            parse_allowed_origins(
                r#"{"allowedOrigins": ["https://ok.example", "https://bad.example/x"]}"#
            ),
            Err(ConfigError::Origin(_))
        ));
        for shape in [
            "",
            "<!DOCTYPE html><html></html>",
            "[]",
            r#"{"allowedOrigins": "https://portal.example"}"#,
            r#"{"allowed_origins": ["https://portal.example"]}"#,
            r#"{"allowedOrigins": [], "extra": 1}"#,
        ] {
            assert!(
                matches!(parse_allowed_origins(shape), Err(ConfigError::Shape(_))),
                "{shape:?}"
            );
        }
    }

    #[test]
    fn theme_messages_keep_only_safe_esim_properties() {
        let message = json!({
            "type": THEME_TYPE,
            "vars": {
                "--esim-accent": " #0b5cad ",
                "--esim-font": "\"Inter\", system-ui, sans-serif",
                "--esim-radius": "calc(2px + 0.25rem)",
                "--esim-surface": "color-mix(in srgb, white 90%, rgb(11 92 173))",
                "--esim-bg": "url(https://evil.example/pixel)",
                "--esim-text": "red; background: url(x)",
                "--esim-border": "\\75 rl(x)",
                "--esim-focus": "image-set(\"x.png\" 1x)",
                "--esim-mark": "var(--esim-accent)",
                "--esim-error": "\"unbalanced",
                "--esim-warning": "rgb(1 2 3))",
                "--esim-Upper": "red",
                "--esim-": "red",
                "--other": "red",
                "color": "red",
                "--esim-number": 3
            }
        });
        let Some(Incoming::Theme(vars)) = parse_message(&message.to_string()) else {
            panic!("a theme message");
        };
        let names: Vec<&str> = vars.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            [
                "--esim-accent",
                "--esim-font",
                "--esim-mark",
                "--esim-radius",
                "--esim-surface"
            ]
        );
        assert_eq!(vars[0].1, "#0b5cad");
    }

    #[test]
    fn the_largest_theme_message_fits_the_message_limit() {
        let vars: serde_json::Map<String, Value> = (0..MAX_THEME_VARS)
            .map(|i| {
                let name = format!("{THEME_PREFIX}{i:0>57}");
                assert!(is_theme_property(&name));
                (name, json!("#".repeat(MAX_THEME_VALUE_LEN)))
            })
            .collect();
        let message = json!({"type": THEME_TYPE, "vars": vars}).to_string();
        assert!(
            message.len() * 3 < MAX_MESSAGE_CHARS as usize,
            "{}",
            message.len()
        );
    }

    #[test]
    fn unknown_messages_are_ignored() {
        assert_eq!(
            parse_message(r#"{"type":"esim-csv:hello"}"#),
            Some(Incoming::Hello)
        );
        for other in [
            "",
            "null",
            "\"esim-csv:hello\"",
            r#"{"type":"esim-csv:report"}"#,
            r#"{"type":"esim-csv:theme"}"#,
            r#"{"type":"esim-csv:theme","vars":["--esim-accent"]}"#,
            r#"{"kind":"esim-csv:hello"}"#,
        ] {
            assert_eq!(parse_message(other), None, "{other:?}");
        }
        let too_many: serde_json::Map<String, Value> = (0..100)
            .map(|i| (format!("--esim-x{i}"), json!("red")))
            .collect();
        let message = json!({"type": THEME_TYPE, "vars": too_many}).to_string();
        let Some(Incoming::Theme(vars)) = parse_message(&message) else {
            panic!("a theme message");
        };
        assert_eq!(vars.len(), MAX_THEME_VARS);
    }

    #[test]
    fn the_report_message_carries_the_command_line_json() {
        let file = b"smdp.example.com\n8946000000000000014,ABCD-1234-XYZ\n894600000000014,X\n";
        let report = esim_csv::check(file, &esim_csv::Options::file("pool.csv"));
        let message: Value =
            serde_json::from_str(&report_message("pool.csv", &report, Lang::Sv)).unwrap();
        assert_eq!(message["type"], REPORT_TYPE);
        assert_eq!(message["version"], 1);
        assert_eq!(message["file"], "pool.csv");
        let expected = serde_json::to_value(report.to_json(Lang::Sv)).unwrap();
        assert_eq!(message["report"], expected);
        assert_eq!(message["report"]["valid"], false);
        assert_eq!(message["report"]["counts"]["iccid-length"], 1);

        let ready: Value = serde_json::from_str(&ready_message()).unwrap();
        assert_eq!(ready, json!({"type": READY_TYPE, "version": 1}));
    }

    /// The `--esim-*` colours of `style/theme.css`: the light block, then the dark one.
    fn theme_colours() -> [BTreeMap<String, [f64; 3]>; 2] {
        let css = include_str!("../style/theme.css");
        let (light, dark) = css
            .split_once("prefers-color-scheme: dark")
            .expect("a dark block");
        let colours = |block: &str| {
            block
                .lines()
                .filter_map(|line| {
                    let (name, value) = line.trim().split_once(':')?;
                    let hex = value.trim().strip_suffix(';')?.strip_prefix('#')?;
                    let channel = |i: usize| {
                        f64::from(u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")) / 255.0
                    };
                    Some((name.to_owned(), [channel(0), channel(2), channel(4)]))
                })
                .collect()
        };
        [colours(light), colours(dark)]
    }

    fn contrast(a: [f64; 3], b: [f64; 3]) -> f64 {
        let luminance = |c: [f64; 3]| {
            let linear = |v: f64| {
                if v <= 0.03928 {
                    v / 12.92
                } else {
                    ((v + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * linear(c[0]) + 0.7152 * linear(c[1]) + 0.0722 * linear(c[2])
        };
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn theme_defaults_meet_aa() {
        const TEXT: f64 = 4.5;
        const NON_TEXT: f64 = 3.0;
        let pairs = [
            ("--esim-text", "--esim-bg", TEXT),
            ("--esim-text", "--esim-surface", TEXT),
            ("--esim-text-muted", "--esim-bg", TEXT),
            ("--esim-text-muted", "--esim-surface", TEXT),
            ("--esim-accent", "--esim-bg", TEXT),
            ("--esim-on-accent", "--esim-accent", TEXT),
            ("--esim-ok", "--esim-ok-bg", TEXT),
            ("--esim-ok", "--esim-bg", TEXT),
            ("--esim-error", "--esim-error-bg", TEXT),
            ("--esim-error", "--esim-bg", TEXT),
            ("--esim-warning", "--esim-warning-bg", TEXT),
            ("--esim-warning", "--esim-bg", TEXT),
            ("--esim-mark", "--esim-mark-bg", TEXT),
            ("--esim-border", "--esim-bg", NON_TEXT),
            ("--esim-focus", "--esim-bg", NON_TEXT),
            ("--esim-focus", "--esim-surface", NON_TEXT),
        ];
        for (scheme, colours) in ["light", "dark"].into_iter().zip(theme_colours()) {
            for (fg, bg, minimum) in pairs {
                let ratio = contrast(colours[fg], colours[bg]);
                assert!(
                    ratio >= minimum,
                    "{scheme}: {fg} on {bg} is {ratio:.2}:1, below {minimum}:1"
                );
            }
        }
    }

    #[test]
    fn publishing_before_the_config_is_read_queues() {
        let embed = Embed::validator(Lang::En);
        assert!(embed.chrome_hidden());
        assert_eq!(embed.allowed_origins(), None);
        let report = esim_csv::check(b"smdp.example.com\n", &esim_csv::Options::default());
        embed.publish("a.csv", &report);
        embed.set_lang(Lang::Sv);
        embed.publish("b.csv", &report);
        let link = embed.link.as_ref().unwrap();
        assert_eq!(lock(link).pending.len(), 2);
        // The default (used by tests of the views) posts nothing and hides nothing.
        let plain = Embed::default();
        assert!(!plain.chrome_hidden());
        plain.publish("a.csv", &report);
    }
}
