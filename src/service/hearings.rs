//! Hearings and appointments: scheduling, listing, moving and recording outcomes. A hearing keeps
//! the local time and IANA zone of its notice plus the UTC instant; a move keeps the earlier time
//! in the history. Only hearings of visible cases are reached (404 otherwise).

use crate::service::in_transaction;
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

use super::labels::CaseLabel;
use super::recompute;
use crate::auth::extract::AuthUser;
use crate::auth::policy::scope;
use crate::db::events::{self, Hearing, HearingChange, HearingChanges};
use crate::db::page::{ser_instant, Page};
use crate::db::{self, audit, cases, run_db, supervision, DbConnection};
use crate::domain::courts::Court;
use crate::domain::dates::local_to_utc;
use crate::domain::identifiers::validate_language_tag;
use crate::domain::offices::Office;
use crate::domain::vocab::{DeadlineKind, HearingKind, HearingMode, HearingOutcome};
use crate::error::{AppResult, Fields};
use crate::http::list::List;
use crate::reminders::outbox;
use crate::state::AppState;
use std::sync::Arc;

#[derive(Debug, Serialize, ToSchema)]
pub struct EarlierTime {
    pub starts_at_local: String,
    pub time_zone: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub starts_at: NaiveDateTime,
    pub changed_by: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub changed_at: NaiveDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HearingView {
    pub id: String,
    pub case_id: String,
    #[schema(value_type = HearingKind)]
    pub kind: String,
    /// `YYYY-MM-DDTHH:MM` in `time_zone`, as on the notice.
    pub starts_at_local: String,
    pub time_zone: String,
    /// The same moment in UTC.
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub starts_at: NaiveDateTime,
    pub court_code: Option<String>,
    /// The ICE field office (check-ins) or USCIS office (interviews, biometrics) it is at; then
    /// `court_code` is null. See `GET /api/v1/offices`.
    pub office_code: Option<String>,
    /// How it is held: `in_person`, `video` or `telephone`.
    #[schema(value_type = Option<HearingMode>)]
    pub mode: Option<String>,
    /// The interpreter's language (BCP 47, e.g. `zh-Hans`, `cmn`).
    pub interpreter_language: Option<String>,
    pub judge: Option<String>,
    pub location: Option<String>,
    #[schema(value_type = Option<HearingOutcome>)]
    pub outcome: Option<String>,
    /// Earlier times, oldest first.
    pub history: Vec<EarlierTime>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub updated_at: NaiveDateTime,
}

fn view(h: &Hearing, history: Vec<HearingChange>) -> HearingView {
    HearingView {
        id: h.id.clone(),
        case_id: h.case_id.clone(),
        kind: h.kind.clone(),
        starts_at_local: h.starts_at_local.clone(),
        time_zone: h.time_zone.clone(),
        starts_at: h.starts_at,
        court_code: h.court_code.clone(),
        office_code: h.office_code.clone(),
        mode: h.mode.clone(),
        interpreter_language: h.interpreter_language.clone(),
        judge: h.judge.clone(),
        location: h.location.clone(),
        outcome: h.outcome.clone(),
        history: history
            .into_iter()
            .map(|c| EarlierTime {
                starts_at_local: c.previous_starts_at_local,
                time_zone: c.previous_time_zone,
                starts_at: c.previous_starts_at,
                changed_by: c.changed_by,
                changed_at: c.changed_at,
            })
            .collect(),
        created_at: h.created_at,
        updated_at: h.updated_at,
    }
}

fn full_view(conn: &mut DbConnection, id: &str) -> AppResult<HearingView> {
    let h = events::find_hearing(conn, id)?;
    let history = events::hearing_history(conn, id)?;
    Ok(view(&h, history))
}

/// Views of a list of hearings, their histories read in one query.
pub(crate) fn views(conn: &mut DbConnection, rows: &[Hearing]) -> AppResult<Vec<HearingView>> {
    let ids: Vec<String> = rows.iter().map(|h| h.id.clone()).collect();
    let mut histories = events::hearing_histories(conn, &ids)?;
    Ok(rows
        .iter()
        .map(|h| view(h, histories.remove(&h.id).unwrap_or_default()))
        .collect())
}

/// A hearing to schedule, as the request gave it. It is checked here, after the case is found
/// (404 comes first): the court and zone default to the case's, and every mistake is reported at
/// once.
#[derive(Debug, Clone)]
pub struct NewHearing {
    pub kind: String,
    /// `YYYY-MM-DDTHH:MM`, local to the zone.
    pub starts_at_local: String,
    /// IANA name; defaults to the court's.
    pub time_zone: Option<String>,
    /// Defaults to the case's court, unless the appointment is at an office.
    pub court_code: Option<String>,
    /// For check-ins (defaulting to the field office of the case's Order of Supervision),
    /// asylum interviews and biometrics.
    pub office_code: Option<String>,
    pub mode: Option<String>,
    pub interpreter_language: Option<String>,
    pub judge: Option<String>,
    pub location: Option<String>,
}

/// Changes to a hearing: `None` keeps a field, `Some(None)` clears it. Checked here for the same
/// reasons as [`NewHearing`].
#[derive(Debug, Clone, Default)]
pub struct HearingEdit {
    pub outcome: Option<Option<String>>,
    /// A new local time (a move); the earlier one is kept in the history.
    pub starts_at_local: Option<String>,
    pub time_zone: Option<String>,
    pub court_code: Option<String>,
    /// A new office (a move; the hearing is then no longer at a court).
    pub office_code: Option<String>,
    pub mode: Option<Option<String>>,
    pub interpreter_language: Option<Option<String>>,
    pub judge: Option<Option<String>>,
    pub location: Option<Option<String>>,
}

/// The court and office lists an appointment's place is checked against.
#[derive(Clone)]
struct Places {
    courts: Arc<Vec<Court>>,
    offices: Arc<Vec<Office>>,
}

impl Places {
    fn of(app: &AppState) -> Places {
        Places {
            courts: app.courts.clone(),
            offices: app.offices.clone(),
        }
    }
}

/// Where an appointment is, as resolved: a court or an office (never both), and its zone.
struct Placed {
    court: Option<String>,
    office: Option<String>,
    tz: Option<Tz>,
}

/// Resolves the place and zone. An office must be of the kind the appointment needs (a check-in
/// at an ICE field office, an interview at an asylum office, biometrics at an application support
/// centre), and an appointment at an office is not at a court: the case's court is then no
/// default, so that e-mails and feeds name the office. Otherwise the given court, else the
/// `fallback_court`. The zone is the given one, else the place's.
fn place(
    places: &Places,
    kind: Option<HearingKind>,
    court: Option<String>,
    office: Option<String>,
    fallback_court: Option<String>,
    tz: Option<String>,
    errors: &mut Fields,
) -> Placed {
    let mut office_tz = None;
    if let Some(code) = &office {
        let wanted = kind.and_then(HearingKind::office_kind);
        match (places.offices.iter().find(|o| &o.code == code), wanted) {
            (_, None) if kind.is_some() => errors.push(
                "office_code",
                "only ice_check_in, asylum_interview and biometrics appointments are at an office",
            ),
            (None, _) => errors.push(
                "office_code",
                "is not a known office; see GET /api/v1/offices",
            ),
            (Some(o), Some(w)) if o.kind != w => errors.push(
                "office_code",
                format!(
                    "must be an office of kind {k}; see GET /api/v1/offices?kind={k}",
                    k = w.as_str()
                ),
            ),
            (Some(o), _) => office_tz = Some(o.time_zone),
        }
        if court.is_some() {
            errors.push(
                "court_code",
                "an appointment is at a court or at an office, not both",
            );
        }
    }
    let court = if office.is_some() {
        None
    } else {
        court.or(fallback_court)
    };
    let court_tz = match court.as_deref() {
        Some(code) => match places.courts.iter().find(|c| c.code == code) {
            Some(c) => Some(c.time_zone),
            None => {
                errors.push("court_code", "is not a known court; see GET /api/v1/courts");
                None
            }
        },
        None => None,
    };
    let tz = match tz {
        Some(name) => errors.check(
            "time_zone",
            name.parse::<Tz>()
                .map_err(|_| "must be an IANA time zone such as America/Denver"),
        ),
        None => office_tz.or(court_tz),
    };
    Placed { court, office, tz }
}

/// The hearing's mode, if given, as its API spelling.
fn mode(v: Option<String>, errors: &mut Fields) -> Option<String> {
    let v = v?;
    errors
        .check(
            "mode",
            HearingMode::parse(&v).ok_or_else(HearingMode::allowed),
        )
        .map(|m| m.as_str().to_string())
}

/// The interpreter's language: a BCP 47 tag of the IANA registry, stored in its canonical case.
fn language(v: Option<String>, errors: &mut Fields) -> Option<String> {
    let v = v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())?;
    errors.check(
        "interpreter_language",
        validate_language_tag(&v).map_err(|e| e.message()),
    )
}

