//! Deadlines (computed and manual), the agenda, the EAD clock and closure days. Deadlines and the
//! clock need the case to be visible (404 otherwise); closures are admin-only (403 for others).

use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::extract::AuthUser;
use crate::auth::policy::{require_admin, scope};
use crate::db::deadlines::{self as store, Deadline};
use crate::db::page::{ser_instant, Page};
use crate::db::{self, audit, cases, events, run_db};
use crate::domain::ead_clock::{self, ClockEvent, ClockKind};
use crate::domain::vocab::{DeadlineStatus, Form};
use crate::error::{AppError, AppResult, FieldError};
use crate::http::body::ApiJson;
use crate::http::doc::{Conflict, Forbidden};
use crate::reminders::outbox;
use crate::service::events::ClockEventView;
use crate::service::org_today;
use crate::service::recompute;
use crate::service::Context;
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(case_deadlines)
        .service(create_manual)
        .service(mark_deadline)
        .service(agenda)
        .service(ead_clock_view)
        .service(list_closures)
        .service(create_closure)
        .service(delete_closure);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlineView {
    pub id: String,
    pub case_id: String,
    pub kind: String,
    /// Manual deadlines only.
    pub title: Option<String>,
    pub due_on: NaiveDate,
    /// `open`, `met`, `missed` or `waived`, as of today in the organisation's time zone.
    pub status: String,
    /// `computed` or `manual`.
    pub source: String,
    /// The regulation or authority the date comes from.
    pub rule: String,
    /// One sentence: how `due_on` was reached, with any weekend or holiday extension.
    pub explanation: String,
    /// A later date a closure day by executive order might give (unsettled); never the due date.
    pub alternative_due_on: Option<NaiveDate>,
    pub alternative_reason: Option<String>,
    /// The date of the recorded act that met it.
    pub met_on: Option<NaiveDate>,
    /// The note of a person's met/waived mark.
    pub note: Option<String>,
}

