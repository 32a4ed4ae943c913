//! Cases, their assignments, and the court list. Any signed-in user may open a case for a client
//! they see; reading and changing a case needs it to be visible (404 otherwise); assigning is for
//! admins and the case's lawyers (403 for its caseworkers).

use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::extract::AuthUser;
use crate::auth::policy::{may_assign, scope, Role};
use crate::db::cases::{self, Case, CaseChanges, CaseFilter};
use crate::db::page::{ser_instant, Page};
use crate::db::{self, audit, clients, run_db, users, DbConnection};
use crate::domain::vocab::{AssignmentRole, CaseKind, CaseStatus};
use crate::error::{AppError, AppResult, FieldError};
use crate::http::body::{nullable, ApiJson};
use crate::http::doc::Forbidden;
use crate::reminders::outbox;
use crate::service::org_today;
use crate::service::recompute;
use crate::service::Context;
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_case)
        .service(list_cases)
        .service(get_case)
        .service(patch_case)
        .service(put_assignment)
        .service(delete_assignment)
        .service(list_courts);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentView {
    pub user_id: String,
    /// `lawyer` or `caseworker`.
    pub role: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: String,
    /// Human reference such as `C-2026-0042`; used instead of the client's name in e-mail.
    pub reference: String,
    pub client_id: String,
    pub kind: String,
    pub court_code: Option<String>,
    /// Follows the recorded events; see the case status rules in README.
    pub status: String,
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub assignments: Vec<AssignmentView>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub updated_at: NaiveDateTime,
}