/// Judge and room: trimmed, blank is none, at most 200 characters.
fn text(v: Option<String>, field: &str, errors: &mut Fields) -> Option<String> {
    let v = v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())?;
    if v.chars().count() > 200 {
        errors.push(field, "must be at most 200 characters");
    }
    Some(v)
}

/// Schedules a hearing on a visible case. Neither a court nor a time zone, or a local time that a
/// DST change skips or repeats, is 422.
pub async fn create(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    input: NewHearing,
) -> AppResult<HearingView> {
    let places = Places::of(app);
    let caller = caller.clone();
    in_transaction(app, move |conn, ctx| {
        let case = cases::find_for_write(conn, &case_id, &scope(&caller))?;
        let mut errors = Fields::new();
        let kind = errors.check(
            "kind",
            HearingKind::parse(&input.kind).ok_or_else(HearingKind::allowed),
        );
        // Check-ins are at the field office of the Order of Supervision unless told otherwise.
        let office = match (input.office_code, kind, &input.court_code) {
            (Some(o), _, _) => Some(o),
            (None, Some(HearingKind::IceCheckIn), None) => {
                supervision::current_field_office(conn, &case.id)?
            }
            _ => None,
        };
        let Placed { court, office, tz } = place(
            &places,
            kind,
            input.court_code,
            office,
            case.court_code.clone(),
            input.time_zone,
            &mut errors,
        );
        let judge = text(input.judge, "judge", &mut errors);
        let location = text(input.location, "location", &mut errors);
        let mode = mode(input.mode, &mut errors);
        let interpreter_language = language(input.interpreter_language, &mut errors);
        let when = match tz {
            Some(tz) => errors
                .check("starts_at_local", local_to_utc(&input.starts_at_local, tz))
                .map(|w| (w, tz)),
            None => {
                if errors.is_empty() {
                    errors.push(
                        "time_zone",
                        "is required when neither the hearing nor the case has a court",
                    );
                }
                None
            }
        };
        let (kind, ((local, utc), tz)) = errors.done(kind.zip(when))?;
        let now = db::now();
        let row = Hearing {
            id: db::new_id(),
            case_id: case.id.clone(),
            kind: kind.as_str().to_string(),
            starts_at_local: local,
            time_zone: tz.name().to_string(),
            starts_at: utc,
            court_code: court,
            office_code: office,
            mode,
            interpreter_language,
            judge,
            location,
            outcome: None,
            created_by: caller.id.clone(),
            created_at: now,
            updated_at: now,
        };
        events::insert_hearing(conn, &row)?;
        recompute::case_changed(conn, &case, ctx, &format!("hearing {} scheduled", row.id))?;
        let v = view(&row, Vec::new());
        audit::record(
            conn,
            Some(&caller.id),
            "create",
            "hearing",
            &row.id,
            audit::created(&serde_json::to_value(&v).unwrap_or_default()),
        )?;
        Ok(v)
    })
    .await
}

