//! The few browser calls the views need: yielding to the event loop, the clock, downloads
//! through a Blob URL, and the remembered language.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Milliseconds since the page loaded (falls back to the wall clock).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or_else(js_sys::Date::now, |performance| performance.now())
}

/// Lets the browser paint and handle input between two steps of work: resolves on a
/// `MessageChannel` message, a new task like `setTimeout(0)` but without its clamping (4 ms
/// after a few nested timers, and one second in a background tab, where a long check would
/// otherwise crawl). Falls back to `setTimeout(0)`.
pub async fn yield_now() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Ok(channel) = web_sys::MessageChannel::new() {
            let port = channel.port1();
            let done = resolve.clone();
            let callback = Closure::once_into_js(move || {
                let _ = done.call0(&JsValue::UNDEFINED);
            });
            port.set_onmessage(Some(callback.unchecked_ref()));
            if channel.port2().post_message(&JsValue::NULL).is_ok() {
                return;
            }
        }
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Saves `bytes` as a file named `name`: a Blob URL clicked through `<a download>`.
pub fn download(name: &str, bytes: &[u8], mime: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = leptos::prelude::document();
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    link.set_hidden(true);
    let body = document.body().ok_or("no body")?;
    body.append_child(&link)?;
    link.click();
    body.remove_child(&link)?;
    // The download has started by the time this runs; then the memory can go.
    let revoke = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(window) = web_sys::window() {
        window.set_timeout_with_callback_and_timeout_and_arguments_0(
            revoke.unchecked_ref(),
            60_000,
        )?;
    }
    Ok(())
}

/// [`download`], a failure logged to the console (there is nothing else the page can do).
pub fn save(name: &str, bytes: &[u8], mime: &str) {
    if let Err(error) = download(name, bytes, mime) {
        web_sys::console::error_2(&"download failed".into(), &error);
    }
}

/// Registers the service worker (`static/sw.js`, next to the console's `index.html`;
/// `script` is its URL relative to the page: `sw.js` on the console, `../sw.js` on the
/// validator-only page) that keeps the built files of both pages for use without a
/// network, and asks it to refresh them. Both wait until the page has started - its load
/// event, then until the page's API requests have paused ([`OFFLINE_QUIET_MS`] with none
/// under way, at most [`OFFLINE_QUIET_MAX_MS`]; a 10,000-device table reads ten pages
/// after the load), then a moment the browser is idle (at most [`OFFLINE_IDLE_MS`]
/// later) - since the worker's install, or its refresh, fetches every built file: at
/// start-up they would compete with the page's own wasm and first requests, and waiting
/// for the network looks idle to the browser. Browsers without service workers, or pages
/// not served over HTTP(S) or localhost, simply go without. Called through `Reflect`,
/// which keeps the service-worker bindings out of web-sys's feature list.
pub fn keep_offline(script: &str) {
    let script = script.to_owned();
    wasm_bindgen_futures::spawn_local(async move {
        after_load().await;
        when_quiet().await;
        when_idle(OFFLINE_IDLE_MS).await;
        register_worker(&script).await;
    });
}

/// How long the page's API requests must have paused before [`keep_offline`] goes on.
pub const OFFLINE_QUIET_MS: f64 = 1_000.0;
/// How long [`keep_offline`] waits at most for that pause (a page that polls the API).
pub const OFFLINE_QUIET_MAX_MS: f64 = 30_000.0;

thread_local! {
    /// API requests under way, and when one last started or ended ([`now_ms`]).
    static TRAFFIC: std::cell::Cell<(u32, f64)> = const { std::cell::Cell::new((0, f64::NEG_INFINITY)) };
}

/// An API request under way: counted from [`Traffic::start`] until dropped
/// ([`keep_offline`] waits for a pause).
#[derive(Debug)]
pub struct Traffic(());

impl Traffic {
    pub fn start() -> Traffic {
        TRAFFIC.with(|t| t.set((t.get().0 + 1, now_ms())));
        Traffic(())
    }
}

impl Drop for Traffic {
    fn drop(&mut self) {
        TRAFFIC.with(|t| t.set((t.get().0.saturating_sub(1), now_ms())));
    }
}

