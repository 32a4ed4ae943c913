//! Case events: recording and listing the filings, EAD clock events and decisions of a visible
//! case. Each record is one transaction that re-derives the case's status and deadlines and is
//! audited; an invisible case is 404 as if absent.

use crate::service::in_transaction;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::ToSchema;

use super::recompute;
use crate::auth::extract::AuthUser;
use crate::auth::policy::scope;
use crate::db::events::{self, ClockEventRow, Decision, Filing};
use crate::db::page::{ser_instant, ser_opt_instant, Page};
use crate::db::{self, audit, cases, run_db, DbConnection};
use crate::domain::ead_clock::{self, ClockEvent, ClockKind};
use crate::domain::vocab::{Authority, DecisionKind, FilingStatus, Form};
use crate::error::{AppError, AppResult};
use crate::http::list::List;
use crate::state::AppState;

/// `ClockKind` has no schema of its own; its two spellings, for the OpenAPI document.
pub fn clock_kind_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some([ClockKind::Stop.as_str(), ClockKind::Resume.as_str()]))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClockEventView {
    pub id: String,
    pub case_id: String,
    /// `stop` or `resume`.
    #[schema(schema_with = clock_kind_schema)]
    pub kind: String,
    pub on: NaiveDate,
    pub reason: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
    #[serde(flatten)]
    pub withdrawal: Withdrawal,
}

/// A fact taken back is kept in history with when, why and by whom; the rules no longer read it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Withdrawal {
    /// When the fact was withdrawn (`DELETE`); null while it stands.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(serialize_with = "ser_opt_instant")]
    pub withdrawn_at: Option<NaiveDateTime>,
    /// The reason given with the withdrawal.
    pub withdrawn_reason: Option<String>,
    /// Who withdrew it (a user id).
    pub withdrawn_by: Option<String>,
}

impl Withdrawal {
    fn of(at: Option<NaiveDateTime>, reason: &Option<String>, by: &Option<String>) -> Withdrawal {
        Withdrawal {
            withdrawn_at: at,
            withdrawn_reason: reason.clone(),
            withdrawn_by: by.clone(),
        }
    }
}

