//! Cookie session mode: the `X-Asylum-Session: cookie` header that asks for it, the
//! `asylum_refresh` cookie that then carries the refresh token, and where a refresh finds its
//! token. The web client uses it so that no script can read the refresh token (HttpOnly);
//! other programs keep JSON mode, the token in the body.

use std::future::{ready, Ready};

use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::{dev::Payload, FromRequest, HttpRequest};

use crate::config::Settings;
use crate::error::{AppError, AppResult};

/// The request header that asks for cookie mode; its one value is `cookie`.
pub const SESSION_HEADER: &str = "X-Asylum-Session";
pub const REFRESH_COOKIE: &str = "asylum_refresh";
/// Only the auth endpoints receive the cookie: no other request carries the refresh token.
pub const COOKIE_PATH: &str = "/api/v1/auth";

/// How the refresh token travels: in the JSON body (the default) or in the cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionMode {
    Json,
    Cookie,
}

impl FromRequest for SessionMode {
    type Error = AppError;
    type Future = Ready<Result<SessionMode, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(mode_of(req))
    }
}

/// An unknown value is refused rather than read as JSON mode: a client that asked for something
/// else would otherwise get a refresh token in the body it did not expect.
fn mode_of(req: &HttpRequest) -> AppResult<SessionMode> {
    match req.headers().get(SESSION_HEADER) {
        None => Ok(SessionMode::Json),
        Some(v) if v.as_bytes() == b"cookie" => Ok(SessionMode::Cookie),
        Some(_) => Err(AppError::BadRequest(format!(
            "{SESSION_HEADER} takes the value cookie, or is left out for JSON mode"
        ))),
    }
}

/// The header's one value, for the OpenAPI document.
pub struct CookieModeValue;

impl utoipa::PartialSchema for CookieModeValue {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(["cookie"]))
            .into()
    }
}

impl utoipa::ToSchema for CookieModeValue {}

/// The refresh cookie's value, if the request carries a non-empty one.
pub fn refresh_cookie_of(req: &HttpRequest) -> Option<String> {
    req.cookie(REFRESH_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

/// The cookie that carries a refresh token: HttpOnly (no script reads it), SameSite=Strict (no
/// other site's page sends it), for as long as a session may last, Secure behind https.
pub fn refresh_cookie(settings: &Settings, token: String) -> Cookie<'static> {
    Cookie::build(REFRESH_COOKIE, token)
        .http_only(true)
        .same_site(SameSite::Strict)
        .path(COOKIE_PATH)
        .max_age(Duration::hours(settings.auth.session_max_hours))
        .secure(is_https(settings))
        .finish()
}

/// The cookie that makes the browser forget the refresh cookie (same name and path, Max-Age 0).
pub fn clearing_cookie(settings: &Settings) -> Cookie<'static> {
    Cookie::build(REFRESH_COOKIE, "")
        .http_only(true)
        .same_site(SameSite::Strict)
        .path(COOKIE_PATH)
        .max_age(Duration::ZERO)
        .secure(is_https(settings))
        .finish()
}

fn is_https(settings: &Settings) -> bool {
    settings.server.public_url.starts_with("https://")
}

/// The token a refresh uses. Cookie mode: the cookie (else one in the body). JSON mode: the
/// body's, as before cookie mode existed. A cookie sent without the header and without a body
/// token is refused (403): a browser attaches cookies to requests other pages make it send, but
/// only a script of this origin can add the header (a cross-origin one needs CORS consent).
pub fn refresh_token(
    mode: SessionMode,
    body_token: Option<String>,
    cookie: Option<String>,
) -> AppResult<String> {
    match (mode, body_token, cookie) {
        (SessionMode::Cookie, body, cookie) => cookie.or(body).ok_or_else(|| {
            AppError::Unauthorized(format!("no {REFRESH_COOKIE} cookie: sign in again"))
        }),
        (SessionMode::Json, Some(token), _) => Ok(token),
        (SessionMode::Json, None, Some(_)) => Err(AppError::CsrfHeaderRequired),
        (SessionMode::Json, None, None) => Err(AppError::field("refresh_token", "is required")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn where_a_refresh_finds_its_token() {
        use SessionMode::{Cookie, Json};
        let found = |mode, body: Option<String>, cookie: Option<String>| {
            refresh_token(mode, body, cookie).map_err(|e| e.problem().type_)
        };
        assert_eq!(found(Cookie, None, s("c")), Ok("c".into()));
        assert_eq!(found(Cookie, s("b"), s("c")), Ok("c".into()));
        assert_eq!(found(Cookie, s("b"), None), Ok("b".into()));
        assert_eq!(found(Json, s("b"), s("c")), Ok("b".into()));
        assert_eq!(
            found(Json, None, s("c")),
            Err("urn:asylum-tracker:problem:csrf-header-required".into())
        );
        assert_eq!(
            found(Json, None, None),
            Err("urn:asylum-tracker:problem:validation".into())
        );
        assert_eq!(
            found(Cookie, None, None),
            Err("urn:asylum-tracker:problem:unauthorized".into())
        );
    }
}
