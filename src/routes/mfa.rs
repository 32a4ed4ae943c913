//! The second factor: the caller's own enrolment (any signed-in user, also before enrolling
//! where MFA is required) and an admin's reset of a user's.

use actix_web::{delete, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::error::AppResult;
use crate::http::body::ApiJson;
use crate::http::doc::{Conflict, Forbidden};
use crate::service::mfa::{self, RecoveryCodes, TotpEnrolment};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(begin)
        .service(confirm)
        .service(remove)
        .service(admin_reset);
}

/// Start adding an authenticator app: a new secret, pending until confirmed. Any signed-in
/// user. Starting again replaces a pending secret; 409 once one is confirmed.
#[utoipa::path(
    responses(
        (status = 201, body = TotpEnrolment),
        Conflict
    ),
    tag = "me"
)]
#[post("/me/mfa/totp")]
pub async fn begin(state: web::Data<AppState>, user: AuthUser) -> AppResult<HttpResponse> {
    let enrolment = mfa::begin(&state, &user).await?;
    Ok(HttpResponse::Created().json(enrolment))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    /// Six digits from the authenticator app.
    pub code: String,
}

/// Confirm the authenticator with a current code. Any signed-in user with a pending secret.
/// Answers the ten recovery codes, shown this once.
#[utoipa::path(
    request_body = CodeBody,
    responses(
        (status = 200, body = RecoveryCodes),
        Conflict
    ),
    tag = "me"
)]
#[post("/me/mfa/totp/confirm")]
pub async fn confirm(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ApiJson<CodeBody>,
) -> AppResult<HttpResponse> {
    let codes = mfa::confirm(&state, &user, body.0.code).await?;
    Ok(HttpResponse::Ok().json(codes))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveBody {
    pub password: String,
    /// A current code from the authenticator app.
    pub code: String,
}

/// Remove the caller's authenticator. Any signed-in user; needs the password (counted like a
/// sign-in guess) and a current code. Where MFA is required, the account is then limited to
/// enrolling again.
#[utoipa::path(
    request_body = RemoveBody,
    responses(
        (status = 204, description = "Removed"),
        Conflict
    ),
    tag = "me"
)]
#[delete("/me/mfa/totp")]
pub async fn remove(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ApiJson<RemoveBody>,
) -> AppResult<HttpResponse> {
    let RemoveBody { password, code } = body.0;
    mfa::remove(&state, &user, password, code).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Remove a user's authenticator (a lost phone). Admins only. Audited; every session of the
/// user ends and the user is told by e-mail.
#[utoipa::path(
    params(("id" = String, Path, description = "The user's id")),
    responses(
        (status = 204, description = "Removed; the user signs in with the password and enrols again"),
        Forbidden,
        Conflict
    ),
    tag = "users"
)]
#[delete("/users/{id}/mfa")]
pub async fn admin_reset(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    mfa::admin_reset(&state, &user, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
