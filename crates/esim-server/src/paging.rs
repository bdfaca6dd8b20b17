//! Paging: `$top` (capped) and an opaque `$skiptoken`, with a whole-URL `@odata.nextLink`
//! while more pages remain, and the collection's other OData query options
//! ([`crate::odata`]): a collection with a schema there gets `$filter`, `$orderby`,
//! `$select` and `$count` in [`Paging::options`] (carried into the next link); on any other
//! collection they are a 400 naming the option, never ignored.
//!
//! The skiptoken ([`token`]) is base64url text that names where the next page starts: the
//! last item of the page before, by its id and, with `$orderby`, its values of the sorted
//! properties (keyset paging: a page is a seek and a bounded sort, however deep it is, and
//! an item added or removed before it neither repeats nor skips one). `$skip` passes over
//! items on the first page only (`OFFSET`). The token carries a check of that position
//! with the collection's path and the query options it was made for: an edited, truncated
//! or borrowed token is a 400, never a page from somewhere else.
//!
//! The next link's origin is `--public-url` when set; otherwise the request's
//! `Forwarded` (`proto=`, `host=`) or `X-Forwarded-Proto` / `X-Forwarded-Host` headers as
//! a reverse proxy sets them (unless `--ignore-forwarded-headers`), else `http://<Host>`.
//! They shape the link only, never access.
//!
//! A list handler of a collection with a schema takes [`Paging`] as an extractor and lets
//! [`Paging::fetch`] run the query:
//!
//! ```ignore
//! pub async fn list(State(s): State<AppState>, paging: Paging) -> ApiResult<Json<Collection<Value>>> {
//!     let rows = paging.fetch::<Row>(&s.db, COLUMNS, "FROM t WHERE 1 = 1", vec![], "id").await?;
//!     Ok(Json(paging.collection(rows.map(item), |x| &x.id)))
//! }
//! ```

use axum::extract::{FromRequestParts, MatchedPath, Query};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use esim_odata::{order_sql, seek_sql, Kind, Param, QueryOptions};
use esim_wire::Collection;
use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row as _;

use crate::db::Db;
use crate::error::ApiError;
use crate::messages::Message;
use crate::{odata, AppState};

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
    /// With `$orderby`: the sorted properties' values of the item the page starts after
    /// (`None` on the first page), with [`Paging::after`] as its id.
    seek: Option<Vec<Option<Param>>>,
    /// This collection's URL without the query (`--public-url`, else the forwarded or
    /// `Host` origin, and the path): the base of the next page's link.
    base: String,
    /// `$filter`, `$orderby`, `$select`, `$count` (empty for a collection without them).
    pub options: QueryOptions,
    /// With `$skip` (or a position token of an earlier version): the items before this page.
    pub offset: i64,
    /// Pages by position (`offset`), not after an item: the first page with `$skip`.
    by_position: bool,
    /// The options carried into the next link, encoded (`&$filter=...`).
    carried: String,
    /// What a skiptoken is bound to: the path and the carried options.
    scope: String,
}

/// The opaque `$skiptoken`: `base64url(kind, position, check)`.
pub mod token {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use esim_odata::Param;
    use sha2::{Digest, Sha256};