/// Resolves once no API request has been under way for [`OFFLINE_QUIET_MS`] (at most
/// [`OFFLINE_QUIET_MAX_MS`] after it was called).
async fn when_quiet() {
    let start = now_ms();
    loop {
        let (under_way, last) = TRAFFIC.with(std::cell::Cell::get);
        let now = now_ms();
        if (under_way == 0 && now - last >= OFFLINE_QUIET_MS) || now - start >= OFFLINE_QUIET_MAX_MS
        {
            return;
        }
        sleep_ms(250).await;
    }
}

/// How long [`keep_offline`] waits at most for an idle moment after the page's load.
pub const OFFLINE_IDLE_MS: u32 = 5_000;

async fn register_worker(script: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let navigator = window.navigator();
    let Ok(container) = js_sys::Reflect::get(&navigator, &"serviceWorker".into()) else {
        return;
    };
    if container.is_undefined() {
        return;
    }
    let Some(register) = js_sys::Reflect::get(&container, &"register".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return;
    };
    let Some(promise) = register
        .call1(&container, &script.into())
        .ok()
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
    else {
        return;
    };
    // A refused registration (e.g. a policy) leaves the page as it is online. An active
    // worker (every visit after the first; the first one installs it) refreshes the set.
    let Ok(registration) = JsFuture::from(promise).await else {
        return;
    };
    let active = js_sys::Reflect::get(&registration, &"active".into()).unwrap_or_default();
    if let Some(post) = js_sys::Reflect::get(&active, &"postMessage".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    {
        let _ = post.call1(&active, &"refresh".into());
    }
}

/// Resolves once the document has loaded (at once if it has).
async fn after_load() {
    let Some(window) = web_sys::window() else {
        return;
    };
    if window
        .document()
        .is_none_or(|document| document.ready_state() == "complete")
    {
        return;
    }
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let _ = window.add_event_listener_with_callback("load", &resolve);
    });
    let _ = JsFuture::from(promise).await;
}