/// One page of a visible case's hearings, soonest first.
pub async fn of_case(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    page: Page,
) -> AppResult<List<HearingView>> {
    let scope = scope(caller);
    let (items, next) = run_db(&app.pool, move |conn| {
        let case = cases::find(conn, &case_id, &scope)?;
        let (rows, next) = events::hearings_page(conn, &case.id, &page)?;
        Ok((views(conn, &rows)?, next))
    })
    .await?;
    Ok(List::page(items, next))
}

/// Days in the organisation's zone, both inclusive; either end may be open.
#[derive(Debug, Clone, Copy, Default)]
pub struct DayRange {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// An agenda row: the hearing and who and what it is for.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaHearing {
    #[serde(flatten)]
    pub hearing: HearingView,
    #[serde(flatten)]
    pub case: CaseLabel,
}

/// The caller's visible hearings in a range of days, soonest first, one page, each with its
/// case reference and client's names.
pub async fn in_range(
    app: &AppState,
    caller: &AuthUser,
    range: DayRange,
    page: Page,
) -> AppResult<(Vec<AgendaHearing>, Option<String>)> {
    let tz = app.settings.org_tz();
    let start = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.naive_utc())
    };
    let from = range.from.and_then(start);
    let to = range.to.and_then(|d| d.succ_opt()).and_then(start);
    let scope = scope(caller);
    run_db(&app.pool, move |conn| {
        let (rows, next) = events::hearings_between(conn, &scope, from, to, &page)?;
        let (hearings, labels): (Vec<Hearing>, Vec<_>) = rows.into_iter().unzip();
        let items = views(conn, &hearings)?
            .into_iter()
            .zip(labels)
            .map(|(hearing, label)| AgendaHearing {
                hearing,
                case: label.into(),
            })
            .collect();
        Ok((items, next))
    })
    .await
}

