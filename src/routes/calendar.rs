//! Calendar feeds: creating and revoking the caller's secret feed address, and the public `.ics`
//! feed with conditional requests (ETag, Last-Modified) so that calendar apps can poll cheaply.

use actix_web::http::header;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::{NaiveDateTime, Timelike};
use sha2::{Digest, Sha256};

use crate::auth::extract::AuthUser;
use crate::error::AppResult;
use crate::service::calendar::{self as service, CalendarToken};
use crate::state::AppState;

pub fn configure_api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_token).service(revoke_token);
}

pub fn configure_feed(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(feed);
}

/// Create (or replace) the caller's calendar feed address. Any signed-in user.
#[utoipa::path(
    responses(
        (status = 200, body = CalendarToken)
    ),
    tag = "me"
)]
#[post("/me/calendar-token")]
pub async fn create_token(state: web::Data<AppState>, user: AuthUser) -> AppResult<HttpResponse> {
    let token = service::create_token(&state, &user).await?;
    Ok(HttpResponse::Ok().json(token))
}

/// Revoke the caller's calendar feed address: the feed answers 404 from now on, until a new
/// token is created. Any signed-in user.
#[utoipa::path(
    responses(
        (status = 204, description = "Revoked (also when there was none)")
    ),
    tag = "me"
)]
#[delete("/me/calendar-token")]
pub async fn revoke_token(state: web::Data<AppState>, user: AuthUser) -> AppResult<HttpResponse> {
    service::revoke_token(&state, &user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The feed. Public by token (404 for an unknown or revoked one); ETag and Last-Modified let
/// calendar apps poll cheaply.
#[utoipa::path(
    params(("token" = String, Path, description = "The secret of POST /api/v1/me/calendar-token")),
    responses(
        (status = 200, description = "text/calendar (RFC 5545)", content_type = "text/calendar"),
        (status = 304, description = "Not modified since the ETag or date given")
    ),
    security(()),
    tag = "me"
)]
#[get("/calendar/{token}.ics")]
pub async fn feed(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let feed = service::feed(&state, &token.into_inner()).await?;
    let last_modified = feed.last_modified;
    let etag = format!(
        "\"{}\"",
        hex::encode(&Sha256::digest(feed.body.as_bytes())[..16])
    );
    let not_modified = match req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        Some(tags) => tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"),
        None => req
            .headers()
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok())
            .is_some_and(|since| {
                since.naive_utc() >= last_modified.with_nanosecond(0).unwrap_or(last_modified)
            }),
    };
    let mut res = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag))
        .insert_header((header::LAST_MODIFIED, httpdate(last_modified)))
        .insert_header((header::CACHE_CONTROL, "private, max-age=300"));
    if not_modified {
        return Ok(res.finish());
    }
    Ok(res
        .content_type("text/calendar; charset=utf-8")
        .body(feed.body))
}

fn httpdate(t: NaiveDateTime) -> String {
    t.and_utc().format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}
