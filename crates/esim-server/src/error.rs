//! One error type for every route, answered in Graph's error shape.
//!
//! Internal errors are logged with the request id and never sent to the client; a unique
//! violation becomes a 409; a malformed JSON body gets the same shape as every other error
//! (the [`GraphJson`] extractor).

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use esim_wire::{ErrorBody, ErrorDetail, GraphError, InnerError};
use serde::de::DeserializeOwned;

use crate::messages::{Kind, Message};

tokio::task_local! {
    /// The id of the request being served (set by the request-id middleware).
    pub static REQUEST_ID: String;
}

/// The current request's id, or `-` outside a request.
pub fn request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "-".into())
}

/// Everything a handler can answer besides success. The messages are written in the
/// request's language when the error becomes a response ([`crate::messages`]).
#[derive(Debug)]
pub enum ApiError {
    /// 400: the request is malformed or names something that cannot be used.
    BadRequest(Message),
    /// 401: no valid bearer token.
    Unauthorized,
    /// 401 `InvalidAuthenticationToken`: a provider's token that failed verification (the
    /// message says why; in English also in `WWW-Authenticate: Bearer
    /// error="invalid_token"`).
    InvalidToken(Message),
    /// 403: the token's role does not allow this.
    Forbidden(Message),
    /// 404.
    NotFound(Message),
    /// 405.
    MethodNotAllowed,
    /// 409: the state forbids it (a unique value taken, a state transition not allowed).
    Conflict(Message),
    /// 413.
    PayloadTooLarge(Message),
    /// 415.
    UnsupportedMediaType(Message),
    /// 422 `invalidActivationCodes`: every finding in `details`.
    InvalidActivationCodes(Vec<ErrorDetail>),
    /// 429 with `Retry-After` (seconds): too many refused tokens from this address
    /// ([`crate::auth::limit`]).
    TooManyRequests(u64),
    /// 503: the database cannot be reached.
    Unavailable(String),
    /// 503 with `Retry-After`: the database aborted the transaction (a deadlock or a
    /// serialization failure) more often than [`crate::db::retry`] runs it again.
    Transient(String),
    /// 503 with `Retry-After`: the request took longer than `--request-timeout` and was
    /// stopped (its transaction rolled back).
    TimedOut(std::time::Duration),
    /// 503: the identity provider's signing keys cannot be fetched.
    IdentityUnavailable(Message),
    /// 500: logged, never sent.
    Internal(String),
}

