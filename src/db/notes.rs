//! Queries on notes about a client or a case: insert, the author's correction, and the lists
//! (newest first, each with its author's name, in one query: indexes `notes_case`, `notes_client`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::page::{Cursor, Page, PageOf};
use super::schema::{notes, users};
use super::DbConnection;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notes)]
pub struct Note {
    pub id: String,
    pub client_id: String,
    /// Null: a note on the client rather than on one of its cases.
    pub case_id: Option<String>,
    pub author_id: String,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub edited_at: Option<NaiveDateTime>,
}

/// A note and its author's name.
pub type NoteWithAuthor = (Note, String);

pub fn insert(conn: &mut DbConnection, row: &Note) -> AppResult<()> {
    diesel::insert_into(notes::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// The author's correction: the body and when it was edited.
pub fn set_body(conn: &mut DbConnection, id: &str, body: &str, at: NaiveDateTime) -> AppResult<()> {
    diesel::update(notes::table.find(id))
        .set((notes::body.eq(body), notes::edited_at.eq(at)))
        .execute(conn)?;
    Ok(())
}

/// Any note by id (unfiltered: the caller checks what it is on).
pub fn find(conn: &mut DbConnection, id: &str) -> AppResult<NoteWithAuthor> {
    notes::table
        .inner_join(users::table)
        .filter(notes::id.eq(id))
        .select((Note::as_select(), users::name))
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// Every note of a case, newest first, with author names: one query (for the case overview).
pub fn of_case(conn: &mut DbConnection, case_id: &str) -> AppResult<Vec<NoteWithAuthor>> {
    Ok(notes::table
        .inner_join(users::table)
        .filter(notes::case_id.eq(case_id))
        .order((notes::created_at.desc(), notes::id.desc()))
        .select((Note::as_select(), users::name))
        .load(conn)?)
}

/// Whose notes a page lists: a case's, or a client's own (those on none of its cases).
#[derive(Debug, Clone)]
pub enum On {
    Case(String),
    Client(String),
}

/// One page of notes, newest first, with author names.
pub fn page(conn: &mut DbConnection, on: &On, page: &Page) -> AppResult<PageOf<NoteWithAuthor>> {
    let mut q = notes::table
        .inner_join(users::table)
        .select((Note::as_select(), users::name))
        .into_boxed();
    q = match on {
        On::Case(id) => q.filter(notes::case_id.eq(id.clone())),
        On::Client(id) => q
            .filter(notes::client_id.eq(id.clone()))
            .filter(notes::case_id.is_null()),
    };
    q = crate::keyset_filter!(q, page, notes::created_at, notes::id, lt);
    let mut rows: Vec<NoteWithAuthor> = q
        .order((notes::created_at.desc(), notes::id.desc()))
        .limit(page.limit + 1)
        .load(conn)?;
    Ok(page.finish(&mut rows, |(n, _)| Cursor {
        at: n.created_at,
        id: n.id.clone(),
    }))
}
