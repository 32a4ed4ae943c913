//! HTTP for custody periods (detention, bond, release) of a case. Bodies are parsed here; the
//! work is `service::custody`.

use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::domain::dates::Day;
use crate::domain::vocab::{BondDecision, ReleaseBasis};
use crate::error::AppResult;
use crate::http::body::{not_null, nullable, ApiJson, Whole};
use crate::http::list::List;
use crate::service::custody::{self, CustodyInput, CustodyView};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_custody)
        .service(list_custody)
        .service(patch_custody);
}

fn day(d: Option<Day>) -> Option<Option<chrono::NaiveDate>> {
    Some(d.map(|d| d.date()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustodyRequest {
    /// The day the client was taken into immigration detention; not in the future.
    pub detained_on: Day,
    /// The detention centre; trimmed, blank is none, at most 200 characters.
    #[schema(max_length = 200)]
    pub facility: Option<String>,
    /// The day of release (not before `detained_on`, not in the future); needs `release_basis`.
    #[schema(value_type = Option<Day>)]
    pub released_on: Option<Day>,
    /// How the client was released; only with `released_on`.
    #[schema(value_type = Option<ReleaseBasis>)]
    pub release_basis: Option<String>,
    /// The bond set, in whole US dollars: 1500 (INA 236(a)(2)(A)) to 1000000.
    #[schema(value_type = Option<i32>, minimum = 1500, maximum = 1000000)]
    pub bond_amount_usd: Option<Whole<i32>>,
    /// The bond hearing before an immigration judge (may be in the future).
    #[schema(value_type = Option<Day>)]
    pub bond_hearing_on: Option<Day>,
    /// The day of the IJ's custody redetermination (not before the hearing); needs `bond_decision`.
    #[schema(value_type = Option<Day>)]
    pub bond_decided_on: Option<Day>,
    /// What the IJ decided; only with `bond_decided_on`.
    #[schema(value_type = Option<BondDecision>)]
    pub bond_decision: Option<String>,
    /// The day the bond was posted (not before the decision).
    #[schema(value_type = Option<Day>)]
    pub bond_posted_on: Option<Day>,
    /// The day an appeal of the bond decision was filed with the BIA (meets `bond_appeal`).
    #[schema(value_type = Option<Day>)]
    pub bond_appeal_filed_on: Option<Day>,
    /// Trimmed, blank is none, at most 2000 characters.
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// Record a custody period (the client detained; with release and bond facts if known). A case
/// has at most one open period (422 otherwise). A bond decision plans `bond_appeal`; an open
/// period under a final order plans `zadvydas_review`. Audited. Visible cases only: the case
/// team (any role on the case) and admins; others get 404.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    request_body = CustodyRequest,
    responses((status = 201, body = CustodyView)),
    tag = "custody"
)]
#[post("/cases/{id}/custody")]
pub async fn create_custody(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<CustodyRequest>,
) -> AppResult<HttpResponse> {
    let b = body.0;
    let input = CustodyInput {
        detained_on: Some(b.detained_on.date()),
        facility: Some(b.facility),
        released_on: day(b.released_on),
        release_basis: Some(b.release_basis),
        bond_amount_usd: Some(b.bond_amount_usd.map(|w| w.0)),
        bond_hearing_on: day(b.bond_hearing_on),
        bond_decided_on: day(b.bond_decided_on),
        bond_decision: Some(b.bond_decision),
        bond_posted_on: day(b.bond_posted_on),
        bond_appeal_filed_on: day(b.bond_appeal_filed_on),
        note: Some(b.note),
    };
    let view = custody::create(&state, &user, id.into_inner(), input).await?;
    Ok(HttpResponse::Created().json(view))
}

/// A visible case's custody periods, oldest first. The case team and admins; others get 404.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = List<CustodyView>)),
    tag = "custody"
)]
#[get("/cases/{id}/custody")]
pub async fn list_custody(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let list = custody::of_case(&state, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Changes to a custody period: a field left out stays, `null` clears it (not `detained_on`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustodyPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<Day>, nullable = false)]
    pub detained_on: Option<Day>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub facility: Option<Option<String>>,
    /// The day of release (with `release_basis`); null: detained again on this period.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Day>)]
    pub released_on: Option<Option<Day>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ReleaseBasis>)]
    pub release_basis: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i32>, minimum = 1500, maximum = 1000000)]
    pub bond_amount_usd: Option<Option<Whole<i32>>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Day>)]
    pub bond_hearing_on: Option<Option<Day>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Day>)]
    pub bond_decided_on: Option<Option<Day>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<BondDecision>)]
    pub bond_decision: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Day>)]
    pub bond_posted_on: Option<Option<Day>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Day>)]
    pub bond_appeal_filed_on: Option<Option<Day>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub note: Option<Option<String>>,
}

/// Record a release, bond facts, or a correction; the case's deadlines follow (a release
/// supersedes `zadvydas_review`). Audited. Visible cases only: the case team (any role on the
/// case) and admins; others get 404.
#[utoipa::path(
    params(("id" = String, Path, description = "Custody period id")),
    request_body = CustodyPatch,
    responses((status = 200, body = CustodyView)),
    tag = "custody"
)]
#[patch("/custody/{id}")]
pub async fn patch_custody(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<CustodyPatch>,
) -> AppResult<HttpResponse> {
    let b = body.0;
    let d = |o: Option<Option<Day>>| o.map(|d| d.map(|d| d.date()));
    let input = CustodyInput {
        detained_on: b.detained_on.map(|d| d.date()),
        facility: b.facility,
        released_on: d(b.released_on),
        release_basis: b.release_basis,
        bond_amount_usd: b.bond_amount_usd.map(|o| o.map(|w| w.0)),
        bond_hearing_on: d(b.bond_hearing_on),
        bond_decided_on: d(b.bond_decided_on),
        bond_decision: b.bond_decision,
        bond_posted_on: d(b.bond_posted_on),
        bond_appeal_filed_on: d(b.bond_appeal_filed_on),
        note: b.note,
    };
    let view = custody::edit(&state, &user, id.into_inner(), input).await?;
    Ok(HttpResponse::Ok().json(view))
}