/// Resolves at the browser's next idle moment, or after `timeout_ms` (`requestIdleCallback`;
/// the next task where it is missing).
async fn when_idle(timeout_ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let Some(window) = web_sys::window() else {
            return;
        };
        let idle = js_sys::Reflect::get(&window, &"requestIdleCallback".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        match idle {
            Some(idle) => {
                let options = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&options, &"timeout".into(), &timeout_ms.into());
                let _ = idle.call2(&window, &resolve, &options);
            }
            None => {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
            }
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Moves the focus to the element with this id, if there is one.
pub fn focus_by_id(id: &str) {
    let element = leptos::prelude::document()
        .get_element_by_id(id)
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}

/// The files of a file input or a drop.
pub fn file_list(files: web_sys::FileList) -> Vec<web_sys::File> {
    (0..files.length()).filter_map(|i| files.get(i)).collect()
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// A remembered value from `localStorage`.
pub fn stored(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Remembers a value in `localStorage` (silently not, where storage is off).
pub fn store(key: &str, value: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(key, value);
    }
}

/// The browser's preferred language tag.
pub fn browser_language() -> Option<String> {
    web_sys::window()?.navigator().language()
}

/// Sets `<html lang>` so screen readers pronounce the page right.
pub fn set_document_lang(tag: &str) {
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("lang", tag);
    }
}

/// Resolves after `ms` milliseconds.
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// After a route change: moves the focus to the page's heading (`main h1`) once it is
/// drawn, so a keyboard or screen-reader user starts at the new content; left alone when
/// the user has focused something else meanwhile.
pub fn focus_main_heading() {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let before = document.active_element();
    wasm_bindgen_futures::spawn_local(async move {
        for _ in 0..40 {
            sleep_ms(25).await;
            let now = document.active_element();
            let body = document
                .body()
                .map(JsCast::unchecked_into::<web_sys::Element>);
            if now != before && now != body {
                return;
            }
            if let Ok(Some(heading)) = document.query_selector("main h1") {
                focus_element(heading);
                return;
            }
        }
    });
}

/// Puts `text` on the clipboard (`navigator.clipboard.writeText`); false when the browser
/// refuses (no permission, not a secure context), so the caller can offer to copy by hand.
pub async fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let clipboard = js_sys::Reflect::get(&window.navigator(), &JsValue::from_str("clipboard"))
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null());
    let Some(clipboard) = clipboard else {
        return false;
    };
    let write = js_sys::Reflect::get(&clipboard, &JsValue::from_str("writeText"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(write) = write else {
        return false;
    };
    match write.call1(&clipboard, &JsValue::from_str(text)) {
        Ok(promise) => match promise.dyn_into::<js_sys::Promise>() {
            Ok(promise) => JsFuture::from(promise).await.is_ok(),
            Err(_) => false,
        },
        Err(_) => false,
    }
}

/// [`focus_by_id`] once the page has drawn what was just changed.
pub fn focus_id_soon(id: &'static str) {
    wasm_bindgen_futures::spawn_local(async move {
        sleep_ms(0).await;
        focus_by_id(id);
    });
}

fn focus_element(element: web_sys::Element) {
    if !element.has_attribute("tabindex") {
        let _ = element.set_attribute("tabindex", "-1");
    }
    let _ = element.unchecked_into::<web_sys::HtmlElement>().focus();
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// A value from the tab's `sessionStorage` (gone when the tab closes).
pub fn session_stored(key: &str) -> Option<String> {
    session_storage()?.get_item(key).ok().flatten()
}

/// Keeps a value in the tab's `sessionStorage`; `None` removes it.
pub fn session_store(key: &str, value: Option<&str>) {
    if let Some(storage) = session_storage() {
        let _ = match value {
            Some(value) => storage.set_item(key, value),
            None => storage.remove_item(key),
        };
    }
}

/// The page's fragment (`location.hash`, with its `#`).
pub fn location_hash() -> String {
    web_sys::window()
        .and_then(|window| window.location().hash().ok())
        .unwrap_or_default()
}

/// The page's origin (`http://host:port`, or `null` for a file).
pub fn location_origin() -> String {
    web_sys::window()
        .and_then(|window| window.location().origin().ok())
        .unwrap_or_default()
}

/// Goes to a fragment as a new history entry (fires `hashchange`).
pub fn set_location_hash(hash: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_hash(hash);
    }
}

/// Replaces the fragment without a history entry and without `hashchange` (used to take
/// the token out of the address bar).
pub fn replace_location_hash(hash: &str) {
    replace_url(&format!(
        "{}{}{hash}",
        location_pathname(),
        location_search()
    ));
}

/// Replaces the address (path, query, fragment) without a history entry or `hashchange`.
fn replace_url(url: &str) {
    if let Some(history) = web_sys::window().and_then(|window| window.history().ok()) {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(url));
    }
}

/// Calls `f` with the new fragment on every `hashchange` (for the page's lifetime).
pub fn on_hash_change(f: impl Fn(String) + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let callback = Closure::<dyn Fn()>::new(move || f(location_hash()));
    let _ =
        window.add_event_listener_with_callback("hashchange", callback.as_ref().unchecked_ref());
    callback.forget();
}

/// The page's query string (`location.search`, with its `?`; empty when none).
pub fn location_search() -> String {
    web_sys::window()
        .and_then(|window| window.location().search().ok())
        .unwrap_or_default()
}

/// The page's path (`location.pathname`).
pub fn location_pathname() -> String {
    web_sys::window()
        .and_then(|window| window.location().pathname().ok())
        .unwrap_or_else(|| "/".to_owned())
}

/// Leaves the page for `url` (the identity provider's sign-in or sign-out).
pub fn assign(url: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(url);
    }
}

/// Replaces the query and the fragment without a history entry and without `hashchange`
/// (takes the provider's answer out of the address bar).
pub fn replace_query_and_hash(hash: &str) {
    replace_url(&format!("{}{hash}", location_pathname()));
}

/// Milliseconds since the epoch (the wall clock, for token lifetimes).
pub fn epoch_ms() -> f64 {
    js_sys::Date::now()
}
