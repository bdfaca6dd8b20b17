//! Paging: `$top` (capped) and `$skiptoken` (the last id of the page before), with a
//! whole-URL `@odata.nextLink` while more pages remain.
//!
//! A paged list handler takes [`Paging`] as an extractor, reads `paging.limit()` rows
//! after `paging.after` (ordered by the key), and answers `paging.page(rows, key)`:
//!
//! ```ignore
//! pub async fn list(State(s): State<AppState>, paging: Paging) -> ApiResult<Json<Collection<Pool>>> {
//!     let pools = store::list(&s.db, &paging.after, paging.limit()).await?;
//!     Ok(Json(paging.page(pools, |p| &p.id)))
//! }
//! ```

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Query};
use axum::http::header;
use axum::http::request::Parts;
use esim_wire::Collection;

use crate::error::ApiError;
use crate::AppState;

/// The default page size.
pub const DEFAULT_TOP: i64 = 100;

/// One page's request, read from the query string (an extractor; a malformed `$top` is a
/// Graph 400).
#[derive(Debug, Clone)]
pub struct Paging {
    /// Items asked for.
    pub top: i64,
    /// Items after this id (empty: from the start).
    pub after: String,
    /// This collection's URL without the query (`--public-url`, else `http://<Host>`,
    /// and the path): the base of the next page's link.
    base: String,
}

impl FromRequestParts<AppState> for Paging {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, ApiError> {
        let Query(q) = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            .map_err(|e| ApiError::BadRequest(format!("The query string is malformed: {e}")))?;
        let max = s.config.max_page;
        let top = match q.get("$top") {
            None => DEFAULT_TOP.min(max),
            Some(t) => match t.parse::<i64>() {
                Ok(n) if n >= 1 => n.min(max),
                _ => {
                    return Err(ApiError::BadRequest(format!(
                        "$top must be a whole number from 1 to {max}; got '{t}'."
                    )))
                }
            },
        };
        let origin = s.config.public_url.clone().unwrap_or_else(|| {
            let host = parts
                .headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}")
        });
        Ok(Paging {
            top,
            after: q.get("$skiptoken").cloned().unwrap_or_default(),
            base: format!("{}{}", origin.trim_end_matches('/'), parts.uri.path()),
        })
    }
}

impl Paging {
    /// The `LIMIT`: one more than asked, to know whether another page follows.
    pub fn limit(&self) -> i64 {
        self.top + 1
    }

    /// Cuts the extra item and links the next page (after the `key` of the last item).
    pub fn page<T>(&self, mut items: Vec<T>, key: impl Fn(&T) -> &str) -> Collection<T> {
        let more = items.len() as i64 > self.top;
        items.truncate(self.top as usize);
        let next_link = match (more, items.last()) {
            (true, Some(last)) => Some(format!(
                "{}?$top={}&$skiptoken={}",
                self.base,
                self.top,
                key(last)
            )),
            _ => None,
        };
        Collection {
            value: items,
            next_link,
        }
    }
}
