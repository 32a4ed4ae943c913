//! Queries on clients: insert, update, visible lookup, list and search.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::page::{Cursor, Page};
use super::schema::clients;
use super::scope::Scope;
use super::DbConnection;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = clients)]
pub struct Client {
    pub id: String,
    pub given_name: String,
    pub family_name: String,
    pub native_name: Option<String>,
    pub a_number: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub nationality: Option<String>,
    pub languages: String,
    pub interpreter_needed: bool,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub last_arrival_on: NaiveDate,
    pub arrival_place: Option<String>,
    pub manner_of_entry: Option<String>,
    pub search_key: String,
    pub created_by: String,
    pub archived: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Every writable column; `None` in an update leaves the column as it is (`Option<Option<_>>`
/// clears a nullable one).
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = clients)]
pub struct ClientChanges {
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub native_name: Option<Option<String>>,
    pub a_number: Option<Option<String>>,
    pub date_of_birth: Option<Option<NaiveDate>>,
    pub nationality: Option<Option<String>>,
    pub languages: Option<String>,
    pub interpreter_needed: Option<bool>,
    pub phone: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub last_arrival_on: Option<NaiveDate>,
    pub arrival_place: Option<Option<String>>,
    pub manner_of_entry: Option<Option<String>>,
    pub search_key: Option<String>,
    pub archived: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

/// The lower-cased names that substring search runs on. Lower-cased here, with Unicode rules,
/// because SQLite's lower() only knows ASCII.
pub fn search_key(given: &str, family: &str, native: Option<&str>) -> String {
    format!("{} {} {}", given, family, native.unwrap_or("")).to_lowercase()
}

pub fn a_number_taken(
    conn: &mut DbConnection,
    a_number: &str,
    except: Option<&str>,
) -> AppResult<bool> {
    let mut q = clients::table
        .filter(clients::a_number.eq(a_number))
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(clients::id.ne(id.to_string()));
    }
    Ok(q.count().get_result::<i64>(conn)? > 0)
}

pub fn duplicate_a_number() -> AppError {
    AppError::conflict("a_number", "another client already has this A-number")
}

/// Inserts a client whose `changes` are all set (the route validated them).
pub fn insert(
    conn: &mut DbConnection,
    id: &str,
    created_by: &str,
    c: &ClientChanges,
) -> AppResult<Client> {
    let now = super::now();
    let given = c.given_name.clone().unwrap_or_default();
    let family = c.family_name.clone().unwrap_or_default();
    let native = c.native_name.clone().flatten();
    diesel::insert_into(clients::table)
        .values((
            clients::id.eq(id),
            clients::given_name.eq(&given),
            clients::family_name.eq(&family),
            clients::native_name.eq(&native),
            clients::a_number.eq(c.a_number.clone().flatten()),
            clients::date_of_birth.eq(c.date_of_birth.flatten()),
            clients::nationality.eq(c.nationality.clone().flatten()),
            clients::languages.eq(c.languages.clone().unwrap_or_else(|| "[]".to_string())),
            clients::interpreter_needed.eq(c.interpreter_needed.unwrap_or(false)),
            clients::phone.eq(c.phone.clone().flatten()),
            clients::email.eq(c.email.clone().flatten()),
            clients::address.eq(c.address.clone().flatten()),
            clients::last_arrival_on.eq(c.last_arrival_on.unwrap_or_default()),
            clients::arrival_place.eq(c.arrival_place.clone().flatten()),
            clients::manner_of_entry.eq(c.manner_of_entry.clone().flatten()),
            clients::search_key.eq(search_key(&given, &family, native.as_deref())),
            clients::created_by.eq(created_by),
            clients::archived.eq(false),
            clients::created_at.eq(now),
            clients::updated_at.eq(now),
        ))
        .execute(conn)
        .map_err(super::unique_violation(
            "clients_a_number",
            duplicate_a_number,
        ))?;
    find(conn, id, &Scope::Internal)
}

/// A client the caller may see (`visible` from the policy), else NotFound.
pub fn find(conn: &mut DbConnection, id: &str, scope: &Scope) -> AppResult<Client> {
    let mut q = clients::table
        .filter(clients::id.eq(id.to_string()))
        .into_boxed();
    if let Some(cond) = scope.clients() {
        q = q.filter(cond);
    }
    q.select(Client::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

pub fn update(conn: &mut DbConnection, id: &str, mut changes: ClientChanges) -> AppResult<()> {
    changes.updated_at = Some(super::now());
    diesel::update(clients::table.find(id))
        .set(&changes)
        .execute(conn)
        .map_err(super::unique_violation(
            "clients_a_number",
            duplicate_a_number,
        ))?;
    Ok(())
}

/// What a list or search filters on, besides visibility.
#[derive(Debug, Default)]
pub struct ClientQuery {
    pub include_archived: bool,
    /// Lower-cased substring of a name.
    pub text: Option<String>,
    /// A normalised A-number to match exactly.
    pub a_number: Option<String>,
}

/// Visible clients in creation order (index `clients_created`; search adds `clients_a_number`
/// for A-numbers, while name substrings scan the visible rows: no B-tree serves `%x%`).
pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    query: &ClientQuery,
    page: &Page,
) -> AppResult<(Vec<Client>, Option<String>)> {
    let mut q = clients::table.select(Client::as_select()).into_boxed();
    if let Some(cond) = scope.clients() {
        q = q.filter(cond);
    }
    if !query.include_archived {
        q = q.filter(clients::archived.eq(false));
    }
    match (&query.text, &query.a_number) {
        (Some(text), Some(a)) => {
            q = q.filter(
                clients::search_key
                    .like(like_pattern(text))
                    .escape('\\')
                    .or(clients::a_number.eq(a.clone())),
            )
        }
        (Some(text), None) => {
            q = q.filter(clients::search_key.like(like_pattern(text)).escape('\\'))
        }
        (None, Some(a)) => q = q.filter(clients::a_number.eq(a.clone())),
        (None, None) => {}
    }
    q = crate::keyset_filter!(q, page, clients::created_at, clients::id, gt);
    let mut rows = q
        .order((clients::created_at.asc(), clients::id.asc()))
        .limit(page.limit + 1)
        .load(conn)?;
    Ok(page.finish(&mut rows, |c| Cursor {
        at: c.created_at,
        id: c.id.clone(),
    }))
}

/// `%text%` with LIKE's own wildcards escaped, so that a typed `%` or `_` matches itself.
fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}
