//! Orders of Supervision (Form I-220B): a person ordered removed but not removed within the
//! removal period is released on conditions, chiefly reporting to an ICE field office at an
//! interval ICE sets (INA 241(a)(3); 8 CFR 241.5). Recording or correcting one re-plans the
//! case's check-ins (`domain::deadlines::check_ins`). Visible cases only (404 otherwise); every
//! write is audited.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use super::recompute;
use crate::auth::extract::AuthUser;
use crate::auth::policy::scope;
use crate::db::page::ser_instant;
use crate::db::supervision::{self as store, SupervisionChanges, SupervisionOrder};
use crate::db::{self, audit, cases, run_db};
use crate::domain::offices::{Office, OfficeKind};
use crate::error::{AppResult, Fields};
use crate::http::list::List;
use crate::service::in_transaction;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct SupervisionView {
    pub id: String,
    pub case_id: String,
    /// The date of the order (Form I-220B).
    pub ordered_on: NaiveDate,
    /// The ICE field office the client reports to (`GET /api/v1/offices?kind=ice_field_office`).
    pub field_office_code: String,
    /// Its name, city and state.
    pub field_office: Option<String>,
    /// Days between check-ins, as ICE set them.
    pub interval_days: i32,
    /// The order's other conditions, as written on it.
    pub conditions: Option<String>,
    /// When the order ended (the client was removed, re-detained, or granted status); null while
    /// it is in force.
    pub ended_on: Option<NaiveDate>,
    pub created_by: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub updated_at: NaiveDateTime,
}

pub(crate) fn view(o: &SupervisionOrder, offices: &[Office]) -> SupervisionView {
    SupervisionView {
        id: o.id.clone(),
        case_id: o.case_id.clone(),
        ordered_on: o.ordered_on,
        field_office_code: o.field_office_code.clone(),
        field_office: offices
            .iter()
            .find(|f| f.code == o.field_office_code)
            .map(Office::place),
        interval_days: o.interval_days,
        conditions: o.conditions.clone(),
        ended_on: o.ended_on,
        created_by: o.created_by.clone(),
        created_at: o.created_at,
        updated_at: o.updated_at,
    }
}

/// An order as the request gave it; checked in [`create`] once the case is found (404 first).
#[derive(Debug, Clone)]
pub struct NewSupervision {
    pub ordered_on: NaiveDate,
    pub field_office_code: String,
    pub interval_days: i32,
    pub conditions: Option<String>,
}

/// Changes to an order: `None` keeps a field, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct SupervisionEdit {
    pub ordered_on: Option<NaiveDate>,
    pub field_office_code: Option<String>,
    pub interval_days: Option<i32>,
    pub conditions: Option<Option<String>>,
    pub ended_on: Option<Option<NaiveDate>>,
}

/// ICE sets the interval; a year bounds typos (3650 for 365) without guessing practice.
const MAX_INTERVAL_DAYS: i32 = 366;
const MAX_CONDITIONS_CHARS: usize = 2000;

fn check_office(offices: &[Office], code: &str, errors: &mut Fields) {
    match offices.iter().find(|o| o.code == code) {
        Some(o) if o.kind == OfficeKind::IceFieldOffice => {}
        Some(_) => errors.push(
            "field_office_code",
            "must be an ICE field office; see GET /api/v1/offices?kind=ice_field_office",
        ),
        None => errors.push(
            "field_office_code",
            "is not a known office; see GET /api/v1/offices?kind=ice_field_office",
        ),
    }
}

fn check_interval(days: i32, errors: &mut Fields) {
    if !(1..=MAX_INTERVAL_DAYS).contains(&days) {
        errors.push(
            "interval_days",
            format!("must be between 1 and {MAX_INTERVAL_DAYS} days"),
        );
    }
}

/// Trimmed; blank is none.
fn conditions(text: Option<String>, errors: &mut Fields) -> Option<String> {
    let text = text
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())?;
    if text.chars().count() > MAX_CONDITIONS_CHARS {
        errors.push(
            "conditions",
            format!("must be at most {MAX_CONDITIONS_CHARS} characters"),
        );
    }
    Some(text)
}

