//! HTTP for the family members of a case (spouse and children): record, list, correct and
//! remove. Bodies are parsed here (every field error at once); the work is `service::family`.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::db::page::{Page, PageParams};
use crate::domain::dates::Day;
use crate::domain::identifiers;
use crate::domain::vocab::Relationship;
use crate::error::{AppResult, Fields};
use crate::http::body::{not_null, nullable, ApiJson};
use crate::http::doc::Conflict;
use crate::http::list::List;
use crate::http::reason::WithdrawRequest;
use crate::service::family::{self, FamilyFields, FamilyMemberView};
use crate::service::org_today;
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_family_member)
        .service(list_family_members)
        .service(patch_family_member)
        .service(delete_family_member);
}

/// The body of POST (`relationship`, `given_name` and `family_name` required; `derivative` and
/// `in_united_states` default to false) and PATCH (all optional; `null` clears an optional
/// field).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FamilyMemberInput {
    /// `spouse` or `child`.
    #[schema(value_type = Option<Relationship>, nullable = false)]
    #[serde(default, deserialize_with = "not_null")]
    pub relationship: Option<String>,
    /// Trimmed; 1 to 200 characters.
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    #[serde(default, deserialize_with = "not_null")]
    pub given_name: Option<String>,
    /// Trimmed; 1 to 200 characters.
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    #[serde(default, deserialize_with = "not_null")]
    pub family_name: Option<String>,
    /// The name in its own script, kept as typed; at most 200 characters; blank clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub native_name: Option<Option<String>>,
    /// `YYYY-MM-DD`, not in the future. A child's 21st birthday follows from it
    /// (`turns_21_on`, and the case's `derivative_age_out` deadline).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Day>)]
    pub date_of_birth: Option<Option<Day>>,
    /// `A123456789`, `123-456-789`, `12345678`, ...; stored as `A` + 9 digits; blank clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub a_number: Option<Option<String>>,
    /// Included in the I-589 as a derivative (INA 208(b)(3)(A)).
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub derivative: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub in_united_states: Option<bool>,
}

impl FamilyMemberInput {
    /// Checks every field and gathers every mistake; `creating` requires the relationship and
    /// the names. `today` is the organisation's: nobody is born in the future.
    fn parse(self, creating: bool, today: NaiveDate) -> AppResult<FamilyFields> {
        let mut errors = Fields::new();
        if creating {
            for (field, present) in [
                ("relationship", self.relationship.is_some()),
                ("given_name", self.given_name.is_some()),
                ("family_name", self.family_name.is_some()),
            ] {
                if !present {
                    errors.push(field, "is required");
                }
            }
        }
        let relationship = self.relationship.as_deref().and_then(|r| {
            errors.check(
                "relationship",
                Relationship::parse(r).ok_or_else(Relationship::allowed),
            )
        });
        let given_name = name(self.given_name, "given_name", &mut errors);
        let family_name = name(self.family_name, "family_name", &mut errors);
        // Kept as typed (trimmed): a name in its own script is not ours to normalise.
        let native_name = self.native_name.map(|n| {
            let n = n.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
            if n.as_ref().is_some_and(|n| n.chars().count() > 200) {
                errors.push("native_name", "must be at most 200 characters");
            }
            n
        });
        let a_number = self.a_number.map(|a| {
            a.filter(|s| !s.trim().is_empty()).and_then(|a| {
                let normal = identifiers::normalize_a_number(&a).map_err(|e| e.message());
                errors.check("a_number", normal)
            })
        });
        let date_of_birth = self.date_of_birth.map(|d| d.map(Day::date));
        if date_of_birth.flatten().is_some_and(|d| d > today) {
            errors.push("date_of_birth", "must not be in the future");
        }
        errors.finish()?;
        Ok(FamilyFields {
            relationship,
            given_name,
            family_name,
            native_name,
            date_of_birth,
            a_number,
            derivative: self.derivative,
            in_united_states: self.in_united_states,
        })
    }
}

/// A name: trimmed, 1 to 200 characters.
fn name(v: Option<String>, field: &str, errors: &mut Fields) -> Option<String> {
    let t = v?.trim().to_string();
    if t.is_empty() || t.chars().count() > 200 {
        errors.push(field, "must be 1 to 200 characters");
    }
    Some(t)
}

/// Record a spouse or child of the client on the case. Recomputes the case's deadlines (a
/// child with a date of birth gets `derivative_age_out`); audited. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    request_body = FamilyMemberInput,
    responses(
        (status = 201, body = FamilyMemberView)
    ),
    tag = "family"
)]
#[post("/cases/{id}/family-members")]
pub async fn create_family_member(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<FamilyMemberInput>,
) -> AppResult<HttpResponse> {
    let fields = body.0.parse(true, org_today(&state.settings))?;
    let view = family::create(&state, &user, id.into_inner(), fields).await?;
    Ok(HttpResponse::Created().json(view))
}

/// A visible case's family members in the order recorded, removed ones included (with
/// `removed_at`). Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id"), PageParams),
    responses(
        (status = 200, body = List<FamilyMemberView>)
    ),
    tag = "family"
)]
#[get("/cases/{id}/family-members")]
pub async fn list_family_members(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    q: web::Query<PageParams>,
) -> AppResult<HttpResponse> {
    let page = Page::try_from(&q.into_inner())?;
    let list = family::list(&state, &user, id.into_inner(), page).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Correct a family member (an absent field is unchanged, `null` clears an optional one).
/// Recomputes the case's deadlines; audited. Visible cases only; a removed member is 409.
#[utoipa::path(
    params(("id" = String, Path, description = "Family member id")),
    request_body = FamilyMemberInput,
    responses(
        (status = 200, body = FamilyMemberView),
        Conflict
    ),
    tag = "family"
)]
#[patch("/family-members/{id}")]
pub async fn patch_family_member(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<FamilyMemberInput>,
) -> AppResult<HttpResponse> {
    let fields = body.0.parse(false, org_today(&state.settings))?;
    let view = family::correct(&state, &user, id.into_inner(), fields).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Remove a family member from the case: kept in its list with `removed_at` and
/// `removed_reason`, no longer read by the deadline rules (a child's `derivative_age_out` is
/// superseded). Audited with the reason. Visible cases only; already removed is 409.
#[utoipa::path(
    params(("id" = String, Path, description = "Family member id")),
    request_body = WithdrawRequest,
    responses(
        (status = 200, body = FamilyMemberView),
        Conflict
    ),
    tag = "family"
)]
#[delete("/family-members/{id}")]
pub async fn delete_family_member(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<WithdrawRequest>,
) -> AppResult<HttpResponse> {
    let why = body.0.parse()?;
    let view = family::remove(&state, &user, id.into_inner(), why).await?;
    Ok(HttpResponse::Ok().json(view))
}
