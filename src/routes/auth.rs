//! Sign-in, refresh, sign-out and password reset. Login, refresh and reset are public; logout
//! needs a valid access token.

use actix_web::{post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::error::AppResult;
use crate::http::body::ApiJson;
use crate::http::doc::{BadCredential, TooManyAttempts};
use crate::service::passwords;
use crate::service::sessions::{self, TokenPair};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(password_reset)
        .service(password_reset_confirm);
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// Sign in. Public. A wrong password and an unknown e-mail answer the same 401 in the same time;
/// five failures within 15 minutes lock the account for 15 minutes (429).
#[utoipa::path(
    request_body = LoginRequest,
    responses(
        (status = 200, body = TokenPair),
        BadCredential,
        TooManyAttempts
    ),
    security(()),
    tag = "auth"
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    body: ApiJson<LoginRequest>,
) -> AppResult<HttpResponse> {
    let LoginRequest { email, password } = body.0;
    let pair = sessions::login(&state, email, password).await?;
    Ok(HttpResponse::Ok().json(pair))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Exchange a refresh token for a new pair. Public (the refresh token is the credential). A
/// refresh token works once; presenting a used one ends every session of its user.
#[utoipa::path(
    request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenPair),
        BadCredential
    ),
    security(()),
    tag = "auth"
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: ApiJson<RefreshRequest>,
) -> AppResult<HttpResponse> {
    let pair = sessions::refresh(&state, body.0.refresh_token).await?;
    Ok(HttpResponse::Ok().json(pair))
}

/// Sign out: the caller's refresh tokens and access tokens stop working. Any signed-in user.
#[utoipa::path(
    responses(
        (status = 204, description = "Signed out")
    ),
    tag = "auth"
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, user: AuthUser) -> AppResult<HttpResponse> {
    sessions::logout(&state, &user).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
}

/// Ask for a reset link by e-mail. Public. Always 202, answered before any lookup, so that
/// neither the status nor the time tells whether the e-mail has an account.
#[utoipa::path(
    request_body = ResetRequest,
    responses((status = 202, description = "If the account exists, a link is on its way")
    ),
    security(()),
    tag = "auth"
)]
#[post("/auth/password-reset")]
pub async fn password_reset(
    state: web::Data<AppState>,
    body: ApiJson<ResetRequest>,
) -> HttpResponse {
    passwords::request_password_reset(state.into_inner(), body.0.email);
    HttpResponse::Accepted().finish()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirm {
    pub token: String,
    /// 12 to 128 characters, and not easy to guess.
    #[schema(min_length = 12, max_length = 128)]
    pub new_password: String,
}

/// Set a new password with a reset token. Public (the token is the credential). The token works
/// once; every session of the user ends.
#[utoipa::path(
    request_body = ResetConfirm,
    responses(
        (status = 204, description = "Password changed")
    ),
    security(()),
    tag = "auth"
)]
#[post("/auth/password-reset/confirm")]
pub async fn password_reset_confirm(
    state: web::Data<AppState>,
    body: ApiJson<ResetConfirm>,
) -> AppResult<HttpResponse> {
    let ResetConfirm {
        token,
        new_password,
    } = body.0;
    passwords::confirm_password_reset(&state, token, new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}