fn view(d: &Deadline, today: NaiveDate) -> DeadlineView {
    DeadlineView {
        id: d.id.clone(),
        case_id: d.case_id.clone(),
        kind: d.kind.clone(),
        title: d.title.clone(),
        due_on: d.due_on,
        status: d.status(today).as_str().to_string(),
        source: d.source.clone(),
        rule: d.rule.clone(),
        explanation: d.explanation.clone(),
        alternative_due_on: d.alternative_due_on,
        alternative_reason: d.alternative_reason.clone(),
        met_on: d.met_on,
        note: d.status_note.clone(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeadlineList {
    pub items: Vec<DeadlineView>,
    pub next_cursor: Option<String>,
}

/// A case's deadlines, soonest first. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    responses(
        (status = 200, body = DeadlineList)
    ),
    tag = "deadlines"
)]
#[get("/cases/{id}/deadlines")]
pub async fn case_deadlines(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let case_id = id.into_inner();
    let today = org_today(&state.settings);
    let items = run_db(&state.pool, move |conn| {
        let case = cases::find(conn, &case_id, &scope(&user))?;
        Ok(store::of_case(conn, &case.id)?
            .iter()
            .map(|d| view(d, today))
            .collect())
    })
    .await?;
    Ok(HttpResponse::Ok().json(DeadlineList {
        items,
        next_cursor: None,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualDeadline {
    /// Always `other`.
    pub kind: String,
    pub title: String,
    pub due_on: NaiveDate,
}

/// Add a deadline by hand (`kind: other`); recomputes never touch it. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    request_body = ManualDeadline,
    responses(
        (status = 201, body = DeadlineView)
    ),
    tag = "deadlines"
)]
#[post("/cases/{id}/deadlines")]
pub async fn create_manual(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<ManualDeadline>,
) -> AppResult<HttpResponse> {
    let req = body.0;
    let mut errors = Vec::new();
    if req.kind != "other" {
        errors.push(FieldError::new(
            "kind",
            "must be other: the other kinds are computed",
        ));
    }
    let title = req.title.trim().to_string();
    if title.is_empty() || title.chars().count() > 200 {
        errors.push(FieldError::new("title", "must be 1 to 200 characters"));
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let case_id = id.into_inner();
    let today = org_today(&state.settings);
    let ctx = Context::now(&state.settings);
    let v = run_db(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            let case = cases::find(conn, &case_id, &scope(&user))?;
            // The title stays out of the explanation: explanations go into e-mail, and a title typed by
            // a person may name the client.
            let explanation =
                "A date entered by a person, not computed by a rule; see the title in the case.";
            let d = store::insert_manual(conn, &case.id, &title, req.due_on, explanation, today)?;
            outbox::replan_case(conn, &case.id, &ctx.schedule)?;
            let v = view(&d, today);
            audit::record(
                conn,
                Some(&user.id),
                "create",
                "deadline",
                &d.id,
                audit::created(&serde_json::to_value(&v).unwrap_or_default()),
            )?;
            Ok(v)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlineMark {
    /// `met` or `waived`; `open` takes a person's mark back.
    pub status: String,
    /// Why (required for met and waived).
    pub note: Option<String>,
}

/// Mark a deadline met or waived, with a note (audited). Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Deadline id")),
    request_body = DeadlineMark,
    responses(
        (status = 200, body = DeadlineView)
    ),
    tag = "deadlines"
)]
#[patch("/deadlines/{id}")]
pub async fn mark_deadline(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<DeadlineMark>,
) -> AppResult<HttpResponse> {
    let req = body.0;
    let mark = match req.status.as_str() {
        "met" | "waived" => Some(req.status.clone()),
        "open" => None,
        _ => {
            return Err(AppError::field(
                "status",
                "must be one of met, waived, open",
            ))
        }
    };
    let note = req
        .note
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    if mark.is_some() && note.is_none() {
        return Err(AppError::field(
            "note",
            "is required: say how it was met or why it was waived",
        ));
    }
    if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
        return Err(AppError::field("note", "must be at most 1000 characters"));
    }
    let id = id.into_inner();
    let today = org_today(&state.settings);
    let ctx = Context::now(&state.settings);
    let v = run_db(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            let before = store::find(conn, &id)?;
            cases::find(conn, &before.case_id, &scope(&user))?;
            store::set_mark(conn, &before, mark.as_deref(), note.as_deref(), &user.id)?;
            outbox::replan_case(conn, &before.case_id, &ctx.schedule)?;
            let after = store::find(conn, &id)?;
            let changes = serde_json::json!({
                "status": {"from": before.status(today).as_str(), "to": after.status(today).as_str()},
                "note": {"from": before.status_note, "to": after.status_note},
            });
            audit::record(conn, Some(&user.id), "mark", "deadline", &id, changes)?;
            Ok(view(&after, today))
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AgendaQuery {
    /// First due date, inclusive.
    pub from: Option<NaiveDate>,
    /// Last due date, inclusive.
    pub to: Option<NaiveDate>,
    /// `open`, `met`, `missed` or `waived`.
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The caller's agenda: deadlines of visible cases, soonest first. Any signed-in user.
#[utoipa::path(
    params(AgendaQuery),
    responses(
        (status = 200, body = DeadlineList)
    ),
    tag = "deadlines"
)]
#[get("/deadlines")]
pub async fn agenda(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<AgendaQuery>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let page = Page::from_params(q.limit, q.cursor.as_deref())?;
    let status = match q.status.as_deref() {
        Some(s) => Some(
            DeadlineStatus::parse(s)
                .ok_or_else(|| AppError::field("status", DeadlineStatus::allowed()))?,
        ),
        None => None,
    };
    if let (Some(f), Some(t)) = (q.from, q.to) {
        if t < f {
            return Err(AppError::field("to", "must not be before from"));
        }
    }
    let today = org_today(&state.settings);
    let (items, next_cursor) = run_db(&state.pool, move |conn| {
        let (rows, next) =
            store::agenda(conn, &scope(&user), (q.from, q.to), status, today, &page)?;
        Ok((
            rows.iter().map(|d| view(d, today)).collect::<Vec<_>>(),
            next,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(DeadlineList { items, next_cursor }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ClockQuery {
    /// The date to compute the clock for; default today (organisation's time zone).
    pub as_of: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EadClockView {
    /// The I-589 filing date.
    pub started_on: NaiveDate,
    pub as_of: NaiveDate,
    pub days_elapsed: i64,
    pub running: bool,
    pub stopped_days: i64,
    /// Null while the clock is stopped.
    pub earliest_filing_on: Option<NaiveDate>,
    /// Null while the clock is stopped.
    pub earliest_grant_on: Option<NaiveDate>,
    pub events: Vec<ClockEventView>,
}

/// The asylum EAD clock of a case as of a date. Visible cases only; 422 when no I-589 is recorded.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id"), ClockQuery),
    responses(
        (status = 200, body = EadClockView)
    ),
    tag = "deadlines"
)]
#[get("/cases/{id}/ead-clock")]
pub async fn ead_clock_view(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    q: web::Query<ClockQuery>,
) -> AppResult<HttpResponse> {
    let case_id = id.into_inner();
    let as_of = q.as_of.unwrap_or_else(|| org_today(&state.settings));
    let waits = state.settings.ead_waits();
    let v = run_db(&state.pool, move |conn| {
        let case = cases::find(conn, &case_id, &scope(&user))?;
        let filed_on = events::filings_of(conn, &case.id)?
            .iter()
            .filter(|f| f.form == Form::I589.as_str())
            .map(|f| f.filed_on)
            .min()
            .ok_or_else(|| {
                AppError::field(
                    "case",
                    "the EAD clock has not started: no I-589 filing is recorded",
                )
            })?;
        let rows = events::clock_events_of(conn, &case.id)?;
        let evs: Vec<ClockEvent> = rows
            .iter()
            .filter_map(|e| {
                Some(ClockEvent {
                    kind: ClockKind::parse(&e.kind)?,
                    on: e.occurred_on,
                })
            })
            .collect();
        let c = ead_clock::ead_clock(filed_on, &evs, as_of, &waits);
        Ok(EadClockView {
            started_on: c.started_on,
            as_of: c.as_of,
            days_elapsed: c.days_elapsed,
            running: c.running,
            stopped_days: c.stopped_days,
            earliest_filing_on: c.earliest_filing_on,
            earliest_grant_on: c.earliest_grant_on,
            events: rows.iter().map(ClockEventView::from).collect(),
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClosureView {
    pub id: String,
    pub day: NaiveDate,
    pub reason: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
}

impl From<&store::Closure> for ClosureView {
    fn from(c: &store::Closure) -> Self {
        ClosureView {
            id: c.id.clone(),
            day: c.day,
            reason: c.reason.clone(),
            created_at: c.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ClosureList {
    pub items: Vec<ClosureView>,
    pub next_cursor: Option<String>,
}

/// Closure days by executive order (they give `alternative_due_on`, never `due_on`). Admins only.
#[utoipa::path(
    responses(
        (status = 200, body = ClosureList),
        Forbidden
    ),
    tag = "deadlines"
)]
#[get("/closures")]
pub async fn list_closures(state: web::Data<AppState>, user: AuthUser) -> AppResult<HttpResponse> {
    require_admin(&user)?;
    let items = run_db(&state.pool, |conn| {
        Ok(store::list_closures(conn)?
            .iter()
            .map(ClosureView::from)
            .collect())
    })
    .await?;
    Ok(HttpResponse::Ok().json(ClosureList {
        items,
        next_cursor: None,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClosure {
    pub day: NaiveDate,
    pub reason: String,
}

/// Add a closure day; deadlines near it get their alternative dates recomputed. Admins only.
#[utoipa::path(
    request_body = NewClosure,
    responses(
        (status = 201, body = ClosureView),
        Forbidden,
        Conflict
    ),
    tag = "deadlines"
)]
#[post("/closures")]
pub async fn create_closure(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ApiJson<NewClosure>,
) -> AppResult<HttpResponse> {
    require_admin(&user)?;
    let req = body.0;
    let reason = req.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(AppError::field("reason", "must be 1 to 200 characters"));
    }
    let ctx = Context::now(&state.settings);
    let v = run_db(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            let c = store::insert_closure(conn, req.day, &reason)?;
            let near = store::cases_near(conn, c.day)?;
            recompute::cases_changed(conn, &near, &ctx)?;
            let v = ClosureView::from(&c);
            audit::record(
                conn,
                Some(&user.id),
                "create",
                "closure",
                &c.id,
                audit::created(&serde_json::to_value(&v).unwrap_or_default()),
            )?;
            Ok(v)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(v))
}

/// Remove a closure day; alternative dates near it are recomputed. Admins only.
#[utoipa::path(
    params(("id" = String, Path, description = "Closure id")),
    responses(
        (status = 204, description = "Removed"),
        Forbidden
    ),
    tag = "deadlines"
)]
#[delete("/closures/{id}")]
pub async fn delete_closure(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    require_admin(&user)?;
    let id = id.into_inner();
    let ctx = Context::now(&state.settings);
    run_db(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            let c = store::delete_closure(conn, &id)?;
            let near = store::cases_near(conn, c.day)?;
            recompute::cases_changed(conn, &near, &ctx)?;
            let changes = serde_json::json!({"day": {"from": c.day, "to": null}, "reason": {"from": c.reason, "to": null}});
            audit::record(conn, Some(&user.id), "delete", "closure", &c.id, changes)
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
