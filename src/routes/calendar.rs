//! Calendar feeds (iCalendar, RFC 5545): a secret URL per user listing the hearings (timed, with
//! their zone) and open deadlines (all-day) of the cases they are assigned to. Titles carry the
//! case reference and the kind only. Creating a token needs a signed-in user; the feed itself is
//! public, the unguessable token being the credential (calendar apps cannot send bearer tokens).

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};
use diesel::prelude::*;
use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::auth::refresh::{hash_secret, new_secret};
use crate::db::schema::{cases, deadlines, hearings, users};
use crate::db::scope::assigned_case_ids;
use crate::db::{self, audit, run_db};
use crate::error::{AppError, AppResult};
use crate::reminders::messages::kind_label;
use crate::service::org_today;
use crate::state::AppState;

/// Past items stay in the feed this long, so that a calendar shows recent history.
const HISTORY_DAYS: i64 = 30;

pub fn configure_api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_token);
}

pub fn configure_feed(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(feed);
}

#[derive(Serialize, ToSchema)]
pub struct CalendarToken {
    /// The feed's address; keep it private. A new token revokes the old one.
    pub url: String,
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
    let (token, hashed) = new_secret();
    run_db(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            diesel::update(users::table.find(&user.id))
                .set(users::calendar_token_hash.eq(Some(hashed)))
                .execute(conn)?;
            audit::record(
                conn,
                Some(&user.id),
                "calendar_token",
                "user",
                &user.id,
                serde_json::json!({"calendar_token": "rotated"}),
            )
        })
    })
    .await?;
    let base = state.settings.server.public_url.trim_end_matches('/');
    Ok(HttpResponse::Ok().json(CalendarToken {
        url: format!("{base}/calendar/{token}.ics"),
    }))
}

struct FeedData {
    hearings: Vec<(
        String,
        String,
        String,
        String,
        String,
        String,
        NaiveDateTime,
    )>,
    deadlines: Vec<(
        String,
        String,
        Option<String>,
        NaiveDate,
        String,
        NaiveDateTime,
    )>,
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
    let hashed = hash_secret(&token.into_inner());
    let today = org_today(&state.settings);
    let since_day = today - Duration::days(HISTORY_DAYS);
    let since = db::now() - Duration::days(HISTORY_DAYS);
    let data = run_db(&state.pool, move |conn| {
        let user_id: String = users::table
            .filter(users::calendar_token_hash.eq(&hashed))
            .filter(users::active.eq(true))
            .select(users::id)
            .first(conn)
            .optional()?
            .ok_or(AppError::NotFound)?;
        let hearings = hearings::table
            .inner_join(cases::table)
            .filter(hearings::case_id.eq_any(assigned_case_ids(&user_id)))
            .filter(hearings::starts_at.ge(since))
            .filter(
                hearings::outcome
                    .is_null()
                    .or(hearings::outcome.ne("cancelled")),
            )
            .order((hearings::starts_at, hearings::id))
            .select((
                hearings::id,
                hearings::kind,
                hearings::starts_at_local,
                hearings::time_zone,
                hearings::case_id,
                cases::reference,
                hearings::updated_at,
            ))
            .load(conn)?;
        let deadlines = deadlines::table
            .inner_join(cases::table)
            .filter(deadlines::case_id.eq_any(assigned_case_ids(&user_id)))
            .filter(deadlines::resolution.is_null())
            .filter(deadlines::due_on.ge(since_day))
            .order((deadlines::due_on, deadlines::id))
            .select((
                deadlines::id,
                deadlines::kind,
                deadlines::title,
                deadlines::due_on,
                cases::reference,
                deadlines::updated_at,
            ))
            .load(conn)?;
        Ok(FeedData {
            hearings,
            deadlines,
        })
    })
    .await?;
    let last_modified = data
        .hearings
        .iter()
        .map(|h| h.6)
        .chain(data.deadlines.iter().map(|d| d.5))
        .max()
        .unwrap_or_default();
    let body = render(
        &data,
        last_modified,
        state.settings.server.public_url.trim_end_matches('/'),
    );
    let etag = format!(
        "\"{}\"",
        hex::encode(&Sha256::digest(body.as_bytes())[..16])
    );
    let modified = httpdate(last_modified);
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
        .insert_header((header::LAST_MODIFIED, modified))
        .insert_header((header::CACHE_CONTROL, "private, max-age=300"));
    if not_modified {
        return Ok(res.finish());
    }
    Ok(res.content_type("text/calendar; charset=utf-8").body(body))
}

fn httpdate(t: NaiveDateTime) -> String {
    t.and_utc().format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn render(data: &FeedData, stamp: NaiveDateTime, base: &str) -> String {
    let mut cal = Calendar::new();
    cal.name("asylum-tracker");
    let stamp = stamp.and_utc();
    for (id, kind, local, tz, case_id, reference, _) in &data.hearings {
        let Ok(start) = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M") else {
            continue;
        };
        let at = |t: NaiveDateTime| CalendarDateTime::WithTimezone {
            date_time: t,
            tzid: tz.clone(),
        };
        cal.push(
            Event::new()
                .uid(&format!("hearing-{id}@asylum-tracker"))
                .timestamp(stamp)
                .summary(&format!("{} - case {reference}", kind_label(kind)))
                .starts(at(start))
                .ends(at(start + Duration::hours(1)))
                .url(&format!("{base}/cases/{case_id}"))
                .done(),
        );
    }
    // A hand-entered title may name someone: feeds show the kind only.
    for (id, kind, _title, due_on, reference, _) in &data.deadlines {
        let what = kind_label(kind);
        cal.push(
            Event::new()
                .uid(&format!("deadline-{id}@asylum-tracker"))
                .timestamp(stamp)
                .summary(&format!("{what} due - case {reference}"))
                .all_day(*due_on)
                .done(),
        );
    }
    cal.done().to_string()
}
