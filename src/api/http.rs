//! Sending requests with the browser's `fetch` (gloo-net). Every answer goes through
//! [`super::decode`], so views only ever see typed values or an [`ApiError`].

use std::sync::atomic::{AtomicBool, Ordering};

use esim_wire::Collection;
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{decode, ApiError, Client, Resource};

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

/// A response as read: status, content type and body. The requests are sent and read by
/// non-generic functions; only [`decode`] is generic (one copy of the fetch code in the wasm,
/// not one per response type).
struct Raw {
    status: u16,
    content_type: Option<String>,
    body: String,
}

impl Raw {
    fn decode<T: DeserializeOwned>(self) -> Result<T, ApiError> {
        decode(self.status, self.content_type.as_deref(), &self.body)
    }
}

/// What a request carries.
enum Body<'a> {
    None,
    Json(String),
    Csv(&'a [u8]),
}

async fn send(client: &Client, method: &str, url: &str, body: Body<'_>) -> Result<Raw, ApiError> {
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
    let body = response
        .text()
        .await
        .map_err(|e| ApiError::Unreachable(e.to_string()))?;
    Ok(Raw {
        status,
        content_type,
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
        Some(url) => url.to_owned(),
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
    mut progress: impl FnMut(&[T], bool) -> bool,
) -> Result<Vec<T>, ApiError> {
    let mut items = Vec::new();
    let mut url = client.first_page_url(resource);
    for _ in 0..MAX_PAGES {
        let page: Collection<T> = send(client, "GET", &url, Body::None).await?.decode()?;
        let go_on = progress(&page.value, items.is_empty());
        items.extend(page.value);
        match page.next_link {
            Some(link) if go_on => url = link,
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
    send(client, method, &client.url(resource), Body::Json(json))
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
