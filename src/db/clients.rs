//! Queries on clients: insert, update, visible lookup, list and search.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::page::{Cursor, Page};
use super::schema::{client_name_tokens, clients};
use super::scope::{Condition, Scope};
use super::DbConnection;
use crate::domain::search;
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

/// The folded words of the names (`domain::search`), kept with the row for reading.
pub fn search_key(given: &str, family: &str, native: Option<&str>) -> String {
    search::search_key(&[given, family, native.unwrap_or("")])
}

/// Rewrites a client's search tokens from its names (in the writer's transaction).
pub fn set_name_tokens(
    conn: &mut DbConnection,
    id: &str,
    given: &str,
    family: &str,
    native: Option<&str>,
) -> AppResult<()> {
    diesel::delete(client_name_tokens::table.filter(client_name_tokens::client_id.eq(id)))
        .execute(conn)?;
    // One statement for all of them (a name has a few dozen prefixes); MultiConnection has no
    // batch insert, hence `on_backend!`. Names are at most a few hundred characters, so the
    // tokens stay well below either backend's limit on bound parameters.
    let rows: Vec<_> = search::name_tokens(&[given, family, native.unwrap_or("")])
        .into_iter()
        .map(|token| {
            (
                client_name_tokens::token.eq(token),
                client_name_tokens::client_id.eq(id),
            )
        })
        .collect();
    if !rows.is_empty() {
        crate::on_backend!(conn, |c| diesel::insert_into(client_name_tokens::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(())
}

/// Gives search tokens and the folded key to clients written before there were tokens (run by
/// `migrate`, after the migrations; a migration cannot fold Unicode on SQLite). Returns how many.
pub fn backfill_name_tokens(conn: &mut DbConnection) -> AppResult<usize> {
    let missing: Vec<(String, String, String, Option<String>)> = clients::table
        .filter(diesel::dsl::not(diesel::dsl::exists(
            client_name_tokens::table.filter(client_name_tokens::client_id.eq(clients::id)),
        )))
        .select((
            clients::id,
            clients::given_name,
            clients::family_name,
            clients::native_name,
        ))
        .load(conn)?;
    let mut filled = 0;
    for (id, given, family, native) in missing {
        let tokens = search::name_tokens(&[&given, &family, native.as_deref().unwrap_or("")]);
        if tokens.is_empty() {
            continue;
        }
        super::transaction(conn, |conn| {
            diesel::update(clients::table.find(&id))
                .set(clients::search_key.eq(search_key(&given, &family, native.as_deref())))
                .execute(conn)?;
            set_name_tokens(conn, &id, &given, &family, native.as_deref())
        })?;
        filled += 1;
    }
    Ok(filled)
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
    set_name_tokens(conn, id, &given, &family, native.as_deref())?;
    find(conn, id, &Scope::Internal)
}

/// A client the caller may see (`visible` from the policy), else NotFound.
pub fn find(conn: &mut DbConnection, id: &str, scope: &Scope) -> AppResult<Client> {
    let mut q = clients::table
        .filter(clients::id.eq(id.to_string()))
        .into_boxed();
    if let Some(cond) = scope.client() {
        q = q.filter(cond);
    }
    q.select(Client::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

pub fn update(conn: &mut DbConnection, id: &str, mut changes: ClientChanges) -> AppResult<()> {
    changes.updated_at = Some(super::now());
    let names_changed = changes.given_name.is_some()
        || changes.family_name.is_some()
        || changes.native_name.is_some();
    diesel::update(clients::table.find(id))
        .set(&changes)
        .execute(conn)
        .map_err(super::unique_violation(
            "clients_a_number",
            duplicate_a_number,
        ))?;
    if names_changed {
        let c = find(conn, id, &Scope::Internal)?;
        set_name_tokens(
            conn,
            id,
            &c.given_name,
            &c.family_name,
            c.native_name.as_deref(),
        )?;
    }
    Ok(())
}

/// What a list or search filters on, besides visibility.
#[derive(Debug, Default)]
pub struct ClientQuery {
    pub include_archived: bool,
    /// Folded words that must each be a prefix of a word of the names (`domain::search::words`);
    /// empty matches no name.
    pub words: Option<Vec<String>>,
    /// A normalised A-number to match exactly.
    pub a_number: Option<String>,
}

/// Visible clients in creation order (index `clients_created`; search adds `clients_a_number`
/// for A-numbers and the primary key of `client_name_tokens` for each word of a name).
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
    if query.words.is_some() || query.a_number.is_some() {
        // Each word must be one of the client's stored tokens (a prefix of a word of its names).
        let by_name: Option<Condition<clients::table>> = query
            .words
            .iter()
            .flatten()
            .map(|w| -> Condition<clients::table> {
                Box::new(
                    clients::id.eq_any(
                        client_name_tokens::table
                            .filter(client_name_tokens::token.eq(w.clone()))
                            .select(client_name_tokens::client_id),
                    ),
                )
            })
            .reduce(|all, one| Box::new(all.and(one)));
        let by_number = query.a_number.clone();
        q = match (by_name, by_number) {
            (Some(n), Some(a)) => q.filter(n.or(clients::a_number.eq(a))),
            (Some(n), None) => q.filter(n),
            (None, Some(a)) => q.filter(clients::a_number.eq(a)),
            // Nothing to match on (a query of punctuation only): nobody.
            (None, None) => q.filter(clients::id.ne(clients::id)),
        };
        // How many clients a word matches decides the best plan (a common family name or a
        // rare one), so PostgreSQL plans a search with its own values: the bench's search ran
        // at 642/s planned per execution against 488/s as a prepared statement (issue 14).
        if super::is_postgres(conn) {
            q = q.filter(super::planned_per_execution());
        }
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
