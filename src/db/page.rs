//! Cursor pagination: `limit` and an opaque `cursor` naming the last row's (time, id).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDateTime;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::AppError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// Query parameters every list accepts.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1 to 200, default 50.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One page of rows and the cursor of the next page (none on the last).
pub type PageOf<T> = (Vec<T>, Option<String>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub at: NaiveDateTime,
    pub id: String,
}

#[derive(Debug)]
pub struct Page {
    pub limit: i64,
    pub cursor: Option<Cursor>,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "{}|{}",
            self.at.format("%Y-%m-%dT%H:%M:%S%.6f"),
            self.id
        ))
    }

    pub fn decode(text: &str) -> Option<Cursor> {
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
        let (at, id) = raw.split_once('|')?;
        let at = NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
        Some(Cursor {
            at,
            id: id.to_string(),
        })
    }
}

impl Page {
    pub fn from_params(limit: Option<i64>, cursor: Option<&str>) -> Result<Page, AppError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(AppError::field(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let cursor =
            match cursor {
                Some(c) => Some(Cursor::decode(c).ok_or_else(|| {
                    AppError::field("cursor", "is not a cursor this service issued")
                })?),
                None => None,
            };
        Ok(Page { limit, cursor })
    }

    /// Trims the one extra row fetched to learn whether another page follows.
    pub fn finish<T>(
        &self,
        rows: &mut Vec<T>,
        key: impl Fn(&T) -> Cursor,
    ) -> (Vec<T>, Option<String>) {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit as usize);
        let next = if more {
            rows.last().map(|r| key(r).encode())
        } else {
            None
        };
        (std::mem::take(rows), next)
    }
}

impl TryFrom<&PageParams> for Page {
    type Error = AppError;
    fn try_from(p: &PageParams) -> Result<Page, AppError> {
        Page::from_params(p.limit, p.cursor.as_deref())
    }
}

/// Instants go out as RFC 3339 in UTC (`2026-12-03T14:00:00Z`).
pub fn ser_instant<S: serde::Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_instant(t))
}

/// An optional instant: RFC 3339 in UTC, or null.
pub fn ser_opt_instant<S: serde::Serializer>(
    t: &Option<NaiveDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&format_instant(t)),
        None => s.serialize_none(),
    }
}

pub fn format_instant(t: &NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Keeps the rows after a page's cursor in (at, id) order, for a boxed query: `$cmp` is `gt` for
/// ascending lists and `lt` for descending ones; `$key` turns the cursor's instant into the
/// column's type (a date column takes `|t| t.date()`).
#[macro_export]
macro_rules! keyset_filter {
    ($q:expr, $page:expr, $at:expr, $id:expr, $cmp:ident) => {
        $crate::keyset_filter!($q, $page, $at, $id, $cmp, |t: chrono::NaiveDateTime| t)
    };
    ($q:expr, $page:expr, $at:expr, $id:expr, $cmp:ident, $key:expr) => {
        match &$page.cursor {
            Some(c) => {
                let at = ($key)(c.at);
                $q.filter($at.$cmp(at).or($at.eq(at).and($id.$cmp(c.id.clone()))))
            }
            None => $q,
        }
    };
}
