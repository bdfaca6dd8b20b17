//! Sending requests with the browser's `fetch` (gloo-net). Every answer goes through
//! [`super::decode`], so views only ever see typed values or an [`ApiError`].
//!
//! Against Graph every request keeps to this tab's share of Graph's documented limits, and
//! a throttled answer (429, 503) is retried after its `Retry-After` while whoever
//! [`watch_waits`] is told how long the wait is ([`super::throttle`]). A collection's
//! `@odata.nextLink` is followed only on the API's own origin ([`Client::next_url`]).

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};

use esim_wire::Collection;
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::throttle::{self, Window};
use super::{decode, ApiError, Backend, Client, Resource};

/// The most pages [`all_pages`] follows (a guard against a server that links to itself).
pub const MAX_PAGES: usize = 10_000;

/// The language the server writes its messages in (`Accept-Language`): the page's.
static LANGUAGE: AtomicBool = AtomicBool::new(false);

/// Asks the server for messages in `lang` from now on.
pub fn set_language(lang: esim_csv::Lang) {
    LANGUAGE.store(lang == esim_csv::Lang::Sv, Ordering::Relaxed);
}

fn authorised(client: &Client, builder: RequestBuilder) -> RequestBuilder {
    let language = if LANGUAGE.load(Ordering::Relaxed) {
        "sv"
    } else {
        "en"
    };
    builder
        .header("Authorization", &format!("Bearer {}", client.token()))
        .header("Accept", "application/json")
        .header("Accept-Language", language)
}

/// A request waiting because the backend is busy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    /// Which backend said so.
    pub backend: Backend,
    /// Seconds until the next try.
    pub seconds: u32,
}

type Watcher = Box<dyn Fn(Option<Wait>)>;

thread_local! {
    /// Graph's windows for this tab: every request, and writes.
    static WINDOWS: RefCell<(Window, Window)> = RefCell::new((
        Window::new(throttle::GRAPH_REQUESTS, throttle::GRAPH_SPAN_MS),
        Window::new(throttle::GRAPH_WRITES, throttle::GRAPH_SPAN_MS),
    ));
    /// Who is told about waits (the console's busy notice).
    static WATCHER: RefCell<Option<Watcher>> = const { RefCell::new(None) };
    /// Requests waiting after a throttled answer.
    static WAITING: RefCell<u32> = const { RefCell::new(0) };
}

/// Tells `watch` about every wait after a throttled answer (`Some`, each second of it) and
/// when no request waits any more (`None`). One watcher; a new one replaces it.
pub fn watch_waits(watch: impl Fn(Option<Wait>) + 'static) {
    WATCHER.with(|w| *w.borrow_mut() = Some(Box::new(watch)));
}

fn tell(wait: Option<Wait>) {
    WATCHER.with(|w| {
        if let Some(watch) = w.borrow().as_ref() {
            watch(wait);
        }
    });
}

/// Waits `seconds` after a throttled answer, telling the watcher each second.
async fn wait_visibly(backend: Backend, seconds: u32) {
    WAITING.with(|n| *n.borrow_mut() += 1);
    for left in (1..=seconds).rev() {
        tell(Some(Wait {
            backend,
            seconds: left,
        }));
        crate::browser::sleep_ms(1000).await;
    }
    let still = WAITING.with(|n| {
        let mut n = n.borrow_mut();
        *n = n.saturating_sub(1);
        *n
    });
    if still == 0 {
        tell(None);
    }
}

/// How long a request must wait for room in this tab's Graph windows (0: none, and it is
/// counted now); always 0 on this project's server.
fn window_wait(client: &Client, method: &str) -> f64 {
    if client.backend() != Backend::Graph {
        return 0.0;
    }
    let now = crate::browser::now_ms();
    WINDOWS.with(|w| {
        let (all, writes) = &mut *w.borrow_mut();
        // A write must fit both windows; count it in neither until it does.
        if throttle::is_write(method) {
            let mut probe = writes.clone();
            let write_wait = probe.wait_ms(now);
            if write_wait > 0.0 {
                return write_wait;
            }
            let all_wait = all.wait_ms(now);
            if all_wait == 0.0 {
                *writes = probe;
            }
            all_wait
        } else {
            all.wait_ms(now)
        }
    })
}

/// Holds a request to Graph until this tab's windows allow it.
async fn pace(client: &Client, method: &str) {
    loop {
        let wait = window_wait(client, method);
        if wait <= 0.0 {
            return;
        }
        crate::browser::sleep_ms(wait.ceil().min(f64::from(i32::MAX)) as i32).await;
    }
}

/// A response as read: status, content type and body. The requests are sent and read by
/// non-generic functions; only [`decode`] is generic (one copy of the fetch code in the wasm,
/// not one per response type).
struct Raw {
    status: u16,
    content_type: Option<String>,
    retry_after: Option<String>,
    body: String,
}

