//! What every write to a case's facts runs before its transaction commits: the case's status and
//! its computed deadlines are derived again from the facts, so that nothing derived is ever stale.

use diesel::prelude::*;

use chrono::{NaiveDate, NaiveDateTime};

use super::cases::{self, Case};
use super::schema::cases as cases_t;
use super::{deadlines, events, DbConnection};
use crate::config::Settings;
use crate::domain::case_status;
use crate::domain::deadlines::{compute, EadWaits};
use crate::domain::vocab::CaseKind;
use crate::error::AppResult;
use crate::reminders::{outbox, planner::Ladder};

/// What the derived state depends on besides the facts: the settings' rules and the moment.
#[derive(Debug, Clone)]
pub struct Context {
    pub waits: EadWaits,
    /// Today in the organisation's zone: deadline status and alert suppression.
    pub today: NaiveDate,
    /// Now, UTC: when re-planned reminders count from.
    pub now: NaiveDateTime,
    pub deadline_ladder: Ladder,
    pub hearing_ladder: Ladder,
}

impl Context {
    /// The context at this moment.
    pub fn now(settings: &Settings) -> Context {
        Context::at(settings, super::now())
    }

    pub fn at(settings: &Settings, now: NaiveDateTime) -> Context {
        let tz = settings.org_tz();
        let send_time = settings.send_time().unwrap_or_default();
        let ladder = |leads: &[u32]| Ladder {
            leads: leads.to_vec(),
            send_time,
            time_zone: tz,
        };
        let deadline_ladder = ladder(&settings.reminders.deadline_lead_days);
        Context {
            waits: settings.ead_waits(),
            today: deadline_ladder.today(now),
            now,
            hearing_ladder: ladder(&settings.reminders.hearing_lead_days),
            deadline_ladder,
        }
    }
}

/// Re-derives everything that depends on the facts of `case`. Inside the writer's transaction.
pub fn case_changed(
    conn: &mut DbConnection,
    case: &Case,
    ctx: &Context,
) -> AppResult<deadlines::Replaced> {
    let facts = events::load_facts(conn, &case.id, &case.client_id)?;
    let calendar = deadlines::calendar(conn)?;
    let replaced = deadlines::replace_computed(
        conn,
        &case.id,
        &compute(&facts, &calendar, &ctx.waits),
        ctx.today,
    )?;
    let kind = CaseKind::parse(&case.kind).unwrap_or(CaseKind::Affirmative);
    let status = case_status::derive(kind, &facts, case.closed);
    if status.as_str() != case.status {
        cases::update(
            conn,
            &case.id,
            cases::CaseChanges {
                status: Some(status.as_str().to_string()),
                ..Default::default()
            },
        )?;
    }
    outbox::replan_case(conn, &case.id, ctx)?;
    Ok(replaced)
}

/// A client's arrival date feeds every one of its cases.
pub fn client_changed(conn: &mut DbConnection, client_id: &str, ctx: &Context) -> AppResult<()> {
    let ids: Vec<String> = cases_t::table
        .filter(cases_t::client_id.eq(client_id))
        .select(cases_t::id)
        .load(conn)?;
    for id in ids {
        let case = cases::find(conn, &id, None)?;
        case_changed(conn, &case, ctx)?;
    }
    Ok(())
}

/// Recomputes the given cases (after a closure day was added or removed).
pub fn cases_changed(conn: &mut DbConnection, case_ids: &[String], ctx: &Context) -> AppResult<()> {
    for id in case_ids {
        let case = cases::find(conn, id, None)?;
        case_changed(conn, &case, ctx)?;
    }
    Ok(())
}
