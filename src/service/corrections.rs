//! Correcting the record: a filing, clock event or decision of a visible case is corrected
//! (`PATCH`) or withdrawn (`DELETE`, kept in history), each with a required reason, in one
//! transaction under the case's writer lock that recomputes the case's deadlines, re-plans its
//! reminders and writes an audit row (`update` or `withdraw`, the changed fields and the reason).
//! A fact not visible is 404 as if absent; a withdrawn fact is not changed again (409).

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::events::{clock_started, ClockEventView, DecisionView, FilingView};
use super::{in_transaction, recompute};
use crate::auth::extract::AuthUser;
use crate::auth::policy::scope;
use crate::db::events::{self, ClockEventRow, Decision, Filing};
use crate::db::{audit, cases, DbConnection};
use crate::domain::ead_clock::{self, ClockEvent, ClockKind};
use crate::domain::vocab::{Authority, DecisionKind, FilingStatus, Form};
use crate::error::{AppError, AppResult, Fields};
use crate::state::AppState;

/// A correction of a filing: each field given replaces the stored one (`Some(None)` clears).
#[derive(Debug, Clone, Default)]
pub struct FilingEdit {
    pub form: Option<Form>,
    pub filed_on: Option<NaiveDate>,
    /// Normalised (`identifiers::normalize_receipt_number`).
    pub receipt_number: Option<Option<String>>,
    pub status: Option<FilingStatus>,
    pub status_on: Option<Option<NaiveDate>>,
    pub approved_on: Option<Option<NaiveDate>>,
    pub valid_until: Option<Option<NaiveDate>>,
    pub changed_country_conditions: Option<bool>,
}

/// A correction of a clock event.
#[derive(Debug, Clone, Default)]
pub struct ClockEventEdit {
    pub kind: Option<ClockKind>,
    pub on: Option<NaiveDate>,
    /// The event's own reason (why the clock stopped or resumed), trimmed, 1 to 500 characters.
    pub event_reason: Option<String>,
}

/// A correction of a decision.
#[derive(Debug, Clone, Default)]
pub struct DecisionEdit {
    pub kind: Option<DecisionKind>,
    pub authority: Option<Authority>,
    pub decided_on: Option<NaiveDate>,
    pub voluntary_departure_days: Option<Option<i32>>,
    pub appeal_waived: Option<bool>,
}

/// What corrections need of each kind of fact.
trait Fact: Sized + Send + 'static {
    const TYPE: &'static str;
    type View: Serialize + Send + 'static;
    fn find(conn: &mut DbConnection, id: &str) -> AppResult<Self>;
    fn case_id(&self) -> &str;
    fn withdrawn_at(&self) -> Option<NaiveDateTime>;
    fn withdraw(&mut self, at: NaiveDateTime, reason: &str, by: &str);
    fn save(&self, conn: &mut DbConnection) -> AppResult<()>;
    fn view(&self) -> Self::View;
    /// Whether the case's other facts still hold without this one.
    fn check_withdrawal(&self, _conn: &mut DbConnection) -> AppResult<()> {
        Ok(())
    }
}

macro_rules! fact {
    ($t:ty, $name:literal, $view:ty, $find:path, $save:path) => {
        impl Fact for $t {
            const TYPE: &'static str = $name;
            type View = $view;
            fn find(conn: &mut DbConnection, id: &str) -> AppResult<Self> {
                $find(conn, id)
            }
            fn case_id(&self) -> &str {
                &self.case_id
            }
            fn withdrawn_at(&self) -> Option<NaiveDateTime> {
                self.withdrawn_at
            }
            fn withdraw(&mut self, at: NaiveDateTime, reason: &str, by: &str) {
                self.withdrawn_at = Some(at);
                self.withdrawn_reason = Some(reason.to_string());
                self.withdrawn_by = Some(by.to_string());
            }
            fn save(&self, conn: &mut DbConnection) -> AppResult<()> {
                $save(conn, self)
            }
            fn view(&self) -> $view {
                <$view>::from(self)
            }
        }
    };
}

fact!(
    Filing,
    "filing",
    FilingView,
    events::find_filing,
    events::update_filing
);
fact!(
    Decision,
    "decision",
    DecisionView,
    events::find_decision,
    events::update_decision
);

impl Fact for ClockEventRow {
    const TYPE: &'static str = "clock_event";
    type View = ClockEventView;
    fn find(conn: &mut DbConnection, id: &str) -> AppResult<Self> {
        events::find_clock_event(conn, id)
    }
    fn case_id(&self) -> &str {
        &self.case_id
    }
    fn withdrawn_at(&self) -> Option<NaiveDateTime> {
        self.withdrawn_at
    }
    fn withdraw(&mut self, at: NaiveDateTime, reason: &str, by: &str) {
        self.withdrawn_at = Some(at);
        self.withdrawn_reason = Some(reason.to_string());
        self.withdrawn_by = Some(by.to_string());
    }
    fn save(&self, conn: &mut DbConnection) -> AppResult<()> {
        events::update_clock_event(conn, self)
    }
    fn view(&self) -> ClockEventView {
        ClockEventView::from(self)
    }
    fn check_withdrawal(&self, conn: &mut DbConnection) -> AppResult<()> {
        let rest = standing_events(conn, &self.case_id, &self.id, None)?;
        check_sequence(conn, &self.case_id, &rest, "id")
    }
}