    /// Where a page starts.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Position {
        /// After this key (keyset paging in the collection's own order).
        After(String),
        /// After the item with these values of `$orderby`'s properties (`None`: null) and
        /// this key (keyset paging in `$orderby`'s order).
        Seek(Vec<Option<Param>>, String),
        /// After this many items (tokens of earlier versions, which paged `$orderby` and
        /// `$skip` by position; still read so that a client paging across an upgrade goes on).
        Offset(i64),
    }

    /// `Seek`'s payload: the number of values, each as a tag (0 null, 1 text with its
    /// length, 2 a whole number), then the key.
    fn seek_bytes(values: &[Option<Param>], key: &str) -> Vec<u8> {
        let mut out = vec![values.len() as u8];
        for v in values {
            match v {
                None => out.push(0),
                Some(Param::Text(t)) => {
                    out.push(1);
                    out.extend_from_slice(&(t.len() as u32).to_be_bytes());
                    out.extend_from_slice(t.as_bytes());
                }
                Some(Param::Int(n)) => {
                    out.push(2);
                    out.extend_from_slice(&n.to_be_bytes());
                }
            }
        }
        out.extend_from_slice(key.as_bytes());
        out
    }

    fn read_seek(payload: &[u8]) -> Option<Position> {
        let (&n, mut rest) = payload.split_first()?;
        let mut values = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let (&tag, after) = rest.split_first()?;
            rest = after;
            values.push(match tag {
                0 => None,
                1 => {
                    let (len, after) = rest.split_at_checked(4)?;
                    let len = u32::from_be_bytes(len.try_into().ok()?) as usize;
                    let (text, after) = after.split_at_checked(len)?;
                    rest = after;
                    Some(Param::Text(String::from_utf8(text.to_vec()).ok()?))
                }
                2 => {
                    let (n, after) = rest.split_at_checked(8)?;
                    rest = after;
                    Some(Param::Int(i64::from_be_bytes(n.try_into().ok()?)))
                }
                _ => return None,
            });
        }
        let key = String::from_utf8(rest.to_vec()).ok()?;
        Some(Position::Seek(values, key))
    }

    const CHECK: usize = 12;

    fn check(kind: u8, payload: &[u8], scope: &str) -> [u8; CHECK] {
        let mut h = Sha256::new();
        h.update(b"esim-skiptoken-v1\0");
        h.update([kind]);
        h.update((payload.len() as u64).to_be_bytes());
        h.update(payload);
        h.update(scope.as_bytes());
        let d = h.finalize();
        let mut out = [0; CHECK];
        out.copy_from_slice(&d[..CHECK]);
        out
    }

    /// The token of `position` for this scope (the collection's path and its options).
    pub fn encode(position: &Position, scope: &str) -> String {
        let (kind, payload) = match position {
            Position::After(key) => (b'k', key.as_bytes().to_vec()),
            Position::Seek(values, key) => (b's', seek_bytes(values, key)),
            Position::Offset(n) => (b'o', n.to_be_bytes().to_vec()),
        };
        let mut bytes = vec![kind];
        bytes.extend_from_slice(&payload);
        bytes.extend_from_slice(&check(kind, &payload, scope));
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The position of a token made by [`encode`] for this scope; `None` for anything else.
    pub fn decode(token: &str, scope: &str) -> Option<Position> {
        let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
        if bytes.len() < 1 + CHECK {
            return None;
        }
        let (body, sum) = bytes.split_at(bytes.len() - CHECK);
        let (kind, payload) = (body[0], &body[1..]);
        if check(kind, payload, scope) != sum {
            return None;
        }
        match kind {
            b'k' => String::from_utf8(payload.to_vec())
                .ok()
                .map(Position::After),
            b's' => read_seek(payload),
            b'o' => {
                let n = i64::from_be_bytes(payload.try_into().ok()?);
                (n >= 0).then_some(Position::Offset(n))
            }
            _ => None,
        }
    }
}

/// A host as a link may carry it: a name or address and an optional port; nothing that
/// could end the authority (`/`, `?`, `#`, `@`, spaces) or break out of the URL.
fn valid_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

fn valid_proto(p: &str) -> Option<&'static str> {
    match p.to_ascii_lowercase().as_str() {
        "http" => Some("http"),
        "https" => Some("https"),
        _ => None,
    }
}

/// The first value of a header (the proxy nearest the client writes the first one).
fn first<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    let v = headers.get(name)?.to_str().ok()?;
    v.split(',').next().map(str::trim).filter(|v| !v.is_empty())
}

/// The origin of links for a request: `--public-url`, else what a reverse proxy forwarded
/// (RFC 7239 `Forwarded`, then `X-Forwarded-Proto`/`-Host`) when `forwarded`, else
/// `http://<Host>`. A forwarded value that is not a plain scheme or host is ignored.
pub fn origin(public_url: Option<&str>, headers: &HeaderMap, forwarded: bool) -> String {
    if let Some(u) = public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let host_header = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| valid_host(h))
        .unwrap_or("localhost");
    let (mut proto, mut host) = (None, None);
    if forwarded {
        if let Some(element) = first(headers, "forwarded") {
            for pair in element.split(';') {
                let Some((k, v)) = pair.split_once('=') else {
                    continue;
                };
                let v = v.trim().trim_matches('"');
                match k.trim().to_ascii_lowercase().as_str() {
                    "proto" => proto = valid_proto(v),
                    "host" if valid_host(v) => host = Some(v.to_owned()),
                    _ => {}
                }
            }
        }
        if proto.is_none() {
            proto = first(headers, "x-forwarded-proto").and_then(valid_proto);
        }
        if host.is_none() {
            host = first(headers, "x-forwarded-host")
                .filter(|h| valid_host(h))
                .map(str::to_owned);
        }
    }
    format!(
        "{}://{}",
        proto.unwrap_or("http"),
        host.as_deref().unwrap_or(host_header)
    )
}