fn check_dates(
    ordered_on: NaiveDate,
    ended_on: Option<NaiveDate>,
    today: NaiveDate,
    errors: &mut Fields,
) {
    if ordered_on > today {
        errors.push("ordered_on", "must not be in the future");
    }
    if let Some(end) = ended_on {
        if end > today {
            errors.push("ended_on", "must not be in the future");
        } else if end < ordered_on {
            errors.push("ended_on", "must not be before ordered_on");
        }
    }
}

/// Records an Order of Supervision on a visible case and plans its check-ins.
pub async fn create(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    input: NewSupervision,
) -> AppResult<SupervisionView> {
    let offices = app.offices.clone();
    let caller = caller.clone();
    in_transaction(app, move |conn, ctx| {
        let case = cases::find_for_write(conn, &case_id, &scope(&caller))?;
        let mut errors = Fields::new();
        check_office(&offices, &input.field_office_code, &mut errors);
        check_interval(input.interval_days, &mut errors);
        check_dates(input.ordered_on, None, ctx.schedule.today, &mut errors);
        let conditions = conditions(input.conditions, &mut errors);
        errors.finish()?;
        let now = db::now();
        let row = SupervisionOrder {
            id: db::new_id(),
            case_id: case.id.clone(),
            ordered_on: input.ordered_on,
            field_office_code: input.field_office_code,
            interval_days: input.interval_days,
            conditions,
            ended_on: None,
            created_by: caller.id.clone(),
            created_at: now,
            updated_at: now,
        };
        store::insert(conn, &row)?;
        let because = format!("supervision order {} recorded", row.id);
        recompute::case_changed(conn, &case, ctx, &because)?;
        let v = view(&row, &offices);
        audit::record(
            conn,
            Some(&caller.id),
            "create",
            "supervision_order",
            &row.id,
            audit::created(&serde_json::to_value(&v).unwrap_or_default()),
        )?;
        Ok(v)
    })
    .await
}

/// A visible case's Orders of Supervision, oldest first (never many: no paging).
pub async fn of_case(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
) -> AppResult<List<SupervisionView>> {
    let offices = app.offices.clone();
    let scope = scope(caller);
    run_db(&app.pool, move |conn| {
        let case = cases::find(conn, &case_id, &scope)?;
        let rows = store::of_case(conn, &case.id)?;
        Ok(List::all(rows.iter().map(|o| view(o, &offices)).collect()))
    })
    .await
}

/// Corrects or ends an order; its check-ins are planned again.
pub async fn edit(
    app: &AppState,
    caller: &AuthUser,
    id: String,
    input: SupervisionEdit,
) -> AppResult<SupervisionView> {
    let offices = app.offices.clone();
    let caller = caller.clone();
    in_transaction(app, move |conn, ctx| {
        // The case's writer lock first, then the order as it stands under it.
        let case_id = store::find(conn, &id)?.case_id;
        cases::lock(conn, &case_id)?;
        let case = cases::find(conn, &case_id, &scope(&caller))?;
        let before = store::find(conn, &id)?;
        let mut errors = Fields::new();
        if let Some(code) = &input.field_office_code {
            check_office(&offices, code, &mut errors);
        }
        if let Some(days) = input.interval_days {
            check_interval(days, &mut errors);
        }
        let ordered_on = input.ordered_on.unwrap_or(before.ordered_on);
        let ended_on = input.ended_on.unwrap_or(before.ended_on);
        check_dates(ordered_on, ended_on, ctx.schedule.today, &mut errors);
        let conditions = input.conditions.map(|c| conditions(c, &mut errors));
        errors.finish()?;
        store::update(
            conn,
            &id,
            SupervisionChanges {
                ordered_on: input.ordered_on,
                field_office_code: input.field_office_code,
                interval_days: input.interval_days,
                conditions,
                ended_on: input.ended_on,
                updated_at: None,
            },
        )?;
        recompute::case_changed(conn, &case, ctx, &format!("supervision order {id} updated"))?;
        let after = view(&store::find(conn, &id)?, &offices);
        audit::record_update(
            conn,
            &caller.id,
            "supervision_order",
            &id,
            &serde_json::to_value(view(&before, &offices)).unwrap_or_default(),
            &serde_json::to_value(&after).unwrap_or_default(),
        )?;
        Ok(after)
    })
    .await
}
