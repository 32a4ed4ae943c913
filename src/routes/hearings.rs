//! Hearings and appointments: local time + IANA zone as the notice gives them, plus the UTC
//! instant. Visible cases only (404 otherwise); a move keeps the earlier time in the history.

use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::extract::AuthUser;
use crate::auth::policy::{scope, Role};
use crate::db::events::{self, Hearing, HearingChange, HearingChanges};
use crate::db::page::{ser_instant, Cursor, Page};
use crate::db::schema::hearings;
use crate::db::scope::assigned_case_ids;
use crate::db::{self, audit, cases, run_db, DbConnection};
use crate::domain::vocab::{HearingKind, HearingOutcome};
use crate::error::{AppError, AppResult, FieldError};
use crate::http::body::{nullable, ApiJson};
use crate::service::recompute;
use crate::service::Context;
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_hearing)
        .service(list_case_hearings)
        .service(list_hearings)
        .service(get_hearing)
        .service(patch_hearing);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EarlierTime {
    pub starts_at_local: String,
    pub time_zone: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub starts_at: NaiveDateTime,
    pub changed_by: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub changed_at: NaiveDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HearingView {
    pub id: String,
    pub case_id: String,
    pub kind: String,
    /// `YYYY-MM-DDTHH:MM` in `time_zone`, as on the notice.
    pub starts_at_local: String,
    pub time_zone: String,
    /// The same moment in UTC.
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub starts_at: NaiveDateTime,
    pub court_code: Option<String>,
    pub judge: Option<String>,
    pub location: Option<String>,
    pub outcome: Option<String>,
    /// Earlier times, oldest first.
    pub history: Vec<EarlierTime>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub updated_at: NaiveDateTime,
}

fn view(h: &Hearing, history: Vec<HearingChange>) -> HearingView {
    HearingView {
        id: h.id.clone(),
        case_id: h.case_id.clone(),
        kind: h.kind.clone(),
        starts_at_local: h.starts_at_local.clone(),
        time_zone: h.time_zone.clone(),
        starts_at: h.starts_at,
        court_code: h.court_code.clone(),
        judge: h.judge.clone(),
        location: h.location.clone(),
        outcome: h.outcome.clone(),
        history: history
            .into_iter()
            .map(|c| EarlierTime {
                starts_at_local: c.previous_starts_at_local,
                time_zone: c.previous_time_zone,
                starts_at: c.previous_starts_at,
                changed_by: c.changed_by,
                changed_at: c.changed_at,
            })
            .collect(),
        created_at: h.created_at,
        updated_at: h.updated_at,
    }
}

fn full_view(conn: &mut DbConnection, id: &str) -> AppResult<HearingView> {
    let h = events::find_hearing(conn, id)?;
    let history = events::hearing_history(conn, id)?;
    Ok(view(&h, history))
}

/// The UTC instant of a local time in a zone; a time skipped or repeated by a DST change is
/// refused rather than guessed, since the notice must be read again.
pub fn to_utc(local: &str, tz: Tz) -> Result<(String, NaiveDateTime), String> {
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M")
        .map_err(|_| "must be a local time YYYY-MM-DDTHH:MM".to_string())?;
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok((naive.format("%Y-%m-%dT%H:%M").to_string(), t.naive_utc())),
        chrono::LocalResult::None => Err(format!(
            "{} does not exist in {}: the clocks jump forward over it (daylight saving time); check the notice",
            naive.format("%Y-%m-%dT%H:%M"),
            tz.name()
        )),
        chrono::LocalResult::Ambiguous(..) => Err(format!(
            "{} happens twice in {}: the clocks fall back over it (daylight saving time); check the notice",
            naive.format("%Y-%m-%dT%H:%M"),
            tz.name()
        )),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HearingRequest {
    /// `master_calendar`, `individual`, `asylum_interview`, `biometrics`, `ice_check_in`, `other`.
    pub kind: String,
    /// `YYYY-MM-DDTHH:MM`, local to `time_zone`.
    pub starts_at_local: String,
    /// IANA zone; defaults to the court's.
    pub time_zone: Option<String>,
    /// Defaults to the case's court.
    pub court_code: Option<String>,
    pub judge: Option<String>,
    pub location: Option<String>,
}

/// Resolves court and zone: the request's, else the case's court and that court's zone.
fn place(
    state: &AppState,
    court: Option<String>,
    case_court: Option<String>,
    tz: Option<String>,
    errors: &mut Vec<FieldError>,
) -> (Option<String>, Option<Tz>) {
    let court = court.or(case_court);
    let court_tz = match court.as_deref().map(|c| state.court(c)) {
        Some(Some(c)) => Some(c.time_zone),
        Some(None) => {
            errors.push(FieldError::new(
                "court_code",
                "is not a known court; see GET /api/v1/courts",
            ));
            None
        }
        None => None,
    };
    let tz = match tz {
        Some(name) => match name.parse::<Tz>() {
            Ok(t) => Some(t),
            Err(_) => {
                errors.push(FieldError::new(
                    "time_zone",
                    "must be an IANA time zone such as America/Denver",
                ));
                None
            }
        },
        None => court_tz,
    };
    (court, tz)
}

fn text(v: Option<String>, field: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let v = v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())?;
    if v.chars().count() > 200 {
        errors.push(FieldError::new(field, "must be at most 200 characters"));
    }
    Some(v)
}

/// Schedule a hearing or appointment. Visible cases only. A hearing with neither a court nor a
/// time zone, or at a local time that a DST change skips or repeats, is 422.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    request_body = HearingRequest,
    responses(
        (status = 201, body = HearingView)
    ),
    tag = "hearings"
)]
#[post("/cases/{id}/hearings")]
pub async fn create_hearing(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<HearingRequest>,
) -> AppResult<HttpResponse> {
    let req = body.0;
    let case_id = id.into_inner();
    let st = state.clone();
    let ctx = Context::now(&state.settings);
    let v = run_db(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            let case = cases::find(conn, &case_id, &scope(&user))?;
            let mut errors = Vec::new();
            let kind = HearingKind::parse(&req.kind);
            if kind.is_none() {
                errors.push(FieldError::new("kind", HearingKind::allowed()));
            }
            let (court, tz) = place(
                &st,
                req.court_code,
                case.court_code.clone(),
                req.time_zone,
                &mut errors,
            );
            let judge = text(req.judge, "judge", &mut errors);
            let location = text(req.location, "location", &mut errors);
            let when = match tz {
                Some(tz) => to_utc(&req.starts_at_local, tz)
                    .map_err(|m| errors.push(FieldError::new("starts_at_local", m)))
                    .ok()
                    .map(|w| (w, tz)),
                None => {
                    if errors.is_empty() {
                        errors.push(FieldError::new(
                            "time_zone",
                            "is required when neither the hearing nor the case has a court",
                        ));
                    }
                    None
                }
            };
            let (Some(kind), Some(((local, utc), tz)), true) = (kind, when, errors.is_empty())
            else {
                return Err(AppError::invalid(errors));
            };
            let now = db::now();
            let row = Hearing {
                id: db::new_id(),
                case_id: case.id.clone(),
                kind: kind.as_str().to_string(),
                starts_at_local: local,
                time_zone: tz.name().to_string(),
                starts_at: utc,
                court_code: court,
                judge,
                location,
                outcome: None,
                created_by: user.id.clone(),
                created_at: now,
                updated_at: now,
            };
            events::insert_hearing(conn, &row)?;
            recompute::case_changed(conn, &case, &ctx)?;
            let v = view(&row, Vec::new());
            audit::record(
                conn,
                Some(&user.id),
                "create",
                "hearing",
                &row.id,
                audit::created(&serde_json::to_value(&v).unwrap_or_default()),
            )?;
            Ok(v)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(v))
}

