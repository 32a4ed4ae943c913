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
use crate::db::page::{ser_instant, Page};
use crate::db::{self, audit, cases, run_db, DbConnection};
use crate::domain::ead_clock::{self, ClockEvent, ClockKind};
use crate::domain::vocab::{Authority, DecisionKind, Form};
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
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
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
            created_at: f.created_at,
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
        let case = cases::find(conn, &case_id, &scope(&caller))?;
        let (id, view) = write(conn, &case, &caller.id)?;
        recompute::case_changed(conn, &case, ctx)?;
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
            approved_on: input.approved_on,
            valid_until: input.valid_until,
            created_by: by.to_string(),
            created_at: db::now(),
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
            let filed_on = events::filings_of(conn, &case.id)?
                .iter()
                .filter(|f| f.form == Form::I589.as_str())
                .map(|f| f.filed_on)
                .min()
                .ok_or_else(|| {
                    AppError::field(
                        "on",
                        "the EAD clock has not started: no I-589 filing is recorded",
                    )
                })?;
            let existing: Vec<ClockEvent> = events::clock_events_of(conn, &case.id)?
                .iter()
                .filter_map(|e| {
                    Some(ClockEvent {
                        kind: ClockKind::parse(&e.kind)?,
                        on: e.occurred_on,
                    })
                })
                .collect();
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
