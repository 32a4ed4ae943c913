//! Use cases of deadlines: a case's deadlines, manual ones, a person's met/waived mark, the agenda
//! and the EAD clock. Deadlines and the clock need the case to be visible (404 otherwise).

use crate::service::in_transaction;
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::events::ClockEventView;
use super::labels::CaseLabel;
use super::org_today;
use crate::auth::extract::AuthUser;
use crate::auth::policy::scope;
use crate::db::deadlines::{self as store, Deadline};
use crate::db::page::Page;
use crate::db::{audit, cases, events, run_db};
use crate::domain::ead_clock;
use crate::domain::vocab::{DeadlineKind, DeadlineStatus};
use crate::error::AppResult;
use crate::http::list::List;
use crate::reminders::outbox::{self, Items};
use crate::state::AppState;

/// Where a deadline comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineSource {
    /// Derived by a rule from the case's facts.
    Computed,
    /// Entered by a person (`kind: other`).
    Manual,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlineView {
    pub id: String,
    pub case_id: String,
    #[schema(value_type = DeadlineKind)]
    pub kind: String,
    /// Manual deadlines only.
    pub title: Option<String>,
    pub due_on: NaiveDate,
    /// As of today in the organisation's time zone.
    pub status: DeadlineStatus,
    #[schema(value_type = DeadlineSource)]
    pub source: String,
    /// The regulation or authority the date comes from.
    pub rule: String,
    /// One sentence: how `due_on` was reached, with any weekend or holiday extension.
    pub explanation: String,
    /// A later date a closure day by executive order might give (unsettled); never the due date.
    pub alternative_due_on: Option<NaiveDate>,
    pub alternative_reason: Option<String>,
    /// The date of the recorded act that met it.
    pub met_on: Option<NaiveDate>,
    /// The note of a person's met/waived mark.
    pub note: Option<String>,
    /// A person's mark, `met` or `waived`, kept while the deadline is superseded.
    #[schema(value_type = Option<String>, example = "waived")]
    pub mark: Option<String>,
    /// When the deadline's trigger vanished (a hearing cancelled, a filing withdrawn, ...): the
    /// deadline is kept with its mark and note, `status` is `superseded`, and it is out of the
    /// agenda, reminders and calendar feeds until its trigger returns (same id, same mark).
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(serialize_with = "crate::db::page::ser_opt_instant")]
    pub superseded_at: Option<chrono::NaiveDateTime>,
    /// What made the trigger vanish.
    pub superseded_reason: Option<String>,
}

pub(crate) fn view(d: &Deadline, today: NaiveDate) -> DeadlineView {
    DeadlineView {
        id: d.id.clone(),
        case_id: d.case_id.clone(),
        kind: d.kind.clone(),
        title: d.title.clone(),
        due_on: d.due_on,
        status: d.status(today),
        source: d.source.clone(),
        rule: d.rule.clone(),
        explanation: d.explanation.clone(),
        alternative_due_on: d.alternative_due_on,
        alternative_reason: d.alternative_reason.clone(),
        met_on: d.met_on,
        note: d.status_note.clone(),
        mark: d.manual_status.clone(),
        superseded_at: d.superseded_at,
        superseded_reason: d.superseded_reason.clone(),
    }
}

/// One page of a case's deadlines, soonest first (ties by id).
pub async fn of_case(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    page: Page,
) -> AppResult<List<DeadlineView>> {
    let today = org_today(&app.settings);
    let scope = scope(caller);
    let (items, next) = run_db(&app.pool, move |conn| {
        let case = cases::find(conn, &case_id, &scope)?;
        let (rows, next) = store::page_of_case(conn, &case.id, &page)?;
        Ok((rows.iter().map(|d| view(d, today)).collect(), next))
    })
    .await?;
    Ok(List::page(items, next))
}

/// A deadline entered by hand: its title (trimmed, 1 to 200 characters) and date.
#[derive(Debug, Clone)]
pub struct NewManual {
    pub title: String,
    pub due_on: NaiveDate,
}

/// Adds a manual deadline (`kind: other`), which recomputes never touch, and plans its reminders.
pub async fn create_manual(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    input: NewManual,
) -> AppResult<DeadlineView> {
    let today = org_today(&app.settings);
    let scope = scope(caller);
    let actor = caller.id.clone();
    in_transaction(app, move |conn, ctx| {
        let case = cases::find_for_write(conn, &case_id, &scope)?;
        // The title stays out of the explanation: explanations go into e-mail, and a title typed by
        // a person may name the client.
        let explanation =
            "A date entered by a person, not computed by a rule; see the title in the case.";
        let d = store::insert_manual(
            conn,
            &case.id,
            &input.title,
            input.due_on,
            explanation,
            today,
        )?;
        outbox::replan(conn, &case.id, Items::Deadline(&d.id), &ctx.schedule)?;
        let v = view(&d, today);
        audit::record(
            conn,
            Some(&actor),
            "create",
            "deadline",
            &d.id,
            audit::created(&serde_json::to_value(&v).unwrap_or_default()),
        )?;
        Ok(v)
    })
    .await
}