impl Raw {
    fn decode<T: DeserializeOwned>(self) -> Result<T, ApiError> {
        decode(self.status, self.content_type.as_deref(), &self.body)
    }
}

/// What a request carries.
#[derive(Clone, Copy)]
enum Body<'a> {
    None,
    Json(&'a str),
    Csv(&'a [u8]),
}

/// Sends a request within Graph's limits, retrying it after throttled answers.
async fn send(client: &Client, method: &str, url: &str, body: Body<'_>) -> Result<Raw, ApiError> {
    send_retry(client, method, url, body, 0).await
}

/// [`send`] with `attempt` of its retries spent already (a first try sent early and
/// throttled, [`Sent::receive`]: 1), so that it is retried at most [`throttle::MAX_RETRIES`]
/// times in all.
async fn send_retry(
    client: &Client,
    method: &str,
    url: &str,
    body: Body<'_>,
    mut attempt: u32,
) -> Result<Raw, ApiError> {
    loop {
        pace(client, method).await;
        let raw = send_once(client, method, url, body).await?;
        match throttle::retry_delay(raw.status, raw.retry_after.as_deref(), attempt) {
            Some(seconds) => wait_visibly(client.backend(), seconds).await,
            None => return Ok(raw),
        }
        attempt += 1;
    }
}

async fn send_once(
    client: &Client,
    method: &str,
    url: &str,
    body: Body<'_>,
) -> Result<Raw, ApiError> {
    let _traffic = crate::browser::Traffic::start();
    let builder = match method {
        "PATCH" => Request::patch(url),
        "PUT" => Request::put(url),
        "POST" => Request::post(url),
        "DELETE" => Request::delete(url),
        _ => Request::get(url),
    };
    let builder = authorised(client, builder);
    let request = match body {
        Body::None => builder.build(),
        Body::Json(json) => builder
            .header("Content-Type", "application/json")
            .body(json),
        Body::Csv(bytes) => builder
            .header("Content-Type", "text/csv")
            .body(js_sys::Uint8Array::from(bytes)),
    }
    .map_err(build_error)?;
    let response = request
        .send()
        .await
        .map_err(|e| ApiError::Unreachable(e.to_string()))?;
    read(response).await
}

async fn read(response: Response) -> Result<Raw, ApiError> {
    let status = response.status();
    let content_type = response.headers().get("content-type");
    let retry_after = response.headers().get("retry-after");
    let body = response
        .text()
        .await
        .map_err(|e| ApiError::Unreachable(e.to_string()))?;
    Ok(Raw {
        status,
        content_type,
        retry_after,
        body,
    })
}

fn build_error(e: gloo_net::Error) -> ApiError {
    ApiError::Unexpected {
        status: 0,
        detail: format!("the request could not be built: {e}"),
    }
}

/// `GET` a resource.
pub async fn get<T: DeserializeOwned>(
    client: &Client,
    resource: &Resource<'_>,
) -> Result<T, ApiError> {
    get_url(client, &client.url(resource)).await
}

/// `GET` a whole URL (an `@odata.nextLink`, followed unchanged).
pub async fn get_url<T: DeserializeOwned>(client: &Client, url: &str) -> Result<T, ApiError> {
    send(client, "GET", url, Body::None).await?.decode()
}

/// One page of a collection: the first when `next` is `None`, else the page it links to.
pub async fn page<T: DeserializeOwned>(
    client: &Client,
    resource: &Resource<'_>,
    next: Option<&str>,
) -> Result<Collection<T>, ApiError> {
    let url = match next {
        Some(link) => client.next_url(link)?,
        None => client.url(resource),
    };
    send(client, "GET", &url, Body::None).await?.decode()
}

/// Every item of a collection, following `@odata.nextLink` (large pages from this
/// project's server, see [`Client::first_page_url`]).
pub async fn all_pages<T: DeserializeOwned>(
    client: &Client,
    resource: &Resource<'_>,
) -> Result<Vec<T>, ApiError> {
    all_pages_with(client, resource, |_, _| true).await
}

/// [`all_pages`] telling `progress` each page as it comes (and whether it is the first);
/// stops early, with what it has, when `progress` returns false.
pub async fn all_pages_with<T: DeserializeOwned>(
    client: &Client,
    resource: &Resource<'_>,
    progress: impl FnMut(&[T], bool) -> bool,
) -> Result<Vec<T>, ApiError> {
    all_pages_from(client, client.first_page_url(resource), progress).await
}

/// [`all_pages_with`] from a first page's URL (such as
/// [`Client::first_page_url_with`] query options).
pub async fn all_pages_from<T: DeserializeOwned>(
    client: &Client,
    first: String,
    progress: impl FnMut(&[T], bool) -> bool,
) -> Result<Vec<T>, ApiError> {
    pages(client, first, None, progress).await
}

/// A `GET` whose `fetch` was called when it was made ([`Sent::get`]), not when a future
/// first ran: a page's first read can go out before the page is drawn (console start-up,
/// issue 11), and the view that needs it takes it up ([`all_pages_from_sent`]).
pub struct Sent {
    url: String,
    token: String,
    response: wasm_bindgen_futures::JsFuture,
}

impl std::fmt::Debug for Sent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sent")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Sent {
    /// Sends `GET url` now (`None` where the browser cannot, or where Graph's window for
    /// this tab is full: then the read goes the usual way).
    pub fn get(client: &Client, url: String) -> Option<Sent> {
        if window_wait(client, "GET") > 0.0 {
            return None;
        }
        let request: web_sys::Request = authorised(client, Request::get(&url)).build().ok()?.into();
        let promise = web_sys::window()?.fetch_with_request(&request);
        // Under way until its answer arrives, whether or not a view takes it up (an early
        // read no view took would otherwise hold the service worker back for its 30 s cap).
        let traffic = crate::browser::Traffic::start();
        let arrived = wasm_bindgen_futures::JsFuture::from(promise.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let _ = arrived.await;
            drop(traffic);
        });
        Some(Sent {
            url,
            token: client.token().to_owned(),
            response: wasm_bindgen_futures::JsFuture::from(promise),
        })
    }

    /// Whether this is `GET url` with `client`'s token.
    pub fn is(&self, client: &Client, url: &str) -> bool {
        self.url == url && self.token == client.token()
    }

    /// The answer, as [`send`] gives it (a throttled one waited out and sent again).
    async fn receive(self, client: &Client) -> Result<Raw, ApiError> {
        let unreachable = |e: wasm_bindgen::JsValue| {
            ApiError::Unreachable(
                js_sys::Error::from(e)
                    .message()
                    .as_string()
                    .unwrap_or_default(),
            )
        };
        let response = self.response.await.map_err(unreachable)?;
        let response = web_sys::Response::from(response);
        let raw = read(Response::from(response)).await?;
        match throttle::retry_delay(raw.status, raw.retry_after.as_deref(), 0) {
            Some(seconds) => {
                wait_visibly(client.backend(), seconds).await;
                send_retry(client, "GET", &self.url, Body::None, 1).await
            }
            None => Ok(raw),
        }
    }
}

