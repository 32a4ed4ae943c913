//! The one list shape of API.md: `{items, next_cursor}`.

use serde::Serialize;
use utoipa::ToSchema;

/// A page of a list; `next_cursor` is null on the last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct List<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null when there is none.
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> List<T> {
    pub fn page(items: Vec<T>, next_cursor: Option<String>) -> List<T> {
        List { items, next_cursor }
    }

    /// A list that is never paged (a case's own facts).
    pub fn all(items: Vec<T>) -> List<T> {
        List {
            items,
            next_cursor: None,
        }
    }
}
