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

async fn finish<T: DeserializeOwned>(
    sent: Result<Response, gloo_net::Error>,
) -> Result<T, ApiError> {
    let response = sent.map_err(|e| ApiError::Unreachable(e.to_string()))?;
    let status = response.status();
    let content_type = response.headers().get("content-type");
    let body = response
        .text()
        .await
        .map_err(|e| ApiError::Unreachable(e.to_string()))?;
    decode(status, content_type.as_deref(), &body)
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
    finish(authorised(client, Request::get(url)).send().await).await
}

/// One page of a collection: the first when `next` is `None`, else the page it links to.
pub async fn page<T: DeserializeOwned>(
    client: &Client,
    resource: &Resource<'_>,
    next: Option<&str>,
) -> Result<Collection<T>, ApiError> {
    match next {
        Some(url) => get_url(client, url).await,
        None => get(client, resource).await,
    }
}

/// Every item of a collection, following `@odata.nextLink`.
pub async fn all_pages<T: DeserializeOwned>(
    client: &Client,
    resource: &Resource<'_>,
) -> Result<Vec<T>, ApiError> {
    let mut items = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page: Collection<T> = page(client, resource, next.as_deref()).await?;
        items.extend(page.value);
        match page.next_link {
            Some(link) => next = Some(link),
            None => return Ok(items),
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
    let url = client.url(resource);
    let builder = match method {
        "PATCH" => Request::patch(&url),
        "PUT" => Request::put(&url),
        _ => Request::post(&url),
    };
    let request = authorised(client, builder)
        .json(body)
        .map_err(build_error)?;
    finish(request.send().await).await
}

/// Posts the raw bytes of a file (the project's import routes).
pub async fn send_file<T: DeserializeOwned>(
    client: &Client,
    resource: &Resource<'_>,
    bytes: &[u8],
) -> Result<T, ApiError> {
    let body = js_sys::Uint8Array::from(bytes);
    let request = authorised(client, Request::post(&client.url(resource)))
        .header("Content-Type", "text/csv")
        .body(body)
        .map_err(build_error)?;
    finish(request.send().await).await
}

/// `DELETE` a resource.
pub async fn delete(client: &Client, resource: &Resource<'_>) -> Result<(), ApiError> {
    finish(
        authorised(client, Request::delete(&client.url(resource)))
            .send()
            .await,
    )
    .await
}
