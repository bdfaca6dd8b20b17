//! Paging: `$top` (capped) and `$skiptoken` (the last id of the page before, or with
//! `$orderby` the number of items before), with a whole-URL `@odata.nextLink` while more
//! pages remain, and the collection's other OData query options ([`crate::odata`]): a
//! collection with a schema there gets `$filter`, `$orderby`, `$select` and `$count` in
//! [`Paging::options`] (carried into the next link); on any other collection they are a
//! 400 naming the option, never ignored.
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

use axum::extract::{FromRequestParts, MatchedPath, Query};
use axum::http::header;
use axum::http::request::Parts;
use esim_odata::QueryOptions;
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
    /// `$filter`, `$orderby`, `$select`, `$count` (empty for a collection without them).
    pub options: QueryOptions,
    /// With `$orderby`: the items before this page (the skiptoken `o<n>`).
    pub offset: i64,
    /// The options carried into the next link, encoded (`&$filter=...`).
    carried: String,
}

impl FromRequestParts<AppState> for Paging {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, ApiError> {
        let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map_err(|e| ApiError::BadRequest(format!("The query string is malformed: {e}")))?;
        let path = parts
            .extensions
            .get::<MatchedPath>()
            .map(MatchedPath::as_str);
        let schema = path.and_then(crate::odata::schema_for);
        let own = path.map_or(&[][..], crate::odata::own_options);
        let options = match schema {
            Some(schema) => {
                QueryOptions::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), schema)
                    .map_err(|e| ApiError::BadRequest(e.0))?
            }
            None => {
                if let Some((k, _)) = pairs.iter().find(|(k, _)| {
                    k.starts_with('$')
                        && !matches!(k.as_str(), "$top" | "$skiptoken")
                        && !own.contains(&k.as_str())
                }) {
                    return Err(ApiError::BadRequest(format!(
                        "The query option '{k}' is not supported on this collection; it takes $top and $skiptoken."
                    )));
                }
                QueryOptions::default()
            }
        };
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let mut carried = String::new();
        for (k, v) in &pairs {
            if matches!(k.as_str(), "$filter" | "$orderby" | "$select" | "$count") {
                carried.push('&');
                carried.extend(form_urlencoded::byte_serialize(k.as_bytes()));
                carried.push('=');
                carried.extend(form_urlencoded::byte_serialize(v.as_bytes()));
            }
        }
        let after = get("$skiptoken").unwrap_or_default();
        let offset = if options.order.is_empty() || after.is_empty() {
            0
        } else {
            after
                .strip_prefix('o')
                .and_then(|n| n.parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "The $skiptoken '{after}' was not made by this server for this $orderby; follow @odata.nextLink unchanged."
                    ))
                })?
        };
        let max = s.config.max_page;
        let top = match get("$top") {
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
            after,
            base: format!("{}{}", origin.trim_end_matches('/'), parts.uri.path()),
            options,
            offset,
            carried,
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
            (true, Some(last)) => {
                let token = if self.options.order.is_empty() {
                    form_urlencoded::byte_serialize(key(last).as_bytes()).collect()
                } else {
                    format!("o{}", self.offset + self.top)
                };
                Some(format!(
                    "{}?$top={}{}&$skiptoken={token}",
                    self.base, self.top, self.carried
                ))
            }
            _ => None,
        };
        Collection {
            value: items,
            next_link,
            count: None,
        }
    }
}