impl From<&ClockEventRow> for ClockEventView {
    fn from(e: &ClockEventRow) -> Self {
        ClockEventView {
            id: e.id.clone(),
            case_id: e.case_id.clone(),
            kind: e.kind.clone(),
            on: e.occurred_on,
            reason: e.reason.clone(),
            created_at: e.created_at,
            withdrawal: Withdrawal::of(e.withdrawn_at, &e.withdrawn_reason, &e.withdrawn_by),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FilingView {
    pub id: String,
    pub case_id: String,
    #[schema(value_type = Form)]
    pub form: String,
    pub filed_on: NaiveDate,
    pub receipt_number: Option<String>,
    pub approved_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// `pending`, `accepted`, `rejected` (returned as incomplete: not filed, so a rejected I-589
    /// does not start the EAD clock), `approved` or `denied`.
    #[schema(value_type = FilingStatus)]
    pub status: String,
    /// The date of the status (receipt, rejection or decision notice).
    pub status_on: Option<NaiveDate>,
    /// A motion to reopen based on changed country conditions: it has no time limit (8 CFR
    /// 1003.2(c)(3)(ii), 1003.23(b)(4)(i)), so it starts no deadline and is not late after the
    /// 90 days of `motion_to_reopen`. Always false for other forms.
    pub changed_country_conditions: bool,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
    #[serde(flatten)]
    pub withdrawal: Withdrawal,
}

impl From<&Filing> for FilingView {
    fn from(f: &Filing) -> Self {
        FilingView {
            id: f.id.clone(),
            case_id: f.case_id.clone(),
            form: f.form.clone(),
            filed_on: f.filed_on,
            receipt_number: f.receipt_number.clone(),
            approved_on: f.approved_on,
            valid_until: f.valid_until,
            status: f.status.clone(),
            status_on: f.status_on,
            changed_country_conditions: f.changed_country_conditions,
            created_at: f.created_at,
            withdrawal: Withdrawal::of(f.withdrawn_at, &f.withdrawn_reason, &f.withdrawn_by),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub id: String,
    pub case_id: String,
    #[schema(value_type = DecisionKind)]
    pub kind: String,
    #[schema(value_type = Authority)]
    pub authority: String,
    pub decided_on: NaiveDate,
    pub voluntary_departure_days: Option<i32>,
    pub appeal_waived: bool,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
    #[serde(flatten)]
    pub withdrawal: Withdrawal,
}

impl From<&Decision> for DecisionView {
    fn from(d: &Decision) -> Self {
        DecisionView {
            id: d.id.clone(),
            case_id: d.case_id.clone(),
            kind: d.kind.clone(),
            authority: d.authority.clone(),
            decided_on: d.decided_on,
            voluntary_departure_days: d.voluntary_departure_days,
            appeal_waived: d.appeal_waived,
            created_at: d.created_at,
            withdrawal: Withdrawal::of(d.withdrawn_at, &d.withdrawn_reason, &d.withdrawn_by),
        }
    }
}

/// A filing, already checked against the rules that need no database (see the route's parse).
#[derive(Debug, Clone)]
pub struct NewFiling {
    pub form: Form,
    pub filed_on: NaiveDate,
    /// Normalised (`identifiers::normalize_receipt_number`).
    pub receipt_number: Option<String>,
    pub approved_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// Default: `approved` with an approval date, else `pending`.
    pub status: Option<FilingStatus>,
    pub status_on: Option<NaiveDate>,
    /// A motion to reopen on changed country conditions (checked: that form only).
    pub changed_country_conditions: bool,
}

/// A clock stop or resume; whether it fits the case's clock is checked here, against the stored
/// events.
#[derive(Debug, Clone)]
pub struct NewClockEvent {
    pub kind: ClockKind,
    pub on: NaiveDate,
    /// Trimmed, 1 to 500 characters.
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct NewDecision {
    pub kind: DecisionKind,
    pub authority: Authority,
    pub decided_on: NaiveDate,
    pub voluntary_departure_days: Option<i32>,
    pub appeal_waived: bool,
}

/// Records a fact of a visible case in one transaction: `write` inserts it and returns its id and
/// view, then the case's derived state is recomputed and the write audited.
async fn record<T, W>(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    entity_type: &'static str,
    write: W,
) -> AppResult<T>
where
    T: Serialize + Send + 'static,
    W: FnOnce(&mut DbConnection, &cases::Case, &str) -> AppResult<(String, T)> + Send + 'static,
{
    let caller = caller.clone();
    in_transaction(app, move |conn, ctx| {
        let case = cases::find_for_write(conn, &case_id, &scope(&caller))?;
        let (id, view) = write(conn, &case, &caller.id)?;
        let because = format!("{entity_type} {id} recorded");
        recompute::case_changed(conn, &case, ctx, &because)?;
        let json = serde_json::to_value(&view).unwrap_or_default();
        audit::record(
            conn,
            Some(&caller.id),
            "create",
            entity_type,
            &id,
            audit::created(&json),
        )?;
        Ok(view)
    })
    .await
}

/// A page of the facts of one kind of a visible case, in the order `load` gives.
async fn list_of<T, V>(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    page: Page,
    load: Pager<T>,
    view: fn(&T) -> V,
) -> AppResult<List<V>>
where
    T: 'static,
    V: Send + ToSchema + 'static,
{
    let scope = scope(caller);
    let (items, next) = run_db(&app.pool, move |conn| {
        let case = cases::find(conn, &case_id, &scope)?;
        let (rows, next) = load(conn, &case.id, &page)?;
        Ok((rows.iter().map(view).collect(), next))
    })
    .await?;
    Ok(List::page(items, next))
}

type Pager<T> = fn(&mut DbConnection, &str, &Page) -> AppResult<(Vec<T>, Option<String>)>;

pub async fn create_filing(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    input: NewFiling,
) -> AppResult<FilingView> {
    record(app, caller, case_id, "filing", move |conn, case, by| {
        let row = Filing {
            id: db::new_id(),
            case_id: case.id.clone(),
            form: input.form.as_str().to_string(),
            filed_on: input.filed_on,
            receipt_number: input.receipt_number,
            status: input
                .status
                .unwrap_or(if input.approved_on.is_some() {
                    FilingStatus::Approved
                } else {
                    FilingStatus::Pending
                })
                .as_str()
                .to_string(),
            status_on: input.status_on,
            approved_on: input.approved_on,
            valid_until: input.valid_until,
            created_by: by.to_string(),
            created_at: db::now(),
            withdrawn_at: None,
            withdrawn_reason: None,
            withdrawn_by: None,
            changed_country_conditions: input.changed_country_conditions,
        };
        events::insert_filing(conn, &row)?;
        Ok((row.id.clone(), FilingView::from(&row)))
    })
    .await
}

/// A visible case's filings, oldest first.
pub async fn filings(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    page: Page,
) -> AppResult<List<FilingView>> {
    list_of(app, caller, case_id, page, events::filings_page, |f| {
        FilingView::from(f)
    })
    .await
}

/// A clock event must follow the I-589 filing and fit the stored events (ead_clock's rules).
pub async fn create_clock_event(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    input: NewClockEvent,
) -> AppResult<ClockEventView> {
    record(
        app,
        caller,
        case_id,
        "clock_event",
        move |conn, case, by| {
            let filed_on = clock_started(conn, &case.id, "on")?;
            let existing: Vec<ClockEvent> = events::clock_facts(conn, &case.id)?;
            let new = ClockEvent {
                kind: input.kind,
                on: input.on,
            };
            ead_clock::validate_events(filed_on, &existing, new).map_err(|e| {
                let field = if e.code() == "no_open_stop" {
                    "kind"
                } else {
                    "on"
                };
                AppError::field(field, e.to_string())
            })?;
            let row = ClockEventRow {
                id: db::new_id(),
                case_id: case.id.clone(),
                kind: input.kind.as_str().to_string(),
                occurred_on: input.on,
                reason: input.reason,
                created_by: by.to_string(),
                created_at: db::now(),
                withdrawn_at: None,
                withdrawn_reason: None,
                withdrawn_by: None,
            };
            events::insert_clock_event(conn, &row)?;
            Ok((row.id.clone(), ClockEventView::from(&row)))
        },
    )
    .await
}

/// A visible case's clock events, in date order.
pub async fn clock_events(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    page: Page,
) -> AppResult<List<ClockEventView>> {
    list_of(app, caller, case_id, page, events::clock_events_page, |e| {
        ClockEventView::from(e)
    })
    .await
}

pub async fn create_decision(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    input: NewDecision,
) -> AppResult<DecisionView> {
    record(app, caller, case_id, "decision", move |conn, case, by| {
        let row = Decision {
            id: db::new_id(),
            case_id: case.id.clone(),
            kind: input.kind.as_str().to_string(),
            authority: input.authority.as_str().to_string(),
            decided_on: input.decided_on,
            voluntary_departure_days: input.voluntary_departure_days,
            appeal_waived: input.appeal_waived,
            created_by: by.to_string(),
            created_at: db::now(),
            withdrawn_at: None,
            withdrawn_reason: None,
            withdrawn_by: None,
        };
        events::insert_decision(conn, &row)?;
        Ok((row.id.clone(), DecisionView::from(&row)))
    })
    .await
}

/// A visible case's decisions, oldest first.
pub async fn decisions(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    page: Page,
) -> AppResult<List<DecisionView>> {
    list_of(app, caller, case_id, page, events::decisions_page, |d| {
        DecisionView::from(d)
    })
    .await
}

/// The start of the case's EAD clock (its earliest standing I-589 not rejected), else 422 on
/// `field`.
pub(crate) fn clock_started(
    conn: &mut DbConnection,
    case_id: &str,
    field: &str,
) -> AppResult<NaiveDate> {
    crate::domain::deadlines::clock_start(&events::filing_facts(conn, case_id)?).ok_or_else(|| {
        AppError::field(
            field,
            "the EAD clock has not started: no I-589 filing is recorded",
        )
    })
}
