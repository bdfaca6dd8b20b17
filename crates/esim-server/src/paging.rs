//! Paging: `$top` (capped) and `$skiptoken` (the last id of the page before), with a
//! whole-URL `@odata.nextLink` while more pages remain.

use std::collections::HashMap;

use axum::extract::Query;
use axum::http::{header, HeaderMap, Uri};
use esim_wire::Collection;

use crate::error::{ApiError, ApiResult};
use crate::Config;

/// The default page size.
pub const DEFAULT_TOP: i64 = 100;

/// One page's request.
#[derive(Debug, Clone)]
pub struct Paging {
    /// Items asked for.
    pub top: i64,
    /// Items after this id (empty: from the start).
    pub after: String,
}

impl Paging {
    /// Reads `$top` and `$skiptoken` from the URI.
    pub fn from_uri(uri: &Uri, config: &Config) -> ApiResult<Paging> {
        let Query(q) = Query::<HashMap<String, String>>::try_from_uri(uri)
            .map_err(|e| ApiError::BadRequest(format!("The query string is malformed: {e}")))?;
        let top = match q.get("$top") {
            None => DEFAULT_TOP.min(config.max_page),
            Some(t) => match t.parse::<i64>() {
                Ok(n) if n >= 1 => n.min(config.max_page),
                _ => {
                    return Err(ApiError::BadRequest(format!(
                        "$top must be a whole number from 1 to {}; got '{t}'.",
                        config.max_page
                    )))
                }
            },
        };
        Ok(Paging {
            top,
            after: q.get("$skiptoken").cloned().unwrap_or_default(),
        })
    }

    /// The `LIMIT`: one more than asked, to know whether another page follows.
    pub fn limit(&self) -> i64 {
        self.top + 1
    }

    /// Cuts the extra item and links the next page.
    pub fn page<T>(
        &self,
        mut items: Vec<T>,
        key: impl Fn(&T) -> &str,
        uri: &Uri,
        headers: &HeaderMap,
        config: &Config,
    ) -> Collection<T> {
        let more = items.len() as i64 > self.top;
        items.truncate(self.top as usize);
        let next_link = match (more, items.last()) {
            (true, Some(last)) => {
                let base = config.public_url.clone().unwrap_or_else(|| {
                    let host = headers
                        .get(header::HOST)
                        .and_then(|h| h.to_str().ok())
                        .unwrap_or("localhost");
                    format!("http://{host}")
                });
                Some(format!(
                    "{}{}?$top={}&$skiptoken={}",
                    base.trim_end_matches('/'),
                    uri.path(),
                    self.top,
                    key(last)
                ))
            }
            _ => None,
        };
        Collection {
            value: items,
            next_link,
        }
    }
}
