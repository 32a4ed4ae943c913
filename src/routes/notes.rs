//! HTTP for notes on clients and cases: write, list (newest first), and the author's correction
//! inside the edit window. Bodies are parsed here; the work is `service::notes`.

use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::db::page::{Page, PageParams};
use crate::domain::notes::{required_text, NOTE_MAX_CHARS};
use crate::error::{AppResult, Fields};
use crate::http::body::ApiJson;
use crate::http::doc::{Conflict, Forbidden};
use crate::http::list::List;
use crate::service::notes::{self, NoteView, Target};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_case_note)
        .service(list_case_notes)
        .service(create_client_note)
        .service(list_client_notes)
        .service(patch_note);
}

/// The body of a new note and of a correction.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    /// Trimmed; 1 to 10000 characters.
    #[schema(min_length = 1, max_length = 10000)]
    pub body: String,
}

impl NoteInput {
    fn parse(self) -> AppResult<String> {
        let mut errors = Fields::new();
        let body = errors.check("body", required_text(&self.body, NOTE_MAX_CHARS));
        errors.done(body)
    }
}

/// Write a note on a case. Whoever may read the case may write and read its notes (its team
/// and admins); others get 404 as for the case. Audited.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    request_body = NoteInput,
    responses(
        (status = 201, body = NoteView)
    ),
    tag = "notes"
)]
#[post("/cases/{id}/notes")]
pub async fn create_case_note(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<NoteInput>,
) -> AppResult<HttpResponse> {
    let text = body.0.parse()?;
    let view = notes::create(&state, &user, Target::Case(id.into_inner()), text).await?;
    Ok(HttpResponse::Created().json(view))
}

/// A case's notes, newest first, each with its author's name. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id"), PageParams),
    responses(
        (status = 200, body = List<NoteView>)
    ),
    tag = "notes"
)]
#[get("/cases/{id}/notes")]
pub async fn list_case_notes(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    q: web::Query<PageParams>,
) -> AppResult<HttpResponse> {
    let page = Page::try_from(&q.into_inner())?;
    let list = notes::list(&state, &user, Target::Case(id.into_inner()), page).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Write a note on a client (not on one of its cases). Whoever may read the client may write
/// and read its notes; others get 404 as for the client. Audited.
#[utoipa::path(
    params(("id" = String, Path, description = "Client id")),
    request_body = NoteInput,
    responses(
        (status = 201, body = NoteView)
    ),
    tag = "notes"
)]
#[post("/clients/{id}/notes")]
pub async fn create_client_note(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<NoteInput>,
) -> AppResult<HttpResponse> {
    let text = body.0.parse()?;
    let view = notes::create(&state, &user, Target::Client(id.into_inner()), text).await?;
    Ok(HttpResponse::Created().json(view))
}

/// A client's own notes (those on none of its cases), newest first. Visible clients only.
#[utoipa::path(
    params(("id" = String, Path, description = "Client id"), PageParams),
    responses(
        (status = 200, body = List<NoteView>)
    ),
    tag = "notes"
)]
#[get("/clients/{id}/notes")]
pub async fn list_client_notes(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    q: web::Query<PageParams>,
) -> AppResult<HttpResponse> {
    let page = Page::try_from(&q.into_inner())?;
    let list = notes::list(&state, &user, Target::Client(id.into_inner()), page).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Correct a note: its author only (403 for anyone else who sees it), and only until
/// `editable_until` (`notes.edit_minutes` after writing); after that 409 of type
/// `urn:asylum-tracker:problem:append-only`: notes are append-only, and there is no DELETE.
/// 404 unless the note's case or client is visible. Audited with the old and new text.
#[utoipa::path(
    params(("id" = String, Path, description = "Note id")),
    request_body = NoteInput,
    responses(
        (status = 200, body = NoteView),
        Forbidden,
        Conflict
    ),
    tag = "notes"
)]
#[patch("/notes/{id}")]
pub async fn patch_note(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<NoteInput>,
) -> AppResult<HttpResponse> {
    let text = body.0.parse()?;
    let view = notes::edit(&state, &user, id.into_inner(), text).await?;
    Ok(HttpResponse::Ok().json(view))
}