/// The case's standing clock events in recorded order, without `skip`, plus `replace` (the
/// corrected event) in its date order.
fn standing_events(
    conn: &mut DbConnection,
    case_id: &str,
    skip: &str,
    replace: Option<&ClockEventRow>,
) -> AppResult<Vec<ClockEvent>> {
    let mut rows: Vec<ClockEventRow> = events::clock_events_of(conn, case_id)?
        .into_iter()
        .filter(|e| e.withdrawn_at.is_none() && e.id != skip)
        .chain(replace.cloned())
        .collect();
    rows.sort_by(|a, b| {
        (a.occurred_on, a.created_at, &a.id).cmp(&(b.occurred_on, b.created_at, &b.id))
    });
    Ok(rows
        .iter()
        .filter_map(|e| {
            Some(ClockEvent {
                kind: ClockKind::parse(&e.kind)?,
                on: e.occurred_on,
            })
        })
        .collect())
}

/// The events must still make a valid clock (ead_clock's rules); 422 on `field` otherwise. With
/// no I-589 standing there is no clock, and nothing to check.
fn check_sequence(
    conn: &mut DbConnection,
    case_id: &str,
    evs: &[ClockEvent],
    field: &str,
) -> AppResult<()> {
    let Ok(filed_on) = clock_started(conn, case_id, field) else {
        return Ok(());
    };
    ead_clock::validate_sequence(filed_on, evs).map_err(|e| AppError::field(field, e.to_string()))
}

/// One correction or withdrawal: find the fact, take its case's writer lock, check visibility,
/// re-read it under the lock, apply `write`, recompute and audit.
async fn amend<F, W>(
    app: &AppState,
    caller: &AuthUser,
    id: String,
    action: &'static str,
    reason: String,
    write: W,
) -> AppResult<F::View>
where
    F: Fact,
    W: FnOnce(&mut DbConnection, F, &str, NaiveDate) -> AppResult<F> + Send + 'static,
{
    let caller = caller.clone();
    in_transaction(app, move |conn, ctx| {
        let case_id = F::find(conn, &id)?.case_id().to_string();
        let case = cases::find_for_write(conn, &case_id, &scope(&caller))?;
        let row = F::find(conn, &id)?;
        if row.withdrawn_at().is_some() {
            return Err(AppError::conflict(
                "id",
                format!(
                    "this {} was withdrawn; record it anew",
                    F::TYPE.replace('_', " ")
                ),
            ));
        }
        let before = serde_json::to_value(row.view()).unwrap_or_default();
        let after = write(conn, row, &caller.id, ctx.today())?;
        after.save(conn)?;
        let view = after.view();
        let because = format!(
            "{} {id} {}",
            F::TYPE.replace('_', " "),
            if action == "withdraw" {
                "withdrawn"
            } else {
                "corrected"
            }
        );
        recompute::case_changed(conn, &case, ctx, &because)?;
        let mut changes = audit::diff(&before, &serde_json::to_value(&view).unwrap_or_default());
        if let Some(o) = changes.as_object_mut() {
            o.insert("reason".into(), serde_json::Value::String(reason));
        }
        audit::record(conn, Some(&caller.id), action, F::TYPE, &id, changes)?;
        Ok(view)
    })
    .await
}

/// Withdraws a fact: kept in history with when, why and by whom; the rules no longer read it.
async fn withdraw<F: Fact>(
    app: &AppState,
    caller: &AuthUser,
    id: String,
    reason: String,
) -> AppResult<F::View> {
    let why = reason.clone();
    amend::<F, _>(
        app,
        caller,
        id,
        "withdraw",
        reason,
        move |conn, mut row: F, by, _| {
            row.check_withdrawal(conn)?;
            row.withdraw(crate::db::now(), &why, by);
            Ok(row)
        },
    )
    .await
}

pub async fn withdraw_filing(
    app: &AppState,
    caller: &AuthUser,
    id: String,
    reason: String,
) -> AppResult<FilingView> {
    withdraw::<Filing>(app, caller, id, reason).await
}

pub async fn withdraw_clock_event(
    app: &AppState,
    caller: &AuthUser,
    id: String,
    reason: String,
) -> AppResult<ClockEventView> {
    withdraw::<ClockEventRow>(app, caller, id, reason).await
}

pub async fn withdraw_decision(
    app: &AppState,
    caller: &AuthUser,
    id: String,
    reason: String,
) -> AppResult<DecisionView> {
    withdraw::<Decision>(app, caller, id, reason).await
}