/// The result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// The status and Graph's code, spelled as Graph's Intune endpoints send it (.NET's
    /// status names, `ResourceNotFound`, the gateway's `InvalidAuthenticationToken`; the
    /// table in `docs/API-DESIGN.md`). `invalidActivationCodes` is this server's own.
    fn status_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "BadRequest"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken"),
            ApiError::InvalidToken(_) => (StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "Forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "ResourceNotFound"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "Conflict"),
            ApiError::PayloadTooLarge(_) => {
                (StatusCode::PAYLOAD_TOO_LARGE, "RequestEntityTooLarge")
            }
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "UnsupportedMediaType")
            }
            ApiError::InvalidActivationCodes(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalidActivationCodes")
            }
            ApiError::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "TooManyRequests"),
            ApiError::Unavailable(_)
            | ApiError::Transient(_)
            | ApiError::TimedOut(_)
            | ApiError::IdentityUnavailable(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable")
            }
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError"),
        }
    }

    /// The seconds of the `Retry-After` header, for the errors that have one.
    fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::Transient(_) | ApiError::TimedOut(_) => Some(1),
            ApiError::TooManyRequests(seconds) => Some(*seconds),
            _ => None,
        }
    }

    /// A 404 for a thing of this kind and id.
    pub fn not_found(kind: Kind, id: &str) -> Self {
        ApiError::NotFound(Message::NotFound {
            kind,
            id: id.to_owned(),
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_code();
        let retry_after = self.retry_after();
        let challenge = match &self {
            ApiError::InvalidToken(why) => {
                // A quoted-string: no quotes or backslashes inside; in English, as header
                // values are ASCII.
                let why: String = why
                    .text(esim_csv::Lang::En)
                    .chars()
                    .filter(|c| *c != '"' && *c != '\\')
                    .collect();
                HeaderValue::from_str(&format!(
                    "Bearer error=\"invalid_token\", error_description=\"{why}\""
                ))
                .unwrap_or_else(|_| HeaderValue::from_static("Bearer error=\"invalid_token\""))
            }
            _ => HeaderValue::from_static("Bearer"),
        };
        let (message, details) = match self {
            ApiError::BadRequest(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::Conflict(m)
            | ApiError::PayloadTooLarge(m)
            | ApiError::UnsupportedMediaType(m)
            | ApiError::InvalidToken(m) => (m, Vec::new()),
            ApiError::Unauthorized => (Message::Unauthorized, Vec::new()),
            ApiError::TooManyRequests(seconds) => {
                (Message::TooManyRequests { seconds }, Vec::new())
            }
            ApiError::MethodNotAllowed => (Message::MethodNotAllowed, Vec::new()),
            ApiError::InvalidActivationCodes(details) => {
                let errors = details
                    .iter()
                    .filter(|d| d.severity.as_deref() != Some("warning"))
                    .count();
                (Message::Rejected { errors }, details)
            }
            ApiError::Unavailable(m) => {
                tracing::warn!(error = %m, "unavailable");
                (Message::DatabaseUnreachable, Vec::new())
            }
            ApiError::Transient(m) => {
                tracing::warn!(error = %m, "transaction aborted by the database, retries used up");
                (Message::DatabaseBusy, Vec::new())
            }
            ApiError::TimedOut(limit) => {
                tracing::warn!(limit_s = limit.as_secs_f64(), "request timed out");
                (Message::TimedOut { limit }, Vec::new())
            }
            ApiError::IdentityUnavailable(m) => {
                tracing::warn!(error = %m.text(esim_csv::Lang::En), "identity provider unavailable");
                (m, Vec::new())
            }
            ApiError::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                (Message::Internal, Vec::new())
            }
        };
        let message = message.in_request();
        let body = ErrorBody {
            error: GraphError {
                code: code.to_owned(),
                message,
                details,
                inner_error: Some(InnerError {
                    date: crate::util::now(),
                    request_id: request_id(),
                }),
            },
        };
        let mut res = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenge);
        }
        if let Some(seconds) = retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        res
    }
}

/// True when the database aborted a transaction that may succeed when run again: a
/// deadlock (`40P01`) or a serialization failure (`40001`), both PostgreSQL's
/// ([`crate::db::retry`] runs it again).
pub fn is_transient(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if matches!(d.code().as_deref(), Some("40P01" | "40001")))
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                ApiError::Conflict(Message::Unique)
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) => ApiError::Unavailable(e.to_string()),
            _ if is_transient(&e) => ApiError::Transient(e.to_string()),
            _ => ApiError::Internal(e.to_string()),
        }
    }
}

/// `Json` whose rejections are Graph errors: 400 for bad JSON or wrong types (naming the
/// field), 415 without a JSON content type, 413 over the body limit.
#[derive(Debug, Clone, Copy, Default)]
pub struct GraphJson<T>(pub T);

impl<S, T> FromRequest<S> for GraphJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(GraphJson(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    match r {
        JsonRejection::JsonDataError(e) => ApiError::BadRequest(Message::JsonShape {
            detail: std::error::Error::source(&e)
                .map(ToString::to_string)
                .unwrap_or_else(|| e.body_text()),
        }),
        JsonRejection::JsonSyntaxError(e) => ApiError::BadRequest(Message::JsonSyntax {
            detail: std::error::Error::source(&e)
                .map(ToString::to_string)
                .unwrap_or_else(|| e.body_text()),
        }),
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::UnsupportedMediaType(Message::JsonContentType)
        }
        JsonRejection::BytesRejection(e) => body_rejection(e.status(), e.body_text()),
        other => ApiError::BadRequest(Message::Body {
            detail: other.body_text(),
        }),
    }
}

/// A body that could not be read: over the limit (413) or broken (400).
pub fn body_rejection(status: StatusCode, text: String) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge(Message::BodyTooLarge { detail: text })
    } else {
        ApiError::BadRequest(Message::Body { detail: text })
    }
}
