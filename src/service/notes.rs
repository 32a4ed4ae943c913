//! Notes on a client or a case (issue 12, item 6): write, list (newest first) and the author's
//! correction inside `notes.edit_minutes`, after which a note is append-only (409
//! `append-only`; there is no delete). A case note is visible to whoever may read the case, a
//! client note to whoever may read the client; anything else is 404 as if absent. Notes are not
//! facts of the case: no recompute. Every write is audited (entity `note`) with the body: the
//! audit log is admin-only (it already holds client names and A-numbers), and the old text of
//! a corrected note must survive somewhere for an append-only record to mean anything.

use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use super::in_transaction;
use crate::auth::extract::AuthUser;
use crate::auth::policy::{may_correct_note, scope};
use crate::db::notes::{self as store, Note, NoteWithAuthor, On};
use crate::db::page::{ser_instant, ser_opt_instant, Page};
use crate::db::scope::Scope;
use crate::db::{self, audit, cases, clients, run_db, DbConnection};
use crate::domain::notes::edit_closes_at;
use crate::error::{AppError, AppResult};
use crate::http::list::List;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct NoteView {
    pub id: String,
    pub client_id: String,
    /// The case the note is on; null for a note on the client.
    pub case_id: Option<String>,
    /// Who wrote it (a user id), and their name.
    pub author_id: String,
    pub author_name: String,
    pub body: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
    /// The author's last correction; null if never corrected.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(serialize_with = "ser_opt_instant")]
    pub edited_at: Option<NaiveDateTime>,
    /// Until when the author may correct it (`notes.edit_minutes` after `created_at`); after
    /// that the note is append-only.
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub editable_until: NaiveDateTime,
}

impl NoteView {
    pub(crate) fn of((n, author_name): &NoteWithAuthor, window: u32) -> Self {
        NoteView {
            id: n.id.clone(),
            client_id: n.client_id.clone(),
            case_id: n.case_id.clone(),
            author_id: n.author_id.clone(),
            author_name: author_name.clone(),
            body: n.body.clone(),
            created_at: n.created_at,
            edited_at: n.edited_at,
            editable_until: edit_closes_at(n.created_at, window),
        }
    }
}

/// Where a new note goes.
#[derive(Debug, Clone)]
pub enum Target {
    Case(String),
    Client(String),
}

/// The client id and case id a note on `target` belongs to, if the caller may see it (else 404).
fn resolve(
    conn: &mut DbConnection,
    target: &Target,
    scope: &Scope,
) -> AppResult<(String, Option<String>)> {
    match target {
        Target::Case(id) => {
            let case = cases::find(conn, id, scope)?;
            Ok((case.client_id, Some(case.id)))
        }
        Target::Client(id) => Ok((clients::find(conn, id, scope)?.id, None)),
    }
}

/// Writes a note (`body` already checked: trimmed, 1 to 10000 characters) on a visible case or
/// client.
pub async fn create(
    app: &AppState,
    caller: &AuthUser,
    target: Target,
    body: String,
) -> AppResult<NoteView> {
    let caller = caller.clone();
    let window = app.settings.notes.edit_minutes;
    in_transaction(app, move |conn, _| {
        let (client_id, case_id) = resolve(conn, &target, &scope(&caller))?;
        let row = Note {
            id: db::new_id(),
            client_id,
            case_id,
            author_id: caller.id.clone(),
            body,
            created_at: db::now(),
            edited_at: None,
        };
        store::insert(conn, &row)?;
        let view = NoteView::of(&store::find(conn, &row.id)?, window);
        audit::record(
            conn,
            Some(&caller.id),
            "create",
            "note",
            &row.id,
            audit::created(&audit_json(&view)),
        )?;
        Ok(view)
    })
    .await
}

/// The audited fields: what the note says and where, not the derived window or the name.
fn audit_json(v: &NoteView) -> serde_json::Value {
    serde_json::json!({
        "client_id": v.client_id,
        "case_id": v.case_id,
        "author_id": v.author_id,
        "body": v.body,
    })
}

/// A visible case's or client's notes, newest first (a client's own: those on none of its cases).
pub async fn list(
    app: &AppState,
    caller: &AuthUser,
    target: Target,
    page: Page,
) -> AppResult<List<NoteView>> {
    let scope = scope(caller);
    let window = app.settings.notes.edit_minutes;
    let (items, next) = run_db(&app.pool, move |conn| {
        let on = match resolve(conn, &target, &scope)? {
            (_, Some(case_id)) => On::Case(case_id),
            (client_id, None) => On::Client(client_id),
        };
        let (rows, next) = store::page(conn, &on, &page)?;
        Ok((rows.iter().map(|r| NoteView::of(r, window)).collect(), next))
    })
    .await?;
    Ok(List::page(items, next))
}

/// The author's correction of a note they may still see, inside the edit window: 404 when the
/// note (or what it is on) is not visible, 403 for anyone but its author, 409 `append-only`
/// once the window has closed.
pub async fn edit(
    app: &AppState,
    caller: &AuthUser,
    id: String,
    body: String,
) -> AppResult<NoteView> {
    let caller = caller.clone();
    let window = app.settings.notes.edit_minutes;
    in_transaction(app, move |conn, _| {
        let found = store::find(conn, &id)?;
        let target = match &found.0.case_id {
            Some(c) => Target::Case(c.clone()),
            None => Target::Client(found.0.client_id.clone()),
        };
        resolve(conn, &target, &scope(&caller))?;
        may_correct_note(&caller, &found.0.author_id)?;
        let now = db::now();
        if !crate::domain::notes::editable(found.0.created_at, now, window) {
            return Err(AppError::AppendOnly(
                "the note's edit window has closed: notes are append-only; add a new note instead"
                    .into(),
            ));
        }
        let before = NoteView::of(&found, window);
        store::set_body(conn, &id, &body, now)?;
        let after = NoteView::of(&store::find(conn, &id)?, window);
        audit::record(
            conn,
            Some(&caller.id),
            "update",
            "note",
            &id,
            audit::diff(&audit_json(&before), &audit_json(&after)),
        )?;
        Ok(after)
    })
    .await
}
