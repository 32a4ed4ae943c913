//! The facts of a case: filings, EAD clock events and decisions. Recording or reading one needs
//! the case to be visible (404 otherwise); each write re-derives the case's status and deadlines
//! in its own transaction and is audited.

use actix_web::{get, post, web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::auth::policy::scope;
use crate::db::events::{self, ClockEventRow, Decision, Filing};
use crate::db::page::ser_instant;
use crate::db::{self, audit, cases, run_db, DbConnection};
use crate::domain::ead_clock::{self, ClockEvent, ClockKind};
use crate::domain::identifiers;
use crate::domain::vocab::{Authority, DecisionKind, Form};
use crate::error::{AppError, AppResult, FieldError};
use crate::http::body::ApiJson;
use crate::service::events::ClockEventView;
use crate::service::org_today;
use crate::service::recompute;
use crate::service::Context;
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_filing)
        .service(list_filings)
        .service(create_clock_event)
        .service(list_clock_events)
        .service(create_decision)
        .service(list_decisions);
}

/// Records a fact of a visible case in one transaction: `write` inserts it, then the case's
/// derived state is recomputed and the write audited.
fn record_fact<T: Serialize>(
    conn: &mut DbConnection,
    user: &AuthUser,
    case_id: &str,
    entity_type: &str,
    ctx: &Context,
    write: impl FnOnce(&mut DbConnection, &cases::Case) -> AppResult<(String, T)>,
) -> AppResult<T> {
    db::transaction(conn, |conn| {
        let case = cases::find(conn, case_id, &scope(user))?;
        let (id, view) = write(conn, &case)?;
        recompute::case_changed(conn, &case, ctx)?;
        let json = serde_json::to_value(&view).unwrap_or_default();
        audit::record(
            conn,
            Some(&user.id),
            "create",
            entity_type,
            &id,
            audit::created(&json),
        )?;
        Ok(view)
    })
}

/// The whole list of one kind of fact of a visible case, in the list shape.
async fn list_of<T, V>(
    state: &AppState,
    user: AuthUser,
    case_id: String,
    load: fn(&mut DbConnection, &str) -> AppResult<Vec<T>>,
    view: fn(&T) -> V,
) -> AppResult<HttpResponse>
where
    T: Send + 'static,
    V: Serialize + Send + 'static,
{
    let items: Vec<V> = run_db(&state.pool, move |conn| {
        let case = cases::find(conn, &case_id, &scope(&user))?;
        Ok(load(conn, &case.id)?.iter().map(view).collect())
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"items": items, "next_cursor": null})))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FilingView {
    pub id: String,
    pub case_id: String,
    pub form: String,
    pub filed_on: NaiveDate,
    pub receipt_number: Option<String>,
    pub approved_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
}

