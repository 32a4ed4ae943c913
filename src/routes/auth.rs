//! Sign-in, refresh, sign-out and password reset. Login, refresh and reset are public; logout
//! needs a valid access token. Login, refresh and logout speak JSON mode (the refresh token in
//! the body) or cookie mode (`X-Asylum-Session: cookie`, see `http::session`).

use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse, ResponseError};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::extract::AuthUser;
use crate::error::{AppError, AppResult, FieldError};
use crate::http::body::{ApiJson, OptionalJson};
use crate::http::doc::{BadCredential, BadHeader, CsrfHeaderRequired, TooManyAttempts};
use crate::http::limits::{per_client, Limit};
use crate::http::session::{self, CookieModeValue, SessionMode};
use crate::service::mfa::{self, Factor};
use crate::service::passwords;
use crate::service::sessions::{self, SignIn, TokenPair};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(password_reset)
        .service(password_reset_confirm)
        .service(second_factor);
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// A 200 with a token pair. Cookie mode moves the refresh token from the body into the
/// `asylum_refresh` cookie. Never stored by a cache: it carries credentials.
fn token_response(
    state: &AppState,
    mode: SessionMode,
    mut pair: TokenPair,
) -> AppResult<HttpResponse> {
    let mut res = HttpResponse::Ok();
    res.insert_header(CacheControl(vec![CacheDirective::NoStore]));
    if mode == SessionMode::Cookie {
        let token = pair
            .refresh_token
            .take()
            .ok_or_else(|| AppError::internal("a session opened without a refresh token"))?;
        res.cookie(session::refresh_cookie(&state.settings, token));
    }
    Ok(res.json(pair))
}

/// The User-Agent header as a new session keeps it (to help its owner recognise it).
fn user_agent(req: &HttpRequest) -> Option<String> {
    let header = req.headers().get(header::USER_AGENT);
    sessions::user_agent(header.and_then(|v| v.to_str().ok()))
}

/// A refused refresh or logout. In cookie mode a 401 also clears the cookie, so that the browser
/// stops sending a token that no longer works.
fn refused(state: &AppState, mode: SessionMode, error: AppError) -> HttpResponse {
    let mut res = error.error_response();
    if mode == SessionMode::Cookie && res.status() == StatusCode::UNAUTHORIZED {
        let _ = res.add_cookie(&session::clearing_cookie(&state.settings));
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    res
}

/// Sign in. Public. A wrong password and an unknown e-mail answer the same 401 in the same time;
/// five failures within 15 minutes lock the account for 15 minutes (429). More than
/// `limits.sign_in_per_minute` attempts a minute from one address are refused (429). With
/// `X-Asylum-Session: cookie` the refresh token is set as the `asylum_refresh` cookie
/// (HttpOnly, SameSite=Strict, Path=/api/v1/auth) instead of returned in the body. An account
/// with a second factor gets no token here but `{mfa_required: true, challenge_token,
/// expires_in}`, for `POST /api/v1/auth/mfa`.
#[utoipa::path(
    params(SessionHeader),
    request_body = LoginRequest,
    responses(
        (status = 200, body = SignIn, headers(
            ("Set-Cookie" = String, description = "Cookie mode only: asylum_refresh=TOKEN; HttpOnly; SameSite=Strict; Path=/api/v1/auth; Max-Age=session_max_hours*3600 (Secure behind https)"),
            ("Cache-Control" = String, description = "no-store")
        )),
        BadCredential,
        TooManyAttempts
    ),
    security(()),
    tag = "auth"
)]
#[post("/auth/login", wrap = "per_client(Limit::SignIn)")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    mode: SessionMode,
    body: ApiJson<LoginRequest>,
) -> AppResult<HttpResponse> {
    let LoginRequest { email, password } = body.0;
    match sessions::login(&state, email, password, user_agent(&req)).await? {
        SignIn::Tokens(pair) => token_response(&state, mode, *pair),
        SignIn::SecondFactor(challenge) => Ok(HttpResponse::Ok()
            .insert_header(CacheControl(vec![CacheDirective::NoStore]))
            .json(challenge)),
    }
}

/// The second step of a sign-in: a code from the authenticator app, or one of the recovery codes.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactorRequest {
    pub challenge_token: String,
    /// Six digits from the app. Give this or `recovery_code`.
    #[schema(nullable = false)]
    pub code: Option<String>,
    /// One of the ten recovery codes (each works once).
    #[schema(nullable = false)]
    pub recovery_code: Option<String>,
}

/// Second sign-in step. Public (the challenge token of the first step is the credential).
/// Answers as login does. A code works once (a replay is 401); a challenge lasts 5 minutes and
/// allows 5 tries, and wrong codes count against the account like wrong passwords.
#[utoipa::path(
    params(SessionHeader),
    request_body = SecondFactorRequest,
    responses(
        (status = 200, body = TokenPair, headers(
            ("Set-Cookie" = String, description = "Cookie mode only: the asylum_refresh cookie"),
            ("Cache-Control" = String, description = "no-store")
        )),
        BadCredential,
        TooManyAttempts
    ),
    security(()),
    tag = "auth"
)]
#[post("/auth/mfa", wrap = "per_client(Limit::Mfa)")]
pub async fn second_factor(
    state: web::Data<AppState>,
    req: HttpRequest,
    mode: SessionMode,
    body: ApiJson<SecondFactorRequest>,
) -> AppResult<HttpResponse> {
    let SecondFactorRequest {
        challenge_token,
        code,
        recovery_code,
    } = body.0;
    let factor = match (code, recovery_code) {
        (Some(code), None) => Factor::Code(code),
        (None, Some(code)) => Factor::RecoveryCode(code),
        _ => {
            return Err(AppError::invalid(vec![
                FieldError::new("code", "give either code or recovery_code"),
                FieldError::new("recovery_code", "give either code or recovery_code"),
            ]))
        }
    };
    let pair = mfa::second_step(&state, challenge_token, factor, user_agent(&req)).await?;
    token_response(&state, mode, pair)
}