#[derive(Serialize, ToSchema)]
pub struct HearingList {
    pub items: Vec<HearingView>,
    pub next_cursor: Option<String>,
}

/// A visible case's hearings, soonest first. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    responses(
        (status = 200, body = HearingList)
    ),
    tag = "hearings"
)]
#[get("/cases/{id}/hearings")]
pub async fn list_case_hearings(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let case_id = id.into_inner();
    let items = run_db(&state.pool, move |conn| {
        let case = cases::find(conn, &case_id, &scope(&user))?;
        let rows = events::hearings_of(conn, &case.id)?;
        let mut out = Vec::new();
        for h in &rows {
            let history = events::hearing_history(conn, &h.id)?;
            out.push(view(h, history));
        }
        Ok(out)
    })
    .await?;
    Ok(HttpResponse::Ok().json(HearingList {
        items,
        next_cursor: None,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct RangeQuery {
    /// First day (`YYYY-MM-DD`, in the organisation's time zone), inclusive.
    pub from: Option<NaiveDate>,
    /// Last day, inclusive.
    pub to: Option<NaiveDate>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The caller's visible hearings in a date range, soonest first (index `hearings_starts_at`).
/// Any signed-in user (admins see all).
#[utoipa::path(
    params(RangeQuery),
    responses(
        (status = 200, body = HearingList)
    ),
    tag = "hearings"
)]
#[get("/hearings")]
pub async fn list_hearings(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<RangeQuery>,
) -> AppResult<HttpResponse> {
    use diesel::prelude::*;
    let q = q.into_inner();
    let page = Page::from_params(q.limit, q.cursor.as_deref())?;
    if let (Some(f), Some(t)) = (q.from, q.to) {
        if t < f {
            return Err(AppError::field("to", "must not be before from"));
        }
    }
    let tz = state.settings.org_tz();
    let start = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.naive_utc())
    };
    let from = q.from.and_then(start);
    let to = q.to.and_then(|d| d.succ_opt()).and_then(start);
    let (items, next_cursor) = run_db(&state.pool, move |conn| {
        let mut query = hearings::table.select(Hearing::as_select()).into_boxed();
        if user.role != Role::Admin {
            query = query.filter(hearings::case_id.eq_any(assigned_case_ids(&user.id)));
        }
        if let Some(f) = from {
            query = query.filter(hearings::starts_at.ge(f));
        }
        if let Some(t) = to {
            query = query.filter(hearings::starts_at.lt(t));
        }
        if let Some(Cursor { at, id }) = &page.cursor {
            query = query.filter(
                hearings::starts_at
                    .gt(*at)
                    .or(hearings::starts_at.eq(*at).and(hearings::id.gt(id.clone()))),
            );
        }
        let mut rows: Vec<Hearing> = query
            .order((hearings::starts_at, hearings::id))
            .limit(page.limit + 1)
            .load(conn)?;
        let (rows, next) = page.finish(&mut rows, |h| Cursor {
            at: h.starts_at,
            id: h.id.clone(),
        });
        let mut out = Vec::new();
        for h in &rows {
            let history = events::hearing_history(conn, &h.id)?;
            out.push(view(h, history));
        }
        Ok((out, next))
    })
    .await?;
    Ok(HttpResponse::Ok().json(HearingList { items, next_cursor }))
}

/// Finds a hearing whose case the caller sees, else NotFound.
fn visible_hearing(
    conn: &mut DbConnection,
    user: &AuthUser,
    id: &str,
) -> AppResult<(Hearing, cases::Case)> {
    let h = events::find_hearing(conn, id)?;
    let case = cases::find(conn, &h.case_id, &scope(user))?;
    Ok((h, case))
}

/// One hearing with its earlier times. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Hearing id")),
    responses(
        (status = 200, body = HearingView)
    ),
    tag = "hearings"
)]
#[get("/hearings/{id}")]
pub async fn get_hearing(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let v = run_db(&state.pool, move |conn| {
        visible_hearing(conn, &user, &id)?;
        full_view(conn, &id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HearingPatch {
    /// `held`, `continued_by_applicant`, `continued_by_court`, `no_show`, `cancelled`; null clears.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub outcome: Option<Option<String>>,
    /// A new local time (a move); the earlier one is kept in `history`.
    pub starts_at_local: Option<String>,
    pub time_zone: Option<String>,
    pub court_code: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub judge: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub location: Option<Option<String>>,
}

/// Record an outcome, move a hearing, or change its judge or room. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Hearing id")),
    request_body = HearingPatch,
    responses(
        (status = 200, body = HearingView)
    ),
    tag = "hearings"
)]
#[patch("/hearings/{id}")]
pub async fn patch_hearing(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<HearingPatch>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let req = body.0;
    let st = state.clone();
    let ctx = Context::now(&state.settings);
    let v = run_db(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            let (before, case) = visible_hearing(conn, &user, &id)?;
            let mut errors = Vec::new();
            let mut changes = HearingChanges::default();
            if let Some(outcome) = &req.outcome {
                changes.outcome = Some(match outcome {
                    Some(o) => match HearingOutcome::parse(o) {
                        Some(o) => Some(o.as_str().to_string()),
                        None => {
                            errors.push(FieldError::new("outcome", HearingOutcome::allowed()));
                            None
                        }
                    },
                    None => None,
                });
            }
            let moved = req.starts_at_local.is_some()
                || req.time_zone.is_some()
                || req.court_code.is_some();
            if moved {
                let court = req.court_code.clone().or(before.court_code.clone());
                // A new court brings its zone unless one is given; otherwise the zone stays.
                let tz_name = req.time_zone.clone().or_else(|| {
                    if req.court_code.is_some() {
                        None
                    } else {
                        Some(before.time_zone.clone())
                    }
                });
                let (court, tz) = place(&st, court, None, tz_name, &mut errors);
                let local = req
                    .starts_at_local
                    .clone()
                    .unwrap_or_else(|| before.starts_at_local.clone());
                if let Some(tz) = tz {
                    match to_utc(&local, tz) {
                        Ok((local, utc)) => {
                            changes.starts_at_local = Some(local);
                            changes.time_zone = Some(tz.name().to_string());
                            changes.starts_at = Some(utc);
                            changes.court_code = Some(court);
                        }
                        Err(m) => errors.push(FieldError::new("starts_at_local", m)),
                    }
                }
            }
            if let Some(j) = req.judge.clone() {
                changes.judge = Some(j.and_then(|j| text(Some(j), "judge", &mut errors)));
            }
            if let Some(l) = req.location.clone() {
                changes.location = Some(l.and_then(|l| text(Some(l), "location", &mut errors)));
            }
            if !errors.is_empty() {
                return Err(AppError::invalid(errors));
            }
            let time_changed = changes.starts_at.is_some_and(|t| t != before.starts_at)
                || changes
                    .time_zone
                    .as_ref()
                    .is_some_and(|z| *z != before.time_zone);
            if time_changed {
                events::insert_hearing_change(
                    conn,
                    &HearingChange {
                        id: db::new_id(),
                        hearing_id: id.clone(),
                        previous_starts_at_local: before.starts_at_local.clone(),
                        previous_time_zone: before.time_zone.clone(),
                        previous_starts_at: before.starts_at,
                        changed_by: user.id.clone(),
                        changed_at: db::now(),
                    },
                )?;
            }
            let before_view = view(&before, Vec::new());
            events::update_hearing(conn, &id, changes)?;
            recompute::case_changed(conn, &case, &ctx)?;
            let after = full_view(conn, &id)?;
            let mut diff = audit::diff(
                &serde_json::to_value(&before_view).unwrap_or_default(),
                &serde_json::to_value(&after).unwrap_or_default(),
            );
            if let Some(o) = diff.as_object_mut() {
                o.remove("updated_at");
                o.remove("history");
            }
            audit::record(conn, Some(&user.id), "update", "hearing", &id, diff)?;
            Ok(after)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(v))
}