impl From<&Filing> for FilingView {
    fn from(f: &Filing) -> Self {
        FilingView {
            id: f.id.clone(),
            case_id: f.case_id.clone(),
            form: f.form.clone(),
            filed_on: f.filed_on,
            receipt_number: f.receipt_number.clone(),
            approved_on: f.approved_on,
            valid_until: f.valid_until,
            created_at: f.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilingRequest {
    /// `I-589`, `I-765`, `EOIR-26`, `motion_to_reopen`, `motion_to_reconsider`,
    /// `petition_for_review` or `other`.
    pub form: String,
    pub filed_on: NaiveDate,
    /// USCIS receipt number: 3 letters and 10 digits; dashes and spaces are dropped.
    pub receipt_number: Option<String>,
    /// I-765 only.
    pub approved_on: Option<NaiveDate>,
    /// I-765 only: the card's expiry.
    pub valid_until: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct FilingList {
    pub items: Vec<FilingView>,
    pub next_cursor: Option<String>,
}

/// Record a filing. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    request_body = FilingRequest,
    responses(
        (status = 201, body = FilingView)
    ),
    tag = "case events"
)]
#[post("/cases/{id}/filings")]
pub async fn create_filing(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<FilingRequest>,
) -> AppResult<HttpResponse> {
    let req = body.0;
    let today = org_today(&state.settings);
    let mut errors = Vec::new();
    let form = Form::parse(&req.form);
    if form.is_none() {
        errors.push(FieldError::new("form", Form::allowed()));
    }
    if req.filed_on > today {
        errors.push(FieldError::new("filed_on", "must not be in the future"));
    }
    let receipt = req
        .receipt_number
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .and_then(|r| {
            identifiers::normalize_receipt_number(r)
                .map_err(|e| errors.push(FieldError::new("receipt_number", e.message())))
                .ok()
        });
    if form != Some(Form::I765) {
        for (field, present) in [
            ("approved_on", req.approved_on.is_some()),
            ("valid_until", req.valid_until.is_some()),
        ] {
            if present {
                errors.push(FieldError::new(field, "only an I-765 filing carries it"));
            }
        }
    }
    if req.approved_on.is_some_and(|a| a < req.filed_on) {
        errors.push(FieldError::new(
            "approved_on",
            "must not be before filed_on",
        ));
    }
    if let (Some(v), Some(a)) = (req.valid_until, req.approved_on.or(Some(req.filed_on))) {
        if v <= a {
            errors.push(FieldError::new(
                "valid_until",
                "must be after the approval (or filing) date",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let form = form.unwrap_or(Form::Other);
    let case_id = id.into_inner();
    let ctx = Context::now(&state.settings);
    let view = run_db(&state.pool, move |conn| {
        record_fact(conn, &user, &case_id, "filing", &ctx, |conn, case| {
            let row = Filing {
                id: db::new_id(),
                case_id: case.id.clone(),
                form: form.as_str().to_string(),
                filed_on: req.filed_on,
                receipt_number: receipt,
                approved_on: req.approved_on,
                valid_until: req.valid_until,
                created_by: user.id.clone(),
                created_at: db::now(),
            };
            events::insert_filing(conn, &row)?;
            Ok((row.id.clone(), FilingView::from(&row)))
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

/// A visible case's filings, oldest first. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    responses(
        (status = 200, body = FilingList)
    ),
    tag = "case events"
)]
#[get("/cases/{id}/filings")]
pub async fn list_filings(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    list_of(&state, user, id.into_inner(), events::filings_of, |f| {
        FilingView::from(f)
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockEventRequest {
    /// `stop` or `resume`.
    pub kind: String,
    pub on: NaiveDate,
    /// Why the clock stopped or resumed (e.g. "applicant asked to reschedule the interview").
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ClockEventList {
    pub items: Vec<ClockEventView>,
    pub next_cursor: Option<String>,
}

/// Stop or resume the EAD clock. Visible cases only. A stop before the I-589 filing, a resume
/// without an open stop, or an event out of date order is 422.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    request_body = ClockEventRequest,
    responses(
        (status = 201, body = ClockEventView)
    ),
    tag = "case events"
)]
#[post("/cases/{id}/clock-events")]
pub async fn create_clock_event(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<ClockEventRequest>,
) -> AppResult<HttpResponse> {
    let req = body.0;
    let mut errors = Vec::new();
    let kind = ClockKind::parse(&req.kind);
    if kind.is_none() {
        errors.push(FieldError::new("kind", "must be one of stop, resume"));
    }
    let reason = req.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 500 {
        errors.push(FieldError::new("reason", "must be 1 to 500 characters"));
    }
    if req.on > org_today(&state.settings) {
        errors.push(FieldError::new("on", "must not be in the future"));
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let kind = kind.unwrap_or(ClockKind::Stop);
    let case_id = id.into_inner();
    let ctx = Context::now(&state.settings);
    let view = run_db(&state.pool, move |conn| {
        record_fact(conn, &user, &case_id, "clock_event", &ctx, |conn, case| {
            let filed_on = events::filings_of(conn, &case.id)?
                .iter()
                .filter(|f| f.form == Form::I589.as_str())
                .map(|f| f.filed_on)
                .min()
                .ok_or_else(|| {
                    AppError::field(
                        "on",
                        "the EAD clock has not started: no I-589 filing is recorded",
                    )
                })?;
            let existing: Vec<ClockEvent> = events::clock_events_of(conn, &case.id)?
                .iter()
                .filter_map(|e| {
                    Some(ClockEvent {
                        kind: ClockKind::parse(&e.kind)?,
                        on: e.occurred_on,
                    })
                })
                .collect();
            ead_clock::validate_events(filed_on, &existing, ClockEvent { kind, on: req.on })
                .map_err(|e| {
                    AppError::field(
                        if e.code() == "no_open_stop" {
                            "kind"
                        } else {
                            "on"
                        },
                        e.to_string(),
                    )
                })?;
            let row = ClockEventRow {
                id: db::new_id(),
                case_id: case.id.clone(),
                kind: kind.as_str().to_string(),
                occurred_on: req.on,
                reason,
                created_by: user.id.clone(),
                created_at: db::now(),
            };
            events::insert_clock_event(conn, &row)?;
            Ok((row.id.clone(), ClockEventView::from(&row)))
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

/// A visible case's clock events, in date order. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    responses(
        (status = 200, body = ClockEventList)
    ),
    tag = "case events"
)]
#[get("/cases/{id}/clock-events")]
pub async fn list_clock_events(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    list_of(
        &state,
        user,
        id.into_inner(),
        events::clock_events_of,
        |e| ClockEventView::from(e),
    )
    .await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub id: String,
    pub case_id: String,
    pub kind: String,
    pub authority: String,
    pub decided_on: NaiveDate,
    pub voluntary_departure_days: Option<i32>,
    pub appeal_waived: bool,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
}

impl From<&Decision> for DecisionView {
    fn from(d: &Decision) -> Self {
        DecisionView {
            id: d.id.clone(),
            case_id: d.case_id.clone(),
            kind: d.kind.clone(),
            authority: d.authority.clone(),
            decided_on: d.decided_on,
            voluntary_departure_days: d.voluntary_departure_days,
            appeal_waived: d.appeal_waived,
            created_at: d.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub kind: String,
    /// `immigration_judge`, `bia` or `uscis`.
    pub authority: String,
    /// The date of the oral decision, or of the mailing of the written one.
    pub decided_on: NaiveDate,
    /// Required with `voluntary_departure` (1 to 120).
    pub voluntary_departure_days: Option<i32>,
    pub appeal_waived: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct DecisionList {
    pub items: Vec<DecisionView>,
    pub next_cursor: Option<String>,
}

/// Record a decision. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    request_body = DecisionRequest,
    responses(
        (status = 201, body = DecisionView)
    ),
    tag = "case events"
)]
#[post("/cases/{id}/decisions")]
pub async fn create_decision(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<DecisionRequest>,
) -> AppResult<HttpResponse> {
    let req = body.0;
    let mut errors = Vec::new();
    let kind = DecisionKind::parse(&req.kind);
    if kind.is_none() {
        errors.push(FieldError::new("kind", DecisionKind::allowed()));
    }
    let authority = Authority::parse(&req.authority);
    if authority.is_none() {
        errors.push(FieldError::new("authority", Authority::allowed()));
    }
    if req.decided_on > org_today(&state.settings) {
        errors.push(FieldError::new("decided_on", "must not be in the future"));
    }
    match (kind, req.voluntary_departure_days) {
        (Some(DecisionKind::VoluntaryDeparture), None) => errors.push(FieldError::new(
            "voluntary_departure_days",
            "is required for a grant of voluntary departure",
        )),
        (Some(DecisionKind::VoluntaryDeparture), Some(n)) if !(1..=120).contains(&n) => errors
            .push(FieldError::new(
                "voluntary_departure_days",
                "must be between 1 and 120 (INA 240B)",
            )),
        (Some(k), Some(_)) if k != DecisionKind::VoluntaryDeparture => {
            errors.push(FieldError::new(
                "voluntary_departure_days",
                "only a voluntary_departure decision carries it",
            ))
        }
        _ => {}
    }
    if !errors.is_empty() {
        return Err(AppError::invalid(errors));
    }
    let (kind, authority) = (
        kind.unwrap_or(DecisionKind::Denied),
        authority.unwrap_or(Authority::ImmigrationJudge),
    );
    let case_id = id.into_inner();
    let ctx = Context::now(&state.settings);
    let view = run_db(&state.pool, move |conn| {
        record_fact(conn, &user, &case_id, "decision", &ctx, |conn, case| {
            let row = Decision {
                id: db::new_id(),
                case_id: case.id.clone(),
                kind: kind.as_str().to_string(),
                authority: authority.as_str().to_string(),
                decided_on: req.decided_on,
                voluntary_departure_days: req.voluntary_departure_days,
                appeal_waived: req.appeal_waived.unwrap_or(false),
                created_by: user.id.clone(),
                created_at: db::now(),
            };
            events::insert_decision(conn, &row)?;
            Ok((row.id.clone(), DecisionView::from(&row)))
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

/// A visible case's decisions, oldest first. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    responses(
        (status = 200, body = DecisionList)
    ),
    tag = "case events"
)]
#[get("/cases/{id}/decisions")]
pub async fn list_decisions(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    list_of(&state, user, id.into_inner(), events::decisions_of, |d| {
        DecisionView::from(d)
    })
    .await
}