/// The session-mode header, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // read by `SessionMode`; declared here for the document only
struct SessionHeader {
    /// `cookie`: the refresh token travels in the `asylum_refresh` cookie, not in the body.
    /// Left out: JSON mode.
    #[param(rename = "X-Asylum-Session", inline, value_type = CookieModeValue, required = false)]
    mode: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// Required in JSON mode (422 without it); in cookie mode the cookie carries it.
    #[schema(nullable = false)]
    pub refresh_token: Option<String>,
}

/// The refresh cookie, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Cookie)]
#[allow(dead_code)] // read by `session::refresh_cookie_of`; declared for the document only
struct RefreshCookie {
    /// Set by a cookie-mode sign-in or refresh. Sent without `X-Asylum-Session: cookie` and
    /// without a body token, the refresh is refused (403 `csrf-header-required`).
    #[param(value_type = String, required = false)]
    asylum_refresh: Option<String>,
}

/// Exchange a refresh token for a new pair. Public (the refresh token is the credential). A
/// refresh token works once; presenting a used one ends every session of its user. In cookie
/// mode (`X-Asylum-Session: cookie`) the token comes from the `asylum_refresh` cookie, the body
/// may be empty or `{}`, the new token is set as the cookie, and a refusal (401) clears it.
/// More than `limits.refresh_per_minute` a minute from one address are refused (429).
#[utoipa::path(
    params(SessionHeader, RefreshCookie),
    request_body = Option<RefreshRequest>,
    responses(
        (status = 200, body = TokenPair, headers(
            ("Set-Cookie" = String, description = "Cookie mode only: the new asylum_refresh cookie"),
            ("Cache-Control" = String, description = "no-store")
        )),
        BadCredential,
        CsrfHeaderRequired,
        TooManyAttempts
    ),
    security(()),
    tag = "auth"
)]
#[post("/auth/refresh", wrap = "per_client(Limit::Refresh)")]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    mode: SessionMode,
    body: OptionalJson<RefreshRequest>,
) -> HttpResponse {
    let body_token = body.0.and_then(|b| b.refresh_token);
    let cookie = session::refresh_cookie_of(&req);
    let pair = match session::refresh_token(mode, body_token, cookie) {
        Ok(token) => sessions::refresh(&state, token).await,
        Err(e) => Err(e),
    };
    match pair.and_then(|pair| token_response(&state, mode, pair)) {
        Ok(res) => res,
        Err(e) => refused(&state, mode, e),
    }
}

/// Sign out: the caller's refresh tokens and access tokens stop working. Any signed-in user. In
/// cookie mode the `asylum_refresh` cookie is cleared too (also when the access token is refused).
#[utoipa::path(
    params(SessionHeader),
    responses(
        (status = 204, description = "Signed out", headers(
            ("Set-Cookie" = String, description = "Cookie mode only: clears asylum_refresh (Max-Age=0)")
        )),
        BadHeader
    ),
    tag = "auth"
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    mode: SessionMode,
    user: Result<AuthUser, AppError>,
) -> HttpResponse {
    let done = match user {
        Ok(user) => sessions::logout(&state, &user).await,
        Err(e) => Err(e),
    };
    if let Err(e) = done {
        return refused(&state, mode, e);
    }
    let mut res = HttpResponse::NoContent();
    if mode == SessionMode::Cookie {
        res.cookie(session::clearing_cookie(&state.settings))
            .insert_header(CacheControl(vec![CacheDirective::NoStore]));
    }
    res.finish()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
}

/// Ask for a reset link by e-mail. Public. Always 202, answered before any lookup, so that
/// neither the status nor the time tells whether the e-mail has an account. An account is sent
/// at most three links an hour, and a new link voids the older ones. More than
/// `limits.password_reset_per_minute` requests a minute from one address are refused (429).
#[utoipa::path(
    request_body = ResetRequest,
    responses(
        (status = 202, description = "If the account exists, a link is on its way"),
        TooManyAttempts
    ),
    security(()),
    tag = "auth"
)]
#[post("/auth/password-reset", wrap = "per_client(Limit::PasswordReset)")]
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
/// once; every session of the user ends. More than `limits.password_reset_per_minute` a minute
/// from one address are refused (429).
#[utoipa::path(
    request_body = ResetConfirm,
    responses(
        (status = 204, description = "Password changed"),
        TooManyAttempts
    ),
    security(()),
    tag = "auth"
)]
#[post(
    "/auth/password-reset/confirm",
    wrap = "per_client(Limit::PasswordResetConfirm)"
)]
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
