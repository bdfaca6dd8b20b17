//! An HTTP client for tests and tools: hyper-util's client behind a small builder.
//!
//! [`Request::send`] blocks, and works from plain code and from inside an async test alike
//! (the request runs on a thread of its own with its own runtime); async code on a Tokio
//! runtime can `await` [`Request::send_async`] instead.

use std::time::Duration;

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// A request being built.
#[derive(Debug, Clone)]
#[must_use]
pub struct Request {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    timeout: Duration,
}

/// `GET url`.
pub fn get(url: &str) -> Request {
    Request::new("GET", url)
}

/// `POST url`.
pub fn post(url: &str) -> Request {
    Request::new("POST", url)
}

impl Request {
    /// `method url`, with `Accept: application/json` and a 120-second timeout.
    pub fn new(method: &str, url: &str) -> Request {
        Request {
            method: method.to_owned(),
            url: url.to_owned(),
            headers: vec![("accept".into(), "application/json".into())],
            body: Vec::new(),
            timeout: Duration::from_secs(120),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// `Authorization: Bearer token`.
    pub fn bearer(self, token: &str) -> Request {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// `Authorization: Bearer token` when there is a token.
    pub fn bearer_opt(self, token: Option<&str>) -> Request {
        match token {
            Some(token) => self.bearer(token),
            None => self,
        }
    }

    /// A body of this content type.
    pub fn body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self.header("content-type", content_type)
    }

    /// A JSON body.
    pub fn json(self, value: &Value) -> Request {
        self.body("application/json", value.to_string())
    }

    /// How long the whole exchange may take.
    pub fn timeout(mut self, timeout: Duration) -> Request {
        self.timeout = timeout;
        self
    }

    /// Sends the request and reads the whole answer (blocking).
    pub fn send(self) -> Result<Response> {
        std::thread::scope(|scope| {
            scope
                .spawn(move || {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .context("a runtime for the HTTP request")?
                        .block_on(self.send_async())
                })
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    /// Sends the request and reads the whole answer (on the current Tokio runtime).
    pub async fn send_async(self) -> Result<Response> {
        let what = format!("{} {}", self.method, self.url);
        let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
        let mut request = hyper::Request::builder()
            .method(self.method.as_str())
            .uri(&self.url);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let request = request
            .body(Full::new(Bytes::from(self.body)))
            .with_context(|| format!("{what}: a bad request"))?;
        let exchange = async {
            let response = client.request(request).await?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(name, value)| {
                    let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                    (name.as_str().to_owned(), value)
                })
                .collect();
            let body = response.into_body().collect().await?.to_bytes().to_vec();
            anyhow::Ok(Response {
                status,
                headers,
                body,
            })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .with_context(|| format!("{what}: no answer in {:?}", self.timeout))?
            .with_context(|| what.clone())
    }
}

/// An answer: status, headers (names in lower case) and the whole body.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The body as JSON: `null` when empty, a JSON string of the text when not JSON.
    pub fn json(&self) -> Value {
        if self.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&self.body).unwrap_or_else(|_| Value::String(self.text()))
        }
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The first header of this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The answer when its status is 2xx, else an error with the body.
    pub fn success(self) -> Result<Response> {
        if (200..300).contains(&self.status) {
            Ok(self)
        } else {
            anyhow::bail!("HTTP {}: {}", self.status, self.text())
        }
    }
}
