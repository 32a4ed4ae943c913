//! Use cases of calendar feeds (iCalendar, RFC 5545): a secret address per user listing the
//! hearings (timed, with their zone) and open deadlines (all-day) of the cases they are assigned
//! to, whatever their role, and their own open tasks (all-day). Titles carry the case reference
//! and the kind only.

use crate::service::in_transaction;
use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDateTime};
use chrono_tz::Tz;
use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike};
use serde::Serialize;
use utoipa::ToSchema;

use super::org_today;
use crate::auth::extract::AuthUser;
use crate::auth::refresh::{hash_secret, new_secret};
use crate::db::calendar::{self as store, FeedDeadline, FeedHearing};
use crate::db::scope::Scope;
use crate::db::tasks::Task;
use crate::db::{self, audit, run_db};
use crate::domain::vtimezone;
use crate::error::{AppError, AppResult};
use crate::reminders::messages::kind_label;
use crate::state::AppState;

/// Past items stay in the feed this long, so that a calendar shows recent history.
const HISTORY_DAYS: i64 = 30;

#[derive(Serialize, ToSchema)]
pub struct CalendarToken {
    /// The feed's address; keep it private. A new token revokes the old one.
    pub url: String,
}

/// Creates (or replaces) the caller's feed address; the secret is shown only here.
pub async fn create_token(app: &AppState, caller: &AuthUser) -> AppResult<CalendarToken> {
    let (token, hashed) = new_secret();
    store_token(app, caller, Some(hashed), "rotated").await?;
    let base = app.settings.server.public_url.trim_end_matches('/');
    Ok(CalendarToken {
        url: format!("{base}/calendar/{token}.ics"),
    })
}

/// Revokes the caller's feed address (a leaked link, a lost phone): the feed answers 404 until
/// a new token is created. Audited like a creation; revoking when there is none is no error.
pub async fn revoke_token(app: &AppState, caller: &AuthUser) -> AppResult<()> {
    store_token(app, caller, None, "revoked").await
}

/// Sets or clears the caller's token hash and audits what happened to the feed, in one
/// transaction.
async fn store_token(
    app: &AppState,
    caller: &AuthUser,
    hashed: Option<String>,
    what: &'static str,
) -> AppResult<()> {
    let user_id = caller.id.clone();
    in_transaction(app, move |conn, _| {
        store::set_token_hash(conn, &user_id, hashed.as_deref())?;
        audit::record(
            conn,
            Some(&user_id),
            "calendar_token",
            "user",
            &user_id,
            serde_json::json!({ "calendar_token": what }),
        )
    })
    .await
}

/// A rendered feed and the newest change in it (for `Last-Modified`).
#[derive(Debug)]
pub struct Feed {
    pub body: String,
    pub last_modified: NaiveDateTime,
}

/// The feed of the active user whose token this is (404 for an unknown or revoked one). Public:
/// the unguessable token is the credential, since calendar apps cannot send bearer tokens.
pub async fn feed(app: &AppState, token: &str) -> AppResult<Feed> {
    let hashed = hash_secret(token);
    let since_day = org_today(&app.settings) - Duration::days(HISTORY_DAYS);
    let since = db::now() - Duration::days(HISTORY_DAYS);
    let (hearings, deadlines, tasks, cases_at) = run_db(&app.pool, move |conn| {
        let user_id = store::user_by_token(conn, &hashed)?.ok_or(AppError::NotFound)?;
        // Assigned cases only, whatever the role: a feed is the user's own work.
        let cases_at = store::cases_changed_at(conn, &user_id)?;
        let tasks = db::tasks::open_for_feed(conn, &user_id, since_day)?;
        let scope = Scope::AssignedTo(user_id);
        let hearings = store::hearings_since(conn, &scope, since)?;
        let deadlines = store::open_deadlines_since(conn, &scope, since_day)?;
        Ok((hearings, deadlines, tasks, cases_at))
    })
    .await?;
    let last_modified = hearings
        .iter()
        .map(|h| h.updated_at)
        .chain(deadlines.iter().map(|d| d.updated_at))
        .chain(tasks.iter().map(|(t, _)| t.updated_at))
        .chain(cases_at)
        .max()
        .unwrap_or_default();
    let base = app.settings.server.public_url.trim_end_matches('/');
    let place = |h: &FeedHearing| -> Option<String> {
        if let Some(office) = h.office_code.as_deref().and_then(|o| app.office(o)) {
            return Some(office.place());
        }
        let code = h.court_code.as_ref().or(h.case_court_code.as_ref());
        match code.and_then(|c| app.court(c)) {
            Some(c) => Some(format!("{}, {}, {}", c.name, c.city, c.state)),
            None => h.location.clone(),
        }
    };
    let places: Vec<Option<String>> = hearings.iter().map(place).collect();
    Ok(Feed {
        body: render(&hearings, &places, &deadlines, &tasks, last_modified, base),
        last_modified,
    })
}