impl FromRequestParts<AppState> for Paging {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, ApiError> {
        let Query(pairs) =
            Query::<Vec<(String, String)>>::try_from_uri(&parts.uri).map_err(|e| {
                ApiError::BadRequest(Message::QueryMalformed {
                    detail: e.to_string(),
                })
            })?;
        let path = parts
            .extensions
            .get::<MatchedPath>()
            .map(MatchedPath::as_str);
        let schema = path.and_then(crate::odata::schema_for);
        let own = path.map_or(&[][..], crate::odata::own_options);
        let options = match schema {
            Some(schema) => {
                QueryOptions::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), schema)
                    .map_err(|e| ApiError::BadRequest(Message::Query { detail: e.0 }))?
            }
            None => {
                if let Some((k, _)) = pairs.iter().find(|(k, _)| {
                    k.starts_with('$')
                        && !matches!(k.as_str(), "$top" | "$skiptoken")
                        && !own.contains(&k.as_str())
                }) {
                    return Err(ApiError::BadRequest(Message::QueryOption {
                        option: k.clone(),
                    }));
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
        let mut scope = parts.uri.path().to_owned();
        let mut seen: Vec<&str> = Vec::new();
        for (k, v) in &pairs {
            if matches!(k.as_str(), "$filter" | "$orderby" | "$select" | "$count")
                && !seen.contains(&k.as_str())
            {
                seen.push(k);
                carried.push('&');
                carried.extend(form_urlencoded::byte_serialize(k.as_bytes()));
                carried.push('=');
                carried.extend(form_urlencoded::byte_serialize(v.as_bytes()));
                scope.push('\0');
                scope.push_str(k);
                scope.push('\0');
                scope.push_str(v);
            }
        }
        // Pages start after the last item of the page before: its key, and with `$orderby`
        // its sorted values. `$skip` passes over items on the first page; it is not carried
        // (the next page starts after an item).
        let ordered = !options.order.is_empty();
        let fits = |values: &[Option<Param>]| {
            values.len() == options.order.len()
                && options.order.iter().zip(values).all(|(o, v)| match v {
                    None => true,
                    Some(Param::Int(_)) => matches!(o.property.kind, Kind::Int | Kind::Bool),
                    Some(Param::Text(_)) => !matches!(o.property.kind, Kind::Int | Kind::Bool),
                })
        };
        let (after, seek, offset, by_position) = match get("$skiptoken").filter(|t| !t.is_empty()) {
            None => (
                String::new(),
                None,
                options.skip.unwrap_or(0),
                options.skip.is_some(),
            ),
            Some(t) => match token::decode(&t, &scope) {
                Some(token::Position::After(key)) if !ordered && options.skip.is_none() => {
                    (key, None, 0, false)
                }
                Some(token::Position::Seek(values, key))
                    if ordered && options.skip.is_none() && fits(&values) =>
                {
                    (key, Some(values), 0, false)
                }
                Some(token::Position::Offset(n)) if options.skip.is_none() => {
                    (String::new(), None, n, true)
                }
                _ => {
                    return Err(ApiError::BadRequest(Message::SkipToken {
                        token: t.to_owned(),
                    }))
                }
            },
        };
        let max = s.config.max_page;
        let top = match get("$top") {
            None => DEFAULT_TOP.min(max),
            Some(t) => match t.parse::<i64>() {
                Ok(n) if n >= 1 => n.min(max),
                _ => {
                    return Err(ApiError::BadRequest(Message::Top {
                        max,
                        got: t.to_owned(),
                    }))
                }
            },
        };
        let origin = origin(
            s.config.public_url.as_deref(),
            &parts.headers,
            s.config.forwarded_headers,
        );
        Ok(Paging {
            top,
            after,
            seek,
            base: format!("{origin}{}", parts.uri.path()),
            options,
            offset,
            by_position,
            carried,
            scope,
        })
    }
}

/// One page's items as [`Paging::fetch`] read them, `@odata.count` with `$count=true`, and
/// what the next page's link needs.
#[derive(Debug)]
pub struct Rows<T> {
    /// The items, one more than `$top` when another page follows.
    pub items: Vec<T>,
    /// `@odata.count`.
    pub count: Option<i64>,
    /// With `$orderby` and another page: the sorted values of the page's last item.
    last: Option<Vec<Option<Param>>>,
}

impl<T> Rows<T> {
    /// Items of a collection without `$orderby`, or whose next page starts by position.
    fn new(items: Vec<T>, count: Option<i64>) -> Rows<T> {
        Rows {
            items,
            count,
            last: None,
        }
    }