/// A hearing whose case the caller sees (else NotFound), with that case.
fn visible_hearing(
    conn: &mut DbConnection,
    caller: &AuthUser,
    id: &str,
) -> AppResult<(Hearing, cases::Case)> {
    let h = events::find_hearing(conn, id)?;
    let case = cases::find(conn, &h.case_id, &scope(caller))?;
    Ok((h, case))
}

/// One visible hearing with its earlier times.
pub async fn get(app: &AppState, caller: &AuthUser, id: String) -> AppResult<HearingView> {
    let caller = caller.clone();
    run_db(&app.pool, move |conn| {
        visible_hearing(conn, &caller, &id)?;
        full_view(conn, &id)
    })
    .await
}

/// Records an outcome, moves a hearing, or changes its judge or room. A move (new time, zone or
/// court) keeps the earlier time; the audit row holds what changed, without the history.
pub async fn edit(
    app: &AppState,
    caller: &AuthUser,
    id: String,
    input: HearingEdit,
) -> AppResult<HearingView> {
    let places = Places::of(app);
    let caller = caller.clone();
    in_transaction(app, move |conn, ctx| {
        // The case's writer lock first, then the hearing as it stands under it.
        let case_id = events::find_hearing(conn, &id)?.case_id;
        cases::lock(conn, &case_id)?;
        let (before, case) = visible_hearing(conn, &caller, &id)?;
        let mut errors = Fields::new();
        let changes = changes(&places, &before, input, ctx.schedule.now, &mut errors);
        errors.finish()?;
        let time_changed = changes.starts_at.is_some_and(|t| t != before.starts_at)
            || changes
                .time_zone
                .as_ref()
                .is_some_and(|z| *z != before.time_zone);
        if time_changed {
            events::insert_hearing_change(
                conn,
                &HearingChange {
                    id: db::new_id(),
                    hearing_id: id.clone(),
                    previous_starts_at_local: before.starts_at_local.clone(),
                    previous_time_zone: before.time_zone.clone(),
                    previous_starts_at: before.starts_at,
                    changed_by: caller.id.clone(),
                    changed_at: db::now(),
                },
            )?;
        }
        let before_view = view(&before, Vec::new());
        events::update_hearing(conn, &id, changes)?;
        recompute::case_changed(conn, &case, ctx, &format!("hearing {id} updated"))?;
        let after = full_view(conn, &id)?;
        let no_show = Some(HearingOutcome::NoShow.as_str());
        if before.kind == HearingKind::IceCheckIn.as_str()
            && after.outcome.as_deref() == no_show
            && before.outcome.as_deref() != no_show
        {
            check_in_missed(conn, &case.id, &id, ctx)?;
        }
        audit::record_update(
            conn,
            &caller.id,
            "hearing",
            &id,
            &serde_json::to_value(&before_view).unwrap_or_default(),
            &serde_json::to_value(&after).unwrap_or_default(),
        )?;
        Ok(after)
    })
    .await
}