/// The feed as RFC 5545 text: a VTIMEZONE for every zone a hearing names (covering the years
/// of the hearings, and the one before, so that the first hearing's offset is defined), timed
/// hearings at their court, and all-day deadlines ending the next day (DTEND is exclusive).
fn render(
    hearings: &[FeedHearing],
    places: &[Option<String>],
    deadlines: &[FeedDeadline],
    tasks: &[(Task, String)],
    stamp: NaiveDateTime,
    base: &str,
) -> String {
    let mut cal = Calendar::new();
    cal.name("asylum-tracker");
    let stamp = stamp.and_utc();
    let mut zones: BTreeMap<String, (i32, i32)> = BTreeMap::new();
    for (h, place) in hearings.iter().zip(places) {
        let Ok(start) = NaiveDateTime::parse_from_str(&h.starts_at_local, "%Y-%m-%dT%H:%M") else {
            continue;
        };
        if h.time_zone.parse::<Tz>().is_err() {
            continue;
        }
        let year = start.year();
        zones
            .entry(h.time_zone.clone())
            .and_modify(|(lo, hi)| (*lo, *hi) = ((*lo).min(year - 1), (*hi).max(year)))
            .or_insert((year - 1, year));
        let at = |t: NaiveDateTime| CalendarDateTime::WithTimezone {
            date_time: t,
            tzid: h.time_zone.clone(),
        };
        let mut event = Event::new();
        event
            .uid(&format!("hearing-{}@asylum-tracker", h.id))
            .timestamp(stamp)
            .summary(&format!("{} - case {}", kind_label(&h.kind), h.reference))
            .starts(at(start))
            .ends(at(start + Duration::hours(1)))
            .url(&format!("{base}/cases/{}", h.case_id));
        if let Some(place) = place {
            event.location(place);
        }
        cal.push(event.done());
    }
    // A hand-entered title may name someone: feeds show the kind only.
    for d in deadlines {
        cal.push(
            Event::new()
                .uid(&format!("deadline-{}@asylum-tracker", d.id))
                .timestamp(stamp)
                .summary(&format!(
                    "{} due - case {}",
                    kind_label(&d.kind),
                    d.reference
                ))
                .starts(d.due_on)
                .ends(d.due_on + Duration::days(1))
                .done(),
        );
    }
    // A task's title is free text a user may fill with a name: the feed says "Task" only.
    for (t, reference) in tasks {
        cal.push(
            Event::new()
                .uid(&format!("task-{}@asylum-tracker", t.id))
                .timestamp(stamp)
                .summary(&format!("Task due - case {reference}"))
                .starts(t.due_on)
                .ends(t.due_on + Duration::days(1))
                .url(&format!("{base}/cases/{}", t.case_id))
                .done(),
        );
    }
    let text = cal.done().to_string();
    let timezones: String = zones
        .iter()
        .filter_map(|(name, (first, last))| {
            Some(vtimezone::vtimezone(name.parse().ok()?, *first, *last))
        })
        .collect();
    // Time zones go before the events that use them (RFC 5545 §3.6.5 allows any order; some
    // readers expect this one).
    let at = text
        .find("BEGIN:VEVENT")
        .or_else(|| text.find("END:VCALENDAR"))
        .unwrap_or(text.len());
    format!("{}{}{}", &text[..at], timezones, &text[at..])
}