    /// The same page with each item made into another.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Rows<U> {
        Rows {
            items: self.items.into_iter().map(f).collect(),
            count: self.count,
            last: self.last,
        }
    }
}

impl Paging {
    /// The `LIMIT`: one more than asked, to know whether another page follows.
    pub fn limit(&self) -> i64 {
        self.top + 1
    }

    /// Cuts the extra item and links the next page (after the `key` of the last item), for
    /// a collection without `$orderby`.
    pub fn page<T>(&self, items: Vec<T>, key: impl Fn(&T) -> &str) -> Collection<T> {
        self.page_of(Rows::new(items, None), key)
    }

    fn page_of<T>(&self, rows: Rows<T>, key: impl Fn(&T) -> &str) -> Collection<T> {
        let Rows {
            mut items, last, ..
        } = rows;
        let more = items.len() as i64 > self.top;
        items.truncate(self.top as usize);
        let next_link = match (more, items.last()) {
            (true, Some(item)) => {
                let key = key(item).to_owned();
                let position = match last {
                    _ if self.options.order.is_empty() => token::Position::After(key),
                    Some(values) => token::Position::Seek(values, key),
                    // Sorted items read without their values: by position.
                    None => token::Position::Offset(self.offset + self.top),
                };
                Some(format!(
                    "{}?$top={}{}&$skiptoken={}",
                    self.base,
                    self.top,
                    self.carried,
                    token::encode(&position, &self.scope)
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

    /// [`Paging::page`] of the rows [`Paging::fetch`] read (in their `$orderby`), then only
    /// the `$select`ed properties, and `@odata.count`.
    pub fn collection<T: Serialize>(
        &self,
        rows: Rows<T>,
        key: impl Fn(&T) -> &str,
    ) -> Collection<Value> {
        let count = rows.count;
        let page = self.page_of(rows, key);
        Collection {
            value: odata::project(page.value, self.options.select.as_deref()),
            next_link: page.next_link,
            count,
        }
    }

    /// ` AND (filter)` for `$filter` (empty without), its values appended to `params`.
    pub fn filter_sql(&self, db: &Db, params: &mut Vec<Param>) -> String {
        match &self.options.filter {
            None => String::new(),
            Some(f) => {
                let sql = f.to_sql(odata::dialect(db.backend), params.len() + 1);
                params.extend(sql.params);
                format!(" AND {}", sql.text)
            }
        }
    }

    /// The page's position and order after the `WHERE` conditions, for a collection whose
    /// own order (and keyset) is `key`: ` AND key > $n ORDER BY key LIMIT $m`; with
    /// `$orderby` ` AND (after the last item) ORDER BY ..., key LIMIT $m`; on a first page
    /// with `$skip` ` ORDER BY ..., key LIMIT $m OFFSET $k`. Values appended to `params`.
    pub fn page_sql(&self, key: &str, params: &mut Vec<Param>) -> String {
        if self.by_position {
            params.push(Param::Int(self.limit()));
            params.push(Param::Int(self.offset));
            let n = params.len();
            format!(
                " ORDER BY {} LIMIT ${} OFFSET ${n}",
                self.order_sql(key),
                n - 1
            )
        } else if self.options.order.is_empty() {
            params.push(Param::Text(self.after.clone()));
            params.push(Param::Int(self.limit()));
            let n = params.len();
            format!(" AND {key} > ${} ORDER BY {key} LIMIT ${n}", n - 1)
        } else {
            let seek = match &self.seek {
                None => String::new(),
                Some(values) => {
                    let sql = seek_sql(
                        &self.options.order,
                        values,
                        key,
                        &self.after,
                        params.len() + 1,
                    );
                    params.extend(sql.params);
                    format!(" AND {}", sql.text)
                }
            };
            params.push(Param::Int(self.limit()));
            format!(
                "{seek} ORDER BY {} LIMIT ${}",
                self.order_sql(key),
                params.len()
            )
        }
    }

    /// The `ORDER BY` keys of this page: `$orderby`'s, then `key`.
    pub fn order_sql(&self, key: &str) -> String {
        order_sql(&self.options.order, key)
    }

    /// The columns a page's `SELECT` adds after its own so that the next page can start
    /// after its last item: `$orderby`'s properties (`, column AS seek_0, ...`; empty
    /// without `$orderby`), read back by [`Paging::rows`].
    pub fn seek_columns(&self) -> String {
        self.options
            .order
            .iter()
            .enumerate()
            .map(|(i, o)| format!(", {} AS seek_{i}", o.property.column))
            .collect()
    }

    /// The page's items from the rows of a `SELECT` that ends in [`Paging::seek_columns`]
    /// (each item from its own columns at the start of the row), with `count`.
    pub fn rows<R>(&self, rows: Vec<AnyRow>, count: Option<i64>) -> Result<Rows<R>, ApiError>
    where
        R: for<'r> sqlx::FromRow<'r, AnyRow>,
    {
        let last = match rows.get(self.top as usize - 1) {
            Some(row) if rows.len() as i64 > self.top && !self.options.order.is_empty() => Some(
                self.options
                    .order
                    .iter()
                    .enumerate()
                    .map(|(i, o)| {
                        let column = format!("seek_{i}");
                        Ok(match o.property.kind {
                            Kind::Int | Kind::Bool => row
                                .try_get::<Option<i64>, _>(column.as_str())?
                                .map(Param::Int),
                            _ => row
                                .try_get::<Option<String>, _>(column.as_str())?
                                .map(Param::Text),
                        })
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()?,
            ),
            _ => None,
        };
        let items = rows
            .iter()
            .map(R::from_row)
            .collect::<Result<Vec<R>, sqlx::Error>>()?;
        Ok(Rows { items, count, last })
    }

    /// The items of a collection (`{from_where}` with `params`, as in [`Paging::fetch`])
    /// that `$filter` selects: `@odata.count`, and the body of `GET .../$count`.
    pub async fn count(
        &self,
        db: &Db,
        from_where: &str,
        mut params: Vec<Param>,
    ) -> Result<i64, ApiError> {
        let filter = self.filter_sql(db, &mut params);
        let sql = format!("SELECT COUNT(*) {from_where}{filter}");
        let (n,): (i64,) = sqlx::query_as_with(&sql, odata::arguments(&params)?)
            .fetch_one(&db.pool)
            .await?;
        Ok(n)
    }

    /// The answer of `GET .../$count` on a collection (as in [`Paging::count`]): the
    /// number as plain text, as Graph answers it.
    pub async fn count_answer(
        &self,
        db: &Db,
        from_where: &str,
        params: Vec<Param>,
    ) -> Result<Response, ApiError> {
        let n = self.count(db, from_where, params).await?;
        Ok((
            [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"))],
            n.to_string(),
        )
            .into_response())
    }

    /// `@odata.count` when `$count=true` (as in [`Paging::count`]).
    pub async fn count_if_asked(
        &self,
        db: &Db,
        from_where: &str,
        params: Vec<Param>,
    ) -> Result<Option<i64>, ApiError> {
        if self.options.count {
            Ok(Some(self.count(db, from_where, params).await?))
        } else {
            Ok(None)
        }
    }

    /// Runs one page of a collection: `SELECT {columns} {from_where}` (which ends in its
    /// own conditions, with `params` as `$1...`) narrowed by `$filter`, positioned and
    /// ordered by [`Paging::page_sql`]; and with `$count=true` the count of every page.
    pub async fn fetch<R>(
        &self,
        db: &Db,
        columns: &str,
        from_where: &str,
        mut params: Vec<Param>,
        key: &str,
    ) -> Result<Rows<R>, ApiError>
    where
        R: for<'r> sqlx::FromRow<'r, AnyRow>,
    {
        let count = self.count_if_asked(db, from_where, params.clone()).await?;
        let filter = self.filter_sql(db, &mut params);
        let tail = self.page_sql(key, &mut params);
        let sql = format!(
            "SELECT {columns}{} {from_where}{filter}{tail}",
            self.seek_columns()
        );
        let rows = sqlx::query_with(&sql, odata::arguments(&params)?)
            .fetch_all(&db.pool)
            .await?;
        self.rows(rows, count)
    }
}