/// [`all_pages_from`] whose first page was sent already.
pub async fn all_pages_from_sent<T: DeserializeOwned>(
    client: &Client,
    first: Sent,
    progress: impl FnMut(&[T], bool) -> bool,
) -> Result<Vec<T>, ApiError> {
    pages(client, first.url.clone(), Some(first), progress).await
}

async fn pages<T: DeserializeOwned>(
    client: &Client,
    first: String,
    mut sent: Option<Sent>,
    mut progress: impl FnMut(&[T], bool) -> bool,
) -> Result<Vec<T>, ApiError> {
    let mut items = Vec::new();
    let mut url = first;
    for _ in 0..MAX_PAGES {
        let raw = match sent.take() {
            Some(sent) => sent.receive(client).await?,
            None => send(client, "GET", &url, Body::None).await?,
        };
        let page: Collection<T> = raw.decode()?;
        let go_on = progress(&page.value, items.is_empty());
        items.extend(page.value);
        match page.next_link {
            Some(link) if go_on => url = client.next_url(&link)?,
            _ => return Ok(items),
        }
    }
    Err(ApiError::Unexpected {
        status: 200,
        detail: format!("more than {MAX_PAGES} pages"),
    })
}

/// Sends a JSON body with `method` (`POST`, `PATCH`).
pub async fn send_json<B: Serialize, T: DeserializeOwned>(
    client: &Client,
    method: &str,
    resource: &Resource<'_>,
    body: &B,
) -> Result<T, ApiError> {
    let json = serde_json::to_string(body).map_err(|e| ApiError::Unexpected {
        status: 0,
        detail: format!("the request could not be built: {e}"),
    })?;
    send(client, method, &client.url(resource), Body::Json(&json))
        .await?
        .decode()
}

/// Posts the raw bytes of a file (the project's import routes).
pub async fn send_file<T: DeserializeOwned>(
    client: &Client,
    resource: &Resource<'_>,
    bytes: &[u8],
) -> Result<T, ApiError> {
    send(client, "POST", &client.url(resource), Body::Csv(bytes))
        .await?
        .decode()
}

/// `DELETE` a resource.
pub async fn delete(client: &Client, resource: &Resource<'_>) -> Result<(), ApiError> {
    send(client, "DELETE", &client.url(resource), Body::None)
        .await?
        .decode()
}
