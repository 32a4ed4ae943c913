//! Use cases for clients: create, list, search, read (audited) and change. Visibility comes from
//! the caller's scope; lists and search return summaries without A-number, birth date or contact.

use crate::service::in_transaction;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use super::recompute;
use crate::auth::extract::AuthUser;
use crate::auth::policy::scope;
use crate::db::clients::{self, Client, ClientChanges, ClientQuery};
use crate::db::page::{ser_instant, Page};
use crate::db::scope::Scope;
use crate::db::{self, audit, run_db};
use crate::domain::vocab::MannerOfEntry;
use crate::domain::{identifiers, search};
use crate::error::AppResult;
use crate::http::list::List;
use crate::state::AppState;

/// The full record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientView {
    pub id: String,
    pub given_name: String,
    pub family_name: String,
    pub native_name: Option<String>,
    /// `A` and 9 digits.
    pub a_number: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub nationality: Option<String>,
    pub languages: Vec<String>,
    pub interpreter_needed: bool,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub last_arrival_on: NaiveDate,
    pub arrival_place: Option<String>,
    #[schema(value_type = Option<MannerOfEntry>)]
    pub manner_of_entry: Option<String>,
    pub archived: bool,
    pub created_by: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub updated_at: NaiveDateTime,
}

