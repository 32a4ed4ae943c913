//! HTTP for hearings and appointments. Their bodies are checked by `service::hearings` (the case's
//! court supplies the defaults, and a hidden case is 404 before any field error).

use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::extract::AuthUser;
use crate::db::page::{Page, PageParams};
use crate::domain::dates::Day;
use crate::domain::vocab::{HearingKind, HearingMode, HearingOutcome};
use crate::error::{AppError, AppResult};
use crate::http::body::{not_null, nullable, ApiJson, ApiQuery};
use crate::http::doc::{LocalDateTime, TimeZoneName};
use crate::http::list::List;
use crate::service::hearings::{
    self, AgendaHearing, DayRange, HearingEdit, HearingView, NewHearing,
};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_hearing)
        .service(list_case_hearings)
        .service(list_hearings)
        .service(get_hearing)
        .service(patch_hearing);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HearingRequest {
    /// `master_calendar`, `individual`, `asylum_interview`, `biometrics`, `ice_check_in`, `other`.
    #[schema(value_type = HearingKind)]
    pub kind: String,
    /// `YYYY-MM-DDTHH:MM`, local to `time_zone`; from 1900 to 2199.
    #[schema(value_type = LocalDateTime)]
    pub starts_at_local: String,
    /// IANA zone; defaults to the court's.
    #[schema(value_type = Option<TimeZoneName>)]
    pub time_zone: Option<String>,
    /// Defaults to the case's court, unless the appointment is at an office.
    pub court_code: Option<String>,
    /// The office of an `ice_check_in` (an ICE field office; defaults to the field office of the
    /// case's Order of Supervision), `asylum_interview` (an asylum office) or `biometrics` (an
    /// application support centre): `GET /api/v1/offices`. The zone then defaults to the office's,
    /// and the case's court is no default.
    pub office_code: Option<String>,
    /// How it is held: `in_person`, `video` or `telephone`.
    #[schema(value_type = Option<HearingMode>)]
    pub mode: Option<String>,
    /// The interpreter's language, a BCP 47 tag (e.g. `cmn`, `zh-Hans`, `es`).
    #[schema(max_length = 35)]
    pub interpreter_language: Option<String>,
    /// Trimmed, blank is none; at most 200 characters.
    #[schema(max_length = 200)]
    pub judge: Option<String>,
    /// Trimmed, blank is none; at most 200 characters.
    #[schema(max_length = 200)]
    pub location: Option<String>,
}

impl From<HearingRequest> for NewHearing {
    fn from(r: HearingRequest) -> Self {
        NewHearing {
            kind: r.kind,
            starts_at_local: r.starts_at_local,
            time_zone: r.time_zone,
            court_code: r.court_code,
            office_code: r.office_code,
            mode: r.mode,
            interpreter_language: r.interpreter_language,
            judge: r.judge,
            location: r.location,
        }
    }
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
    let view = hearings::create(&state, &user, id.into_inner(), body.0.into()).await?;
    Ok(HttpResponse::Created().json(view))
}

/// A visible case's hearings, soonest first. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id"), PageParams),
    responses(
        (status = 200, body = List<HearingView>)
    ),
    tag = "hearings"
)]
#[get("/cases/{id}/hearings")]
pub async fn list_case_hearings(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    q: web::Query<PageParams>,
) -> AppResult<HttpResponse> {
    let page = Page::try_from(&q.into_inner())?;
    let list = hearings::of_case(&state, &user, id.into_inner(), page).await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First day (`YYYY-MM-DD`, in the organisation's time zone), inclusive.
    #[param(value_type = Option<String>, format = Date, pattern = "^(?:19|20|21)[0-9]{2}-")]
    pub from: Option<Day>,
    /// Last day, inclusive.
    #[param(value_type = Option<String>, format = Date, pattern = "^(?:19|20|21)[0-9]{2}-")]
    pub to: Option<Day>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl RangeQuery {
    /// The page first, then the range (one error at a time, as the list endpoints answer).
    fn parse(self) -> AppResult<(DayRange, Page)> {
        let page = Page::from_params(self.limit, self.cursor.as_deref())?;
        if let (Some(f), Some(t)) = (self.from, self.to) {
            if t < f {
                return Err(AppError::field("to", "must not be before from"));
            }
        }
        let range = DayRange {
            from: self.from.map(Day::date),
            to: self.to.map(Day::date),
        };
        Ok((range, page))
    }
}

/// The caller's visible hearings in a date range, soonest first (index `hearings_starts_at`),
/// each with its case reference and client's names. Any signed-in user (admins see all).
#[utoipa::path(
    params(RangeQuery),
    responses(
        (status = 200, body = List<AgendaHearing>)
    ),
    tag = "hearings"
)]
#[get("/hearings")]
pub async fn list_hearings(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ApiQuery<RangeQuery>,
) -> AppResult<HttpResponse> {
    let (range, page) = q.into_inner().parse()?;
    let (items, next) = hearings::in_range(&state, &user, range, page).await?;
    Ok(HttpResponse::Ok().json(List::page(items, next)))
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
    let view = hearings::get(&state, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HearingPatch {
    /// `held`, `continued_by_applicant`, `continued_by_court`, `no_show`, `cancelled`; null clears.
    /// What happened (all but `cancelled`) only once the hearing has started (422 before);
    /// `cancelled` any time. A move to a new time clears the outcome unless one is given with it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<HearingOutcome>)]
    pub outcome: Option<Option<String>>,
    /// A new local time (a move); the earlier one is kept in `history`.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<LocalDateTime>, nullable = false)]
    pub starts_at_local: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<TimeZoneName>, nullable = false)]
    pub time_zone: Option<String>,
    /// A new court (the appointment is then at no office).
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub court_code: Option<String>,
    /// A new office (the appointment is then at no court).
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub office_code: Option<String>,
    /// `in_person`, `video`, `telephone`; null clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<HearingMode>)]
    pub mode: Option<Option<String>>,
    /// A BCP 47 tag; null clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 35)]
    pub interpreter_language: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub judge: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub location: Option<Option<String>>,
}

impl From<HearingPatch> for HearingEdit {
    fn from(p: HearingPatch) -> Self {
        HearingEdit {
            outcome: p.outcome,
            starts_at_local: p.starts_at_local,
            time_zone: p.time_zone,
            court_code: p.court_code,
            office_code: p.office_code,
            mode: p.mode,
            interpreter_language: p.interpreter_language,
            judge: p.judge,
            location: p.location,
        }
    }
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
    let view = hearings::edit(&state, &user, id.into_inner(), body.0.into()).await?;
    Ok(HttpResponse::Ok().json(view))
}
