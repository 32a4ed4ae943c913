//! HTTP for Orders of Supervision and the office list (ICE field offices, USCIS offices).

use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::extract::AuthUser;
use crate::domain::dates::Day;
use crate::domain::offices::{Office, OfficeKind};
use crate::error::{AppError, AppResult};
use crate::http::body::{not_null, nullable, ApiJson, ApiQuery, Whole};
use crate::http::list::List;
use crate::service::supervision::{self, NewSupervision, SupervisionEdit, SupervisionView};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_supervision)
        .service(list_supervision)
        .service(patch_supervision)
        .service(list_offices);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupervisionRequest {
    /// The date of the order (Form I-220B); not in the future.
    pub ordered_on: Day,
    /// An ICE field office (`GET /api/v1/offices?kind=ice_field_office`): check-ins of the case
    /// are there unless a check-in names another office.
    pub field_office_code: String,
    /// Days between check-ins, as ICE set them (1 to 366).
    #[schema(value_type = i32, minimum = 1, maximum = 366)]
    pub interval_days: Whole<i32>,
    /// The order's other conditions; trimmed, blank is none, at most 2000 characters.
    #[schema(max_length = 2000)]
    pub conditions: Option<String>,
}

/// Record an Order of Supervision; the case's next check-in is planned from its interval.
/// Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    request_body = SupervisionRequest,
    responses((status = 201, body = SupervisionView)),
    tag = "supervision"
)]
#[post("/cases/{id}/supervision-orders")]
pub async fn create_supervision(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<SupervisionRequest>,
) -> AppResult<HttpResponse> {
    let b = body.0;
    let input = NewSupervision {
        ordered_on: b.ordered_on.date(),
        field_office_code: b.field_office_code,
        interval_days: b.interval_days.0,
        conditions: b.conditions,
    };
    let view = supervision::create(&state, &user, id.into_inner(), input).await?;
    Ok(HttpResponse::Created().json(view))
}

/// A visible case's Orders of Supervision, oldest first. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = List<SupervisionView>)),
    tag = "supervision"
)]
#[get("/cases/{id}/supervision-orders")]
pub async fn list_supervision(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let list = supervision::of_case(&state, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupervisionPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Day>, nullable = false)]
    pub ordered_on: Option<Day>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub field_office_code: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 366, nullable = false)]
    pub interval_days: Option<Whole<i32>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub conditions: Option<Option<String>>,
    /// The day the order ended (null: in force again); no check-in is planned after it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Day>)]
    pub ended_on: Option<Option<Day>>,
}

/// Correct an Order of Supervision, or end it. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Order of Supervision id")),
    request_body = SupervisionPatch,
    responses((status = 200, body = SupervisionView)),
    tag = "supervision"
)]
#[patch("/supervision-orders/{id}")]
pub async fn patch_supervision(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<SupervisionPatch>,
) -> AppResult<HttpResponse> {
    let b = body.0;
    let input = SupervisionEdit {
        ordered_on: b.ordered_on.map(|d| d.date()),
        field_office_code: b.field_office_code,
        interval_days: b.interval_days.map(|w| w.0),
        conditions: b.conditions,
        ended_on: b.ended_on.map(|d| d.map(|d| d.date())),
    };
    let view = supervision::edit(&state, &user, id.into_inner(), input).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OfficeQuery {
    /// Only offices of this kind.
    #[param(value_type = Option<OfficeKind>)]
    pub kind: Option<String>,
}

/// The offices appointments outside court are at: ICE field offices (check-ins), USCIS asylum
/// offices (interviews) and application support centres (biometrics). Any signed-in user.
#[utoipa::path(
    params(OfficeQuery),
    responses((status = 200, body = List<Office>)),
    tag = "supervision"
)]
#[get("/offices")]
pub async fn list_offices(
    state: web::Data<AppState>,
    _user: AuthUser,
    q: ApiQuery<OfficeQuery>,
) -> AppResult<HttpResponse> {
    let kind = match q.0.kind.as_deref() {
        Some(k) => Some(
            OfficeKind::parse(k).ok_or_else(|| AppError::field("kind", OfficeKind::allowed()))?,
        ),
        None => None,
    };
    let items: Vec<Office> = state
        .offices
        .iter()
        .filter(|o| kind.is_none_or(|k| o.kind == k))
        .cloned()
        .collect();
    Ok(HttpResponse::Ok().json(List::all(items)))
}