impl CaseView {
    fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// Case rows with their assignments, in one extra query for the whole page.
fn views(conn: &mut DbConnection, rows: &[Case]) -> AppResult<Vec<CaseView>> {
    let ids: Vec<String> = rows.iter().map(|c| c.id.clone()).collect();
    let all = cases::assignments(conn, &ids)?;
    Ok(rows
        .iter()
        .map(|c| CaseView {
            id: c.id.clone(),
            reference: c.reference.clone(),
            client_id: c.client_id.clone(),
            kind: c.kind.clone(),
            court_code: c.court_code.clone(),
            status: c.status.clone(),
            opened_on: c.opened_on,
            closed_on: c.closed_on,
            assignments: all
                .iter()
                .filter(|a| a.case_id == c.id)
                .map(|a| AssignmentView {
                    user_id: a.user_id.clone(),
                    role: a.role.clone(),
                })
                .collect(),
            created_at: c.created_at,
            updated_at: c.updated_at,
        })
        .collect())
}

pub fn view(conn: &mut DbConnection, case: &Case) -> AppResult<CaseView> {
    views(conn, std::slice::from_ref(case))?
        .pop()
        .ok_or(AppError::NotFound)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseRequest {
    pub client_id: String,
    /// `affirmative` or `defensive`.
    pub kind: String,
    /// Required for defensive cases; a code of `GET /api/v1/courts`.
    pub court_code: Option<String>,
    pub lawyer_ids: Option<Vec<String>>,
    pub caseworker_ids: Option<Vec<String>>,
}

/// A user may be assigned in the role of their account; an admin account in either role.
fn check_assignee(
    conn: &mut DbConnection,
    user_id: &str,
    role: AssignmentRole,
    field: &str,
) -> AppResult<()> {
    let user = users::find(conn, user_id)?
        .filter(|u| u.active)
        .ok_or_else(|| AppError::field(field, "names no active user"))?;
    if user.role != "admin" && user.role != role.as_str() {
        return Err(AppError::field(
            field,
            format!(
                "names a {}, who cannot be assigned as {}",
                user.role,
                role.as_str()
            ),
        ));
    }
    Ok(())
}

fn check_court(state: &AppState, code: &str) -> Result<String, FieldError> {
    state.court(code).map(|c| c.code.clone()).ok_or_else(|| {
        FieldError::new("court_code", "is not a known court; see GET /api/v1/courts")
    })
}

/// Open a case for a visible client. Any signed-in user; the creator is assigned unless admin.
#[utoipa::path(
    request_body = NewCaseRequest,
    responses(
        (status = 201, body = CaseView)
    ),
    tag = "cases"
)]
#[post("/cases")]
pub async fn create_case(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ApiJson<NewCaseRequest>,
) -> AppResult<HttpResponse> {
    let req = body.0;
    let mut errors = Vec::new();
    let kind = CaseKind::parse(&req.kind);
    if kind.is_none() {
        errors.push(FieldError::new("kind", CaseKind::allowed()));
    }
    let court = match req.court_code.as_deref() {
        Some(code) => check_court(&state, code).map_err(|e| errors.push(e)).ok(),
        None => None,
    };
    if kind == Some(CaseKind::Defensive) && req.court_code.is_none() {
        errors.push(FieldError::new(
            "court_code",
            "is required for a defensive case",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let kind = kind.unwrap_or(CaseKind::Affirmative);
    let today = org_today(&state.settings);
    let ctx = Context::now(&state.settings);
    let view = run_db(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            let client = clients::find(conn, &req.client_id, &scope(&user))
                .map_err(|_| AppError::field("client_id", "names no client you can see"))?;
            if client.archived {
                return Err(AppError::field(
                    "client_id",
                    "the client is archived; restore it first",
                ));
            }
            let mut assign: Vec<(String, AssignmentRole)> = Vec::new();
            for (i, id) in req.lawyer_ids.iter().flatten().enumerate() {
                check_assignee(
                    conn,
                    id,
                    AssignmentRole::Lawyer,
                    &format!("lawyer_ids[{i}]"),
                )?;
                assign.push((id.clone(), AssignmentRole::Lawyer));
            }
            for (i, id) in req.caseworker_ids.iter().flatten().enumerate() {
                check_assignee(
                    conn,
                    id,
                    AssignmentRole::Caseworker,
                    &format!("caseworker_ids[{i}]"),
                )?;
                assign.push((id.clone(), AssignmentRole::Caseworker));
            }
            if user.role != Role::Admin && !assign.iter().any(|(id, _)| *id == user.id) {
                let role = if user.role == Role::Lawyer {
                    AssignmentRole::Lawyer
                } else {
                    AssignmentRole::Caseworker
                };
                assign.push((user.id.clone(), role));
            }
            let id = db::new_id();
            let reference = cases::next_reference(conn, today.year())?;
            let case = cases::insert(
                conn,
                &cases::NewCase {
                    id: &id,
                    reference: &reference,
                    client_id: &client.id,
                    kind: kind.as_str(),
                    court_code: court.as_deref(),
                    status: CaseStatus::Intake.as_str(),
                    opened_on: today,
                    created_by: &user.id,
                },
            )?;
            for (uid, role) in &assign {
                cases::assign(conn, &id, uid, role.as_str(), Some(&user.id))?;
            }
            recompute::case_changed(conn, &case, &ctx)?;
            let fresh = cases::find(conn, &id, &crate::db::scope::Scope::Internal)?;
            let v = view(conn, &fresh)?;
            audit::record(
                conn,
                Some(&user.id),
                "create",
                "case",
                &id,
                audit::created(&v.json()),
            )?;
            Ok(v)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CaseQuery {
    /// `me`, or a user id: only cases with that assignment.
    pub assigned_to: Option<String>,
    pub status: Option<String>,
    pub court_code: Option<String>,
    pub client_id: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseList {
    pub items: Vec<CaseView>,
    pub next_cursor: Option<String>,
}

/// Visible cases, oldest first, with filters. Any signed-in user (admins see all).
#[utoipa::path(
    params(CaseQuery),
    responses(
        (status = 200, body = CaseList)
    ),
    tag = "cases"
)]
#[get("/cases")]
pub async fn list_cases(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<CaseQuery>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let page = Page::from_params(q.limit, q.cursor.as_deref())?;
    if let Some(s) = &q.status {
        if CaseStatus::parse(s).is_none() {
            return Err(AppError::field("status", CaseStatus::allowed()));
        }
    }
    let filter = CaseFilter {
        assigned_to: q
            .assigned_to
            .map(|a| if a == "me" { user.id.clone() } else { a }),
        status: q.status,
        court_code: q.court_code,
        client_id: q.client_id,
    };
    let (items, next_cursor) = run_db(&state.pool, move |conn| {
        let (rows, next) = cases::list(conn, &scope(&user), &filter, &page)?;
        Ok((views(conn, &rows)?, next))
    })
    .await?;
    Ok(HttpResponse::Ok().json(CaseList { items, next_cursor }))
}

/// One case. Visible cases only (404 otherwise).
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    responses(
        (status = 200, body = CaseView)
    ),
    tag = "cases"
)]
#[get("/cases/{id}")]
pub async fn get_case(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let v = run_db(&state.pool, move |conn| {
        let case = cases::find(conn, &id, &scope(&user))?;
        view(conn, &case)
    })
    .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CasePatch {
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub court_code: Option<Option<String>>,
    /// `closed` closes the case; `open` reopens it (its status then follows its events again).
    /// Other statuses follow the recorded events and cannot be set.
    pub status: Option<String>,
}

/// Change a case's kind or court, close or reopen it. Visible cases only (404 otherwise).
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    request_body = CasePatch,
    responses(
        (status = 200, body = CaseView)
    ),
    tag = "cases"
)]
#[patch("/cases/{id}")]
pub async fn patch_case(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<CasePatch>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let req = body.0;
    let mut errors = Vec::new();
    let mut changes = CaseChanges::default();
    if let Some(k) = &req.kind {
        match CaseKind::parse(k) {
            Some(k) => changes.kind = Some(k.as_str().to_string()),
            None => errors.push(FieldError::new("kind", CaseKind::allowed())),
        }
    }
    if let Some(court) = &req.court_code {
        changes.court_code = Some(match court {
            Some(code) => check_court(&state, code).map_err(|e| errors.push(e)).ok(),
            None => None,
        });
    }
    let today = org_today(&state.settings);
    match req.status.as_deref() {
        Some("closed") => {
            changes.closed = Some(true);
            changes.closed_on = Some(Some(today));
        }
        Some("open") => {
            changes.closed = Some(false);
            changes.closed_on = Some(None);
        }
        Some(_) => errors.push(FieldError::new(
            "status",
            "must be closed or open; the other statuses follow the recorded events",
        )),
        None => {}
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let ctx = Context::now(&state.settings);
    let v = run_db(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            let before = cases::find(conn, &id, &scope(&user))?;
            let before_view = view(conn, &before)?;
            let kind = changes.kind.clone().unwrap_or_else(|| before.kind.clone());
            let court = changes
                .court_code
                .clone()
                .unwrap_or_else(|| before.court_code.clone());
            if kind == CaseKind::Defensive.as_str() && court.is_none() {
                return Err(AppError::field(
                    "court_code",
                    "is required for a defensive case",
                ));
            }
            cases::update(conn, &id, changes)?;
            let after = cases::find(conn, &id, &crate::db::scope::Scope::Internal)?;
            recompute::case_changed(conn, &after, &ctx)?;
            let fresh = cases::find(conn, &id, &crate::db::scope::Scope::Internal)?;
            let after_view = view(conn, &fresh)?;
            let mut diff = audit::diff(&before_view.json(), &after_view.json());
            if let Some(o) = diff.as_object_mut() {
                o.remove("updated_at");
            }
            audit::record(conn, Some(&user.id), "update", "case", &id, diff)?;
            Ok(after_view)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentRequest {
    /// `lawyer` or `caseworker`.
    pub role: String,
}

/// Assign a user to a case (or change their role on it). Admins and the case's lawyers; the case
/// must be visible (404), a caseworker on it gets 403.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id"), ("user_id" = String, Path, description = "User id")),
    request_body = AssignmentRequest,
    responses(
        (status = 200, body = CaseView),
        Forbidden
    ),
    tag = "cases"
)]
#[put("/cases/{id}/assignments/{user_id}")]
pub async fn put_assignment(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
    body: ApiJson<AssignmentRequest>,
) -> AppResult<HttpResponse> {
    let (case_id, target) = path.into_inner();
    let ctx = Context::now(&state.settings);
    let role = AssignmentRole::parse(&body.0.role)
        .ok_or_else(|| AppError::field("role", AssignmentRole::allowed()))?;
    let v = run_db(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            let case = cases::find(conn, &case_id, &scope(&user))?;
            let mine = cases::assignment(conn, &case.id, &user.id)?;
            may_assign(&user, mine.is_some_and(|a| a.role == AssignmentRole::Lawyer.as_str()))?;
            users::find(conn, &target)?.ok_or(AppError::NotFound)?;
            check_assignee(conn, &target, role, "user_id")?;
            let before = cases::assignment(conn, &case.id, &target)?;
            cases::assign(conn, &case.id, &target, role.as_str(), Some(&user.id))?;
            outbox::replan_case(conn, &case.id, &ctx.schedule)?;
            let changes = serde_json::json!({"assignment": {"user_id": target, "from": before.map(|a| a.role), "to": role.as_str()}});
            audit::record(conn, Some(&user.id), "assign", "case", &case.id, changes)?;
            view(conn, &case)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(v))
}

/// Remove a user from a case; their access ends at once. Admins and the case's lawyers.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id"), ("user_id" = String, Path, description = "User id")),
    responses(
        (status = 204, description = "Unassigned"),
        Forbidden
    ),
    tag = "cases"
)]
#[delete("/cases/{id}/assignments/{user_id}")]
pub async fn delete_assignment(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (case_id, target) = path.into_inner();
    let ctx = Context::now(&state.settings);
    run_db(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            let case = cases::find(conn, &case_id, &scope(&user))?;
            let mine = cases::assignment(conn, &case.id, &user.id)?;
            may_assign(&user, mine.is_some_and(|a| a.role == AssignmentRole::Lawyer.as_str()))?;
            let before = cases::assignment(conn, &case.id, &target)?.ok_or(AppError::NotFound)?;
            cases::unassign(conn, &case.id, &target)?;
            outbox::replan_case(conn, &case.id, &ctx.schedule)?;
            let changes = serde_json::json!({"assignment": {"user_id": target, "from": before.role, "to": null}});
            audit::record(conn, Some(&user.id), "unassign", "case", &case.id, changes)
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CourtView {
    /// Stable slug, e.g. `el-paso`.
    pub code: String,
    pub name: String,
    pub city: String,
    pub state: String,
    /// IANA time zone.
    pub time_zone: String,
    pub detained_only: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CourtList {
    pub items: Vec<CourtView>,
    /// Always null: the list is short and comes whole.
    pub next_cursor: Option<String>,
}

/// The immigration courts. Any signed-in user.
#[utoipa::path(
    responses((status = 200, body = CourtList)
    ),
    tag = "cases"
)]
#[get("/courts")]
pub async fn list_courts(state: web::Data<AppState>, _user: AuthUser) -> HttpResponse {
    let items = state
        .courts
        .iter()
        .map(|c| CourtView {
            code: c.code.clone(),
            name: c.name.clone(),
            city: c.city.clone(),
            state: c.state.clone(),
            time_zone: c.time_zone_name().to_string(),
            detained_only: c.detained_only,
        })
        .collect();
    HttpResponse::Ok().json(CourtList {
        items,
        next_cursor: None,
    })
}
