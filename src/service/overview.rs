//! A case's overview: everything the web client's case page shows, in one call and a number of
//! queries that does not grow with the case (one per table, in one transaction so that the parts
//! agree with each other). Notes and tasks are the case team's; they are in it too.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::cases::{self as case_service, CaseView};
use super::clients::ClientView;
use super::custody::{self as custody_service, CustodyView};
use super::deadlines::{self as deadline_service, DeadlineView, EadClockView};
use super::events::{ClockEventView, DecisionView, FilingView};
use super::family::FamilyMemberView;
use super::hearings::{self as hearing_service, HearingView};
use super::notes::NoteView;
use super::one_year_exception::OneYearExceptionView;
use super::supervision::{self as supervision_service, SupervisionView};
use super::tasks::TaskView;
use super::{in_transaction, org_today};
use crate::auth::extract::AuthUser;
use crate::auth::policy::scope;
use crate::db::scope::Scope;
use crate::db::{
    audit, cases, clients, custody, deadlines, events, family, notes, one_year_exceptions,
    supervision, tasks, DbConnection,
};
use crate::domain::ead_clock::EadWaits;
use crate::domain::offices::Office;
use crate::error::AppResult;
use crate::state::AppState;

/// What happened on the case, each list in the order of its own endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct Timeline {
    pub filings: Vec<FilingView>,
    pub clock_events: Vec<ClockEventView>,
    /// Each with its reschedule history.
    pub hearings: Vec<HearingView>,
    pub decisions: Vec<DecisionView>,
    /// Notes on the case, newest first, as `GET /cases/{id}/notes`.
    pub notes: Vec<NoteView>,
}

/// One case as its page shows it; every part has the shape of its own endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseOverview {
    /// The case with its assignments (as `GET /cases/{id}`).
    pub case: CaseView,
    /// The client (as `GET /clients/{id}`; reading it is audited as that read is).
    pub client: ClientView,
    pub timeline: Timeline,
    /// Soonest first, as `GET /cases/{id}/deadlines`.
    pub deadlines: Vec<DeadlineView>,
    /// As of today in the organisation's zone; null while no I-589 has started it.
    pub ead_clock: Option<EadClockView>,
    pub family_members: Vec<FamilyMemberView>,
    pub supervision_orders: Vec<SupervisionView>,
    pub one_year_exception: OneYearExceptionView,
    /// The case's tasks, open and done, by due date.
    pub tasks: Vec<TaskView>,
    /// Detention, bond and release, oldest first, as `GET /cases/{id}/custody`.
    pub custody_periods: Vec<CustodyView>,
}

/// What the overview reads besides the database.
pub struct Inputs<'a> {
    pub offices: &'a [Office],
    pub today: NaiveDate,
    pub waits: &'a EadWaits,
    /// `notes.edit_minutes`.
    pub note_edit_minutes: u32,
}

/// The overview of a case `scope` sees (404 otherwise), for `reader`, in queries that do not
/// depend on the case's size: public so that a test can count them on a connection of its own.
pub fn load(
    conn: &mut DbConnection,
    scope: &Scope,
    reader: &str,
    case_id: &str,
    inputs: &Inputs<'_>,
) -> AppResult<CaseOverview> {
    let case = cases::find(conn, case_id, scope)?;
    let client = clients::find(conn, &case.client_id, scope)?;
    audit::record(
        conn,
        Some(reader),
        "read",
        "client",
        &client.id,
        serde_json::json!({}),
    )?;
    let filings = events::filings_of(conn, &case.id)?;
    let clock_rows = events::clock_events_of(conn, &case.id)?;
    let hearings = events::hearings_of(conn, &case.id)?;
    let facts: Vec<_> = filings
        .iter()
        .filter(|f| f.withdrawn_at.is_none())
        .filter_map(events::Filing::fact)
        .collect();
    Ok(CaseOverview {
        client: ClientView::from(&client),
        timeline: Timeline {
            filings: filings.iter().map(FilingView::from).collect(),
            clock_events: clock_rows.iter().map(ClockEventView::from).collect(),
            hearings: hearing_service::views(conn, &hearings)?,
            decisions: events::decisions_of(conn, &case.id)?
                .iter()
                .map(DecisionView::from)
                .collect(),
            notes: notes::of_case(conn, &case.id)?
                .iter()
                .map(|n| NoteView::of(n, inputs.note_edit_minutes))
                .collect(),
        },
        deadlines: deadlines::of_case(conn, &case.id)?
            .iter()
            .map(|d| deadline_service::view(d, inputs.today))
            .collect(),
        ead_clock: deadline_service::clock_view(&facts, &clock_rows, inputs.today, inputs.waits),
        family_members: family::of_case(conn, &case.id)?
            .iter()
            .map(FamilyMemberView::from)
            .collect(),
        supervision_orders: supervision::of_case(conn, &case.id)?
            .iter()
            .map(|o| supervision_service::view(o, inputs.offices))
            .collect(),
        one_year_exception: OneYearExceptionView::of(
            &case.id,
            one_year_exceptions::standing(conn, &case.id)?.as_ref(),
        ),
        custody_periods: custody::of_case(conn, &case.id)?
            .iter()
            .map(custody_service::view)
            .collect(),
        tasks: tasks::of_case(conn, &case.id)?
            .iter()
            .map(|t| TaskView::of(t, inputs.today))
            .collect(),
        case: case_service::view(conn, &case)?,
    })
}

/// The overview of a visible case.
pub async fn get(app: &AppState, caller: &AuthUser, id: String) -> AppResult<CaseOverview> {
    let scope = scope(caller);
    let reader = caller.id.clone();
    let offices = app.offices.clone();
    let today = org_today(&app.settings);
    let waits = app.settings.ead_waits();
    let note_edit_minutes = app.settings.notes.edit_minutes;
    // A transaction: the parts are read from one state of the case, and the client read is
    // audited with it.
    in_transaction(app, move |conn, _| {
        let inputs = Inputs {
            offices: &offices,
            today,
            waits: &waits,
            note_edit_minutes,
        };
        load(conn, &scope, &reader, &id, &inputs)
    })
    .await
}