/// Corrects a filing. The merged filing is checked as a new one would be (dates not in the future,
/// approval and card expiry for an I-765 only and in order); an approval date given without a
/// status makes the status `approved`; a receipt number another filing holds is 409.
pub async fn correct_filing(
    app: &AppState,
    caller: &AuthUser,
    id: String,
    edit: FilingEdit,
    reason: String,
) -> AppResult<FilingView> {
    amend::<Filing, _>(
        app,
        caller,
        id,
        "update",
        reason,
        move |_, mut f, _, today| {
            if let Some(form) = edit.form {
                f.form = form.as_str().to_string();
            }
            f.filed_on = edit.filed_on.unwrap_or(f.filed_on);
            if let Some(r) = edit.receipt_number {
                f.receipt_number = r;
            }
            if let Some(a) = edit.approved_on {
                f.approved_on = a;
            }
            if let Some(v) = edit.valid_until {
                f.valid_until = v;
            }
            if let Some(s) = edit.status_on {
                f.status_on = s;
            }
            if let Some(c) = edit.changed_country_conditions {
                f.changed_country_conditions = c;
            }
            match edit.status {
                Some(s) => f.status = s.as_str().to_string(),
                None if edit.approved_on.flatten().is_some() => {
                    f.status = FilingStatus::Approved.as_str().to_string()
                }
                None => {}
            }
            let mut errors = Fields::new();
            if f.filed_on > today {
                errors.push("filed_on", "must not be in the future");
            }
            if f.form != Form::I765.as_str() {
                for (field, present) in [
                    ("approved_on", f.approved_on.is_some()),
                    ("valid_until", f.valid_until.is_some()),
                ] {
                    if present {
                        errors.push(field, "only an I-765 filing carries it");
                    }
                }
            }
            if f.approved_on.is_some_and(|a| a < f.filed_on) {
                errors.push("approved_on", "must not be before filed_on");
            }
            if let Some(v) = f.valid_until {
                if v <= f.approved_on.unwrap_or(f.filed_on) {
                    errors.push("valid_until", "must be after the approval (or filing) date");
                }
            }
            if let Some(form) = Form::parse(&f.form) {
                if let Err(message) =
                    crate::domain::deadlines::reopen_basis_fits(form, f.changed_country_conditions)
                {
                    // Name what the correction changed: the form, or the flag itself.
                    let field = if edit.changed_country_conditions.is_some() {
                        "changed_country_conditions"
                    } else {
                        "form"
                    };
                    errors.push(field, message);
                }
            }
            if let Some(s) = f.status_on {
                if s < f.filed_on || s > today {
                    errors.push("status_on", "must be between filed_on and today");
                }
            }
            errors.finish()?;
            Ok(f)
        },
    )
    .await
}

/// Corrects a clock event; the case's events must still make a valid clock (422 otherwise, on
/// `on` when the date was changed, else on `kind`).
pub async fn correct_clock_event(
    app: &AppState,
    caller: &AuthUser,
    id: String,
    edit: ClockEventEdit,
    reason: String,
) -> AppResult<ClockEventView> {
    amend::<ClockEventRow, _>(
        app,
        caller,
        id,
        "update",
        reason,
        move |conn, mut e, _, _| {
            let field = if edit.on.is_some() { "on" } else { "kind" };
            if let Some(k) = edit.kind {
                e.kind = k.as_str().to_string();
            }
            e.occurred_on = edit.on.unwrap_or(e.occurred_on);
            if let Some(r) = edit.event_reason {
                e.reason = r;
            }
            clock_started(conn, &e.case_id, field)?;
            let evs = standing_events(conn, &e.case_id, &e.id, Some(&e))?;
            check_sequence(conn, &e.case_id, &evs, field)?;
            Ok(e)
        },
    )
    .await
}

/// Corrects a decision; the merged decision is checked as a new one would be.
pub async fn correct_decision(
    app: &AppState,
    caller: &AuthUser,
    id: String,
    edit: DecisionEdit,
    reason: String,
) -> AppResult<DecisionView> {
    amend::<Decision, _>(
        app,
        caller,
        id,
        "update",
        reason,
        move |_, mut d, _, today| {
            if let Some(k) = edit.kind {
                d.kind = k.as_str().to_string();
            }
            if let Some(a) = edit.authority {
                d.authority = a.as_str().to_string();
            }
            d.decided_on = edit.decided_on.unwrap_or(d.decided_on);
            if let Some(n) = edit.voluntary_departure_days {
                d.voluntary_departure_days = n;
            }
            d.appeal_waived = edit.appeal_waived.unwrap_or(d.appeal_waived);
            let mut errors = Fields::new();
            if d.decided_on > today {
                errors.push("decided_on", "must not be in the future");
            }
            let days = "voluntary_departure_days";
            let vd = d.kind == DecisionKind::VoluntaryDeparture.as_str();
            match d.voluntary_departure_days {
                None if vd => errors.push(days, "is required for a grant of voluntary departure"),
                Some(n) if vd && !(1..=120).contains(&n) => {
                    errors.push(days, "must be between 1 and 120 (INA 240B)")
                }
                Some(_) if !vd => {
                    errors.push(days, "only a voluntary_departure decision carries it")
                }
                _ => {}
            }
            errors.finish()?;
            Ok(d)
        },
    )
    .await
}