impl From<&Client> for ClientView {
    fn from(c: &Client) -> Self {
        ClientView {
            id: c.id.clone(),
            given_name: c.given_name.clone(),
            family_name: c.family_name.clone(),
            native_name: c.native_name.clone(),
            a_number: c.a_number.clone(),
            date_of_birth: c.date_of_birth,
            nationality: c.nationality.clone(),
            languages: serde_json::from_str(&c.languages).unwrap_or_default(),
            interpreter_needed: c.interpreter_needed,
            phone: c.phone.clone(),
            email: c.email.clone(),
            address: c.address.clone(),
            last_arrival_on: c.last_arrival_on,
            arrival_place: c.arrival_place.clone(),
            manner_of_entry: c.manner_of_entry.clone(),
            archived: c.archived,
            created_by: c.created_by.clone(),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

impl ClientView {
    fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// What lists and search return: enough to pick the right person, nothing more.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientSummary {
    pub id: String,
    pub given_name: String,
    pub family_name: String,
    pub native_name: Option<String>,
    pub nationality: Option<String>,
    pub languages: Vec<String>,
    pub interpreter_needed: bool,
    pub archived: bool,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
}

impl From<&Client> for ClientSummary {
    fn from(c: &Client) -> Self {
        ClientSummary {
            id: c.id.clone(),
            given_name: c.given_name.clone(),
            family_name: c.family_name.clone(),
            native_name: c.native_name.clone(),
            nationality: c.nationality.clone(),
            languages: serde_json::from_str(&c.languages).unwrap_or_default(),
            interpreter_needed: c.interpreter_needed,
            archived: c.archived,
            created_at: c.created_at,
        }
    }
}

/// A client's fields, checked and normalised (the route parses them): `None` leaves a field as it
/// is, `Some(None)` clears an optional one. Creating needs the names and the arrival date.
#[derive(Debug, Default)]
pub struct ClientFields {
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub native_name: Option<Option<String>>,
    /// `A` and 9 digits.
    pub a_number: Option<Option<String>>,
    pub date_of_birth: Option<Option<NaiveDate>>,
    /// ISO 3166-1 alpha-2.
    pub nationality: Option<Option<String>>,
    /// Canonical BCP 47 tags, without repeats.
    pub languages: Option<Vec<String>>,
    pub interpreter_needed: Option<bool>,
    pub phone: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub last_arrival_on: Option<NaiveDate>,
    pub arrival_place: Option<Option<String>>,
    pub manner_of_entry: Option<Option<MannerOfEntry>>,
    pub archived: Option<bool>,
}

impl ClientFields {
    fn into_changes(self) -> ClientChanges {
        ClientChanges {
            given_name: self.given_name,
            family_name: self.family_name,
            native_name: self.native_name,
            a_number: self.a_number,
            date_of_birth: self.date_of_birth,
            nationality: self.nationality,
            languages: self
                .languages
                .map(|tags| serde_json::Value::from(tags).to_string()),
            interpreter_needed: self.interpreter_needed,
            phone: self.phone,
            email: self.email,
            address: self.address,
            last_arrival_on: self.last_arrival_on,
            arrival_place: self.arrival_place,
            manner_of_entry: self
                .manner_of_entry
                .map(|m| m.map(|m| m.as_str().to_string())),
            search_key: None,
            archived: self.archived,
            updated_at: None,
        }
    }
}

/// Creates a client; the creator sees it until it has a case. 409 when the A-number is taken.
pub async fn create(
    app: &AppState,
    caller: &AuthUser,
    fields: ClientFields,
) -> AppResult<ClientView> {
    let changes = fields.into_changes();
    let caller = caller.clone();
    in_transaction(app, move |conn, _| {
        if let Some(Some(a)) = &changes.a_number {
            if clients::a_number_taken(conn, a, None)? {
                return Err(clients::duplicate_a_number());
            }
        }
        let client = clients::insert(conn, &db::new_id(), &caller.id, &changes)?;
        let view = ClientView::from(&client);
        audit::record(
            conn,
            Some(&caller.id),
            "create",
            "client",
            &client.id,
            audit::created(&view.json()),
        )?;
        Ok(view)
    })
    .await
}

/// Visible clients, oldest first.
pub async fn list(
    app: &AppState,
    caller: &AuthUser,
    include_archived: bool,
    page: Page,
) -> AppResult<List<ClientSummary>> {
    let query = ClientQuery {
        include_archived,
        ..Default::default()
    };
    summaries(app, caller, query, page).await
}

/// Visible clients each of whose words of `text` begins a word of their given, family or native
/// name (accents and case folded, any order; each Han, kana or hangul character a word), or
/// whose A-number `text` is in any accepted form. `text` is trimmed and non-empty.
pub async fn search(
    app: &AppState,
    caller: &AuthUser,
    text: &str,
    include_archived: bool,
    page: Page,
) -> AppResult<List<ClientSummary>> {
    let query = ClientQuery {
        include_archived,
        words: Some(search::words(text)),
        a_number: identifiers::a_number_search_key(text),
    };
    summaries(app, caller, query, page).await
}

async fn summaries(
    app: &AppState,
    caller: &AuthUser,
    query: ClientQuery,
    page: Page,
) -> AppResult<List<ClientSummary>> {
    let scope = scope(caller);
    let (rows, next) = run_db(&app.pool, move |conn| {
        clients::list(conn, &scope, &query, &page)
    })
    .await?;
    Ok(List::page(
        rows.iter().map(ClientSummary::from).collect(),
        next,
    ))
}

/// A visible client's full record (404 otherwise); every read is audited.
pub async fn get(app: &AppState, caller: &AuthUser, id: String) -> AppResult<ClientView> {
    let caller = caller.clone();
    in_transaction(app, move |conn, _| {
        let client = clients::find(conn, &id, &scope(&caller))?;
        audit::record(
            conn,
            Some(&caller.id),
            "read",
            "client",
            &client.id,
            serde_json::json!({}),
        )?;
        Ok(ClientView::from(&client))
    })
    .await
}

/// Changes or archives a visible client (404 otherwise; 409 when the A-number is taken). A new
/// arrival date recomputes the deadlines of every case of the client.
pub async fn update(
    app: &AppState,
    caller: &AuthUser,
    id: String,
    fields: ClientFields,
) -> AppResult<ClientView> {
    let mut changes = fields.into_changes();
    let caller = caller.clone();
    in_transaction(app, move |conn, ctx| {
        let before = clients::find(conn, &id, &scope(&caller))?;
        if let Some(Some(a)) = &changes.a_number {
            if clients::a_number_taken(conn, a, Some(&id))? {
                return Err(clients::duplicate_a_number());
            }
        }
        // The search key follows the names; a change to any of them rebuilds it.
        if changes.given_name.is_some()
            || changes.family_name.is_some()
            || changes.native_name.is_some()
        {
            let given = changes.given_name.as_ref().unwrap_or(&before.given_name);
            let family = changes.family_name.as_ref().unwrap_or(&before.family_name);
            let native = changes
                .native_name
                .clone()
                .unwrap_or_else(|| before.native_name.clone());
            changes.search_key = Some(clients::search_key(given, family, native.as_deref()));
        }
        let arrival_changed = changes
            .last_arrival_on
            .is_some_and(|d| d != before.last_arrival_on);
        clients::update(conn, &id, changes)?;
        let after = clients::find(conn, &id, &Scope::Internal)?;
        // Archiving or restoring a client stops or re-plans its cases' reminders.
        if arrival_changed || after.archived != before.archived {
            recompute::client_changed(conn, &id, ctx)?;
        }
        if after.archived != before.archived {
            for case_id in db::cases::ids_of_client(conn, &id)? {
                recompute::following_changed(conn, &case_id, ctx)?;
            }
        }
        let (b, a) = (ClientView::from(&before), ClientView::from(&after));
        audit::record_update(conn, &caller.id, "client", &id, &b.json(), &a.json())?;
        Ok(a)
    })
    .await
}