/// A person's mark: `Met` or `Waived` with a note, or `None` to take a mark back.
#[derive(Debug, Clone)]
pub struct Mark {
    /// `Some(Met)` or `Some(Waived)`; `None` takes the mark back (status open).
    pub mark: Option<DeadlineStatus>,
    /// Required with a mark (trimmed, at most 1000 characters).
    pub note: Option<String>,
}

/// Marks a deadline met or waived (or takes the mark back), re-plans reminders and audits it.
pub async fn mark(
    app: &AppState,
    caller: &AuthUser,
    id: String,
    input: Mark,
) -> AppResult<DeadlineView> {
    let today = org_today(&app.settings);
    let scope = scope(caller);
    let actor = caller.id.clone();
    let mark = input.mark.map(DeadlineStatus::as_str);
    in_transaction(app, move |conn, ctx| {
        let case_id = store::find(conn, &id)?.case_id;
        cases::lock(conn, &case_id)?;
        let before = store::find(conn, &id)?;
        cases::find(conn, &before.case_id, &scope)?;
        store::set_mark(conn, &before, mark, input.note.as_deref(), &actor)?;
        outbox::replan(conn, &before.case_id, Items::Deadline(&id), &ctx.schedule)?;
        let after = store::find(conn, &id)?;
        let changes = serde_json::json!({
            "status": {"from": before.status(today).as_str(), "to": after.status(today).as_str()},
            "note": {"from": before.status_note, "to": after.status_note},
        });
        audit::record(conn, Some(&actor), "mark", "deadline", &id, changes)?;
        Ok(view(&after, today))
    })
    .await
}

/// Which deadlines the agenda shows: a due-date range (inclusive, `to` not before `from`) and a
/// status as of today.
#[derive(Debug, Clone, Default)]
pub struct AgendaFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub status: Option<DeadlineStatus>,
}

/// An agenda row: the deadline and who and what it is for.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaDeadline {
    #[serde(flatten)]
    pub deadline: DeadlineView,
    #[serde(flatten)]
    pub case: CaseLabel,
}

/// The caller's agenda: deadlines of visible cases, soonest first, a page at a time, each with
/// its case reference and client's names.
pub async fn agenda(
    app: &AppState,
    caller: &AuthUser,
    filter: AgendaFilter,
    page: Page,
) -> AppResult<List<AgendaDeadline>> {
    let today = org_today(&app.settings);
    let scope = scope(caller);
    let (items, next) = run_db(&app.pool, move |conn| {
        let range = (filter.from, filter.to);
        let (rows, next) = store::agenda(conn, &scope, range, filter.status, today, &page)?;
        let items = rows
            .into_iter()
            .map(|(d, label)| AgendaDeadline {
                deadline: view(&d, today),
                case: label.into(),
            })
            .collect();
        Ok((items, next))
    })
    .await?;
    Ok(List::page(items, next))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EadClockView {
    /// The I-589 filing date.
    pub started_on: NaiveDate,
    pub as_of: NaiveDate,
    pub days_elapsed: i64,
    pub running: bool,
    pub stopped_days: i64,
    /// Null while the clock is stopped.
    pub earliest_filing_on: Option<NaiveDate>,
    /// Null while the clock is stopped.
    pub earliest_grant_on: Option<NaiveDate>,
    pub events: Vec<ClockEventView>,
}

/// The asylum EAD clock of a case as of a date (default today in the organisation's zone); 422
/// when no I-589 is recorded.
pub async fn ead_clock(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    as_of: Option<NaiveDate>,
) -> AppResult<EadClockView> {
    let as_of = as_of.unwrap_or_else(|| org_today(&app.settings));
    let waits = app.settings.ead_waits();
    let scope = scope(caller);
    run_db(&app.pool, move |conn| {
        let case = cases::find(conn, &case_id, &scope)?;
        let filings = events::filing_facts(conn, &case.id)?;
        let rows = events::clock_events_of(conn, &case.id)?;
        clock_view(&filings, &rows, as_of, &waits).ok_or_else(|| {
            crate::error::AppError::field(
                "case",
                "the EAD clock has not started: no I-589 filing is recorded",
            )
        })
    })
    .await
}

/// The EAD clock from a case's standing filings and all its clock-event rows (withdrawn ones are
/// history and left out); `None` before an I-589 starts it. Pure, so that the case overview
/// draws it from rows it has already read.
pub(crate) fn clock_view(
    filings: &[crate::domain::deadlines::FilingFact],
    rows: &[events::ClockEventRow],
    as_of: NaiveDate,
    waits: &ead_clock::EadWaits,
) -> Option<EadClockView> {
    // A rejected I-589 does not start the clock; withdrawn facts are history.
    let filed_on = crate::domain::deadlines::clock_start(filings)?;
    let standing: Vec<&events::ClockEventRow> =
        rows.iter().filter(|e| e.withdrawn_at.is_none()).collect();
    let evs: Vec<ead_clock::ClockEvent> = standing.iter().filter_map(|e| e.fact()).collect();
    let c = ead_clock::ead_clock(filed_on, &evs, as_of, waits);
    Some(EadClockView {
        started_on: c.started_on,
        as_of: c.as_of,
        days_elapsed: c.days_elapsed,
        running: c.running,
        stopped_days: c.stopped_days,
        earliest_filing_on: c.earliest_filing_on,
        earliest_grant_on: c.earliest_grant_on,
        events: standing.into_iter().map(ClockEventView::from).collect(),
    })
}