/// A client who did not report to ICE risks re-detention (8 CFR 241.4(l)(1)): when a person
/// records the no-show, the case team is alerted at once rather than by the next day's sweep, and
/// the sweep then leaves the check-in alone (it is marked alerted).
fn check_in_missed(
    conn: &mut DbConnection,
    case_id: &str,
    hearing_id: &str,
    ctx: &crate::service::Context,
) -> AppResult<()> {
    if !cases::is_active(conn, case_id)? {
        return Ok(());
    }
    let trigger = format!("hearing:{hearing_id}");
    let Some(deadline) =
        db::deadlines::unalerted(conn, case_id, DeadlineKind::IceCheckIn, &trigger)?
    else {
        return Ok(());
    };
    let admins = outbox::active_admins(conn)?;
    outbox::alert_missed(
        conn,
        &deadline,
        case_id,
        DeadlineKind::IceCheckIn.as_str(),
        &admins,
        ctx.schedule.now,
    )
}

/// The stored changes an edit asks for, noting every mistake in `errors`. What happened at a
/// hearing (held, continued, no-show) can be recorded once it has started (`now` or earlier, at
/// its new time if the same edit moves it); `cancelled` any time. A hearing moved to a new time
/// starts with no outcome, unless the same edit gives one.
fn changes(
    places: &Places,
    before: &Hearing,
    input: HearingEdit,
    now: NaiveDateTime,
    errors: &mut Fields,
) -> HearingChanges {
    let mut changes = HearingChanges::default();
    let mut outcome: Option<Option<HearingOutcome>> = None;
    if let Some(given) = &input.outcome {
        outcome = Some(given.as_deref().and_then(|o| {
            let parsed = HearingOutcome::parse(o).ok_or_else(HearingOutcome::allowed);
            errors.check("outcome", parsed)
        }));
    }
    let new_place = input.court_code.is_some() || input.office_code.is_some();
    let moved = input.starts_at_local.is_some() || input.time_zone.is_some() || new_place;
    if moved {
        // A new court or office replaces the old place (the two exclude each other); otherwise
        // the place stays. A new place brings its zone unless one is given; otherwise the zone stays.
        let (court, office) = if new_place {
            (input.court_code.clone(), input.office_code.clone())
        } else {
            (before.court_code.clone(), before.office_code.clone())
        };
        let tz_name = input.time_zone.clone().or_else(|| {
            if new_place {
                None
            } else {
                Some(before.time_zone.clone())
            }
        });
        let kind = HearingKind::parse(&before.kind);
        let Placed { court, office, tz } =
            place(places, kind, court, office, None, tz_name, errors);
        let local = input
            .starts_at_local
            .clone()
            .unwrap_or_else(|| before.starts_at_local.clone());
        if let Some(tz) = tz {
            if let Some((local, utc)) = errors.check("starts_at_local", local_to_utc(&local, tz)) {
                changes.starts_at_local = Some(local);
                changes.time_zone = Some(tz.name().to_string());
                changes.starts_at = Some(utc);
                changes.court_code = Some(court);
                changes.office_code = Some(office);
            }
        }
    }
    let starts_at = changes.starts_at.unwrap_or(before.starts_at);
    let moved_in_time = changes.starts_at.is_some_and(|t| t != before.starts_at)
        || changes
            .time_zone
            .as_ref()
            .is_some_and(|z| *z != before.time_zone);
    match outcome {
        Some(Some(o)) if o != HearingOutcome::Cancelled && starts_at > now => errors.push(
            "outcome",
            format!(
                "`{}` can be recorded only once the hearing has taken place (it starts at {} UTC); \
                 before then only `cancelled` may be recorded",
                o.as_str(),
                starts_at.format("%Y-%m-%dT%H:%M")
            ),
        ),
        Some(o) => changes.outcome = Some(o.map(|o| o.as_str().to_string())),
        None if moved_in_time && before.outcome.is_some() => changes.outcome = Some(None),
        None => {}
    }
    if let Some(m) = input.mode {
        changes.mode = Some(mode(m, errors));
    }
    if let Some(l) = input.interpreter_language {
        changes.interpreter_language = Some(language(l, errors));
    }
    if let Some(j) = input.judge {
        changes.judge = Some(j.and_then(|j| text(Some(j), "judge", errors)));
    }
    if let Some(l) = input.location {
        changes.location = Some(l.and_then(|l| text(Some(l), "location", errors)));
    }
    changes
}
