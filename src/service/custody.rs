//! Custody: periods in immigration detention on a case, with bond (INA 236(a)(2); 8 CFR
//! 1236.1(d)) and release (bond, parole, an Order of Supervision, recognizance). A case is
//! detained while it has a period with no release; at most one is open. An IJ's bond decision
//! starts `bond_appeal`, an open period under a final order `zadvydas_review`
//! (`domain::deadlines`). Visible cases only (404 otherwise): the case team and admins, any role
//! on the case; each write is one transaction under the case's writer lock, recomputed and
//! audited (entity `custody_period`).

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use super::{in_transaction, recompute};
use crate::auth::extract::AuthUser;
use crate::auth::policy::scope;
use crate::db::custody::{self as store, CustodyChanges, CustodyPeriod};
use crate::db::page::ser_instant;
use crate::db::{self, audit, cases, run_db};
use crate::domain::vocab::{BondDecision, ReleaseBasis};
use crate::error::{AppResult, Fields};
use crate::http::list::List;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct CustodyView {
    pub id: String,
    pub case_id: String,
    /// The day the client was taken into immigration detention.
    pub detained_on: NaiveDate,
    /// The detention centre, as the team names it.
    pub facility: Option<String>,
    /// The day of release; null while detained.
    pub released_on: Option<NaiveDate>,
    /// How the client was released; set exactly when `released_on` is.
    #[schema(value_type = Option<ReleaseBasis>)]
    pub release_basis: Option<String>,
    /// The bond set, in whole US dollars (at least $1,500: INA 236(a)(2)(A)).
    pub bond_amount_usd: Option<i32>,
    /// The day of the custody redetermination (bond) hearing before an immigration judge.
    pub bond_hearing_on: Option<NaiveDate>,
    /// The day of the IJ's bond decision: `bond_appeal` is due 30 days later.
    pub bond_decided_on: Option<NaiveDate>,
    /// The IJ's bond decision; set exactly when `bond_decided_on` is.
    #[schema(value_type = Option<BondDecision>)]
    pub bond_decision: Option<String>,
    /// The day the bond was posted.
    pub bond_posted_on: Option<NaiveDate>,
    /// The day an appeal of the bond decision was filed with the BIA: meets `bond_appeal`.
    pub bond_appeal_filed_on: Option<NaiveDate>,
    pub note: Option<String>,
    /// Whether this period is open (the client is detained).
    pub detained: bool,
    pub created_by: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub updated_at: NaiveDateTime,
}

pub(crate) fn view(c: &CustodyPeriod) -> CustodyView {
    CustodyView {
        id: c.id.clone(),
        case_id: c.case_id.clone(),
        detained_on: c.detained_on,
        facility: c.facility.clone(),
        released_on: c.released_on,
        release_basis: c.release_basis.clone(),
        bond_amount_usd: c.bond_amount_usd,
        bond_hearing_on: c.bond_hearing_on,
        bond_decided_on: c.bond_decided_on,
        bond_decision: c.bond_decision.clone(),
        bond_posted_on: c.bond_posted_on,
        bond_appeal_filed_on: c.bond_appeal_filed_on,
        note: c.note.clone(),
        detained: c.released_on.is_none(),
        created_by: c.created_by.clone(),
        created_at: c.created_at,
        updated_at: c.updated_at,
    }
}

fn json(c: &CustodyPeriod) -> serde_json::Value {
    serde_json::to_value(view(c)).unwrap_or_default()
}

/// A period or changes to one as the request gave them (`None` keeps a field, `Some(None)`
/// clears it; on create `detained_on` is required); checked once the case is found (404 first).
#[derive(Debug, Clone, Default)]
pub struct CustodyInput {
    pub detained_on: Option<NaiveDate>,
    pub facility: Option<Option<String>>,
    pub released_on: Option<Option<NaiveDate>>,
    pub release_basis: Option<Option<String>>,
    pub bond_amount_usd: Option<Option<i32>>,
    pub bond_hearing_on: Option<Option<NaiveDate>>,
    pub bond_decided_on: Option<Option<NaiveDate>>,
    pub bond_decision: Option<Option<String>>,
    pub bond_posted_on: Option<Option<NaiveDate>>,
    pub bond_appeal_filed_on: Option<Option<NaiveDate>>,
    pub note: Option<Option<String>>,
}

/// The statutory minimum bond (INA 236(a)(2)(A)); the maximum only catches typos.
const MIN_BOND: i32 = 1_500;
const MAX_BOND: i32 = 1_000_000;
const MAX_FACILITY_CHARS: usize = 200;
const MAX_NOTE_CHARS: usize = 2000;

/// Trimmed; blank is none; at most `max` characters.
fn text(field: &str, t: Option<String>, max: usize, errors: &mut Fields) -> Option<String> {
    let t = t.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())?;
    if t.chars().count() > max {
        errors.push(field, format!("must be at most {max} characters"));
    }
    Some(t)
}

/// The request's changes, normalised (texts trimmed, enums checked).
fn changes(input: CustodyInput, errors: &mut Fields) -> CustodyChanges {
    // Kept as given when unknown (the 422 names it), so it is not also reported missing.
    if let Some(Some(b)) = &input.release_basis {
        if ReleaseBasis::parse(b).is_none() {
            errors.push("release_basis", ReleaseBasis::allowed());
        }
    }
    let basis = input.release_basis;
    // Kept as given when unknown (the 422 names it), so it is not also reported missing.
    if let Some(Some(b)) = &input.bond_decision {
        if BondDecision::parse(b).is_none() {
            errors.push("bond_decision", BondDecision::allowed());
        }
    }
    let decision = input.bond_decision;
    if let Some(Some(n)) = input.bond_amount_usd {
        if !(MIN_BOND..=MAX_BOND).contains(&n) {
            errors.push(
                "bond_amount_usd",
                format!("must be between {MIN_BOND} (INA 236(a)(2)(A)) and {MAX_BOND} dollars"),
            );
        }
    }
    CustodyChanges {
        detained_on: input.detained_on,
        facility: input
            .facility
            .map(|f| text("facility", f, MAX_FACILITY_CHARS, errors)),
        released_on: input.released_on,
        release_basis: basis,
        bond_amount_usd: input.bond_amount_usd,
        bond_hearing_on: input.bond_hearing_on,
        bond_decided_on: input.bond_decided_on,
        bond_decision: decision,
        bond_posted_on: input.bond_posted_on,
        bond_appeal_filed_on: input.bond_appeal_filed_on,
        note: input.note.map(|n| text("note", n, MAX_NOTE_CHARS, errors)),
        updated_at: None,
    }
}

/// `c` with the changes made, for checking the period as it would stand.
fn applied(mut c: CustodyPeriod, ch: &CustodyChanges) -> CustodyPeriod {
    fn set<T: Clone>(field: &mut T, new: &Option<T>) {
        if let Some(v) = new {
            *field = v.clone();
        }
    }
    set(&mut c.detained_on, &ch.detained_on);
    set(&mut c.facility, &ch.facility);
    set(&mut c.released_on, &ch.released_on);
    set(&mut c.release_basis, &ch.release_basis);
    set(&mut c.bond_amount_usd, &ch.bond_amount_usd);
    set(&mut c.bond_hearing_on, &ch.bond_hearing_on);
    set(&mut c.bond_decided_on, &ch.bond_decided_on);
    set(&mut c.bond_decision, &ch.bond_decision);
    set(&mut c.bond_posted_on, &ch.bond_posted_on);
    set(&mut c.bond_appeal_filed_on, &ch.bond_appeal_filed_on);
    set(&mut c.note, &ch.note);
    c
}

/// The order of the dates and what goes together: release with how, a bond decision with what
/// was decided, an appeal with the decision appealed. A field out of order is named (the later
/// one of the pair). Only the bond hearing may be in the future.
fn check(c: &CustodyPeriod, today: NaiveDate, errors: &mut Fields) {
    let past = [
        ("detained_on", Some(c.detained_on)),
        ("released_on", c.released_on),
        ("bond_decided_on", c.bond_decided_on),
        ("bond_posted_on", c.bond_posted_on),
        ("bond_appeal_filed_on", c.bond_appeal_filed_on),
    ];
    for (field, on) in past {
        if on.is_some_and(|on| on > today) {
            errors.push(field, "must not be in the future");
        }
    }
    let mut not_before =
        |field: &str, on: Option<NaiveDate>, other: &str, base: Option<NaiveDate>| {
            if let (Some(on), Some(base)) = (on, base) {
                if on < base {
                    errors.push(field, format!("must not be before {other}"));
                }
            }
        };
    let detained = Some(c.detained_on);
    not_before("released_on", c.released_on, "detained_on", detained);
    not_before(
        "bond_hearing_on",
        c.bond_hearing_on,
        "detained_on",
        detained,
    );
    not_before(
        "bond_decided_on",
        c.bond_decided_on,
        "detained_on",
        detained,
    );
    not_before(
        "bond_decided_on",
        c.bond_decided_on,
        "bond_hearing_on",
        c.bond_hearing_on,
    );
    not_before("bond_posted_on", c.bond_posted_on, "detained_on", detained);
    not_before(
        "bond_posted_on",
        c.bond_posted_on,
        "bond_decided_on",
        c.bond_decided_on,
    );
    not_before(
        "bond_appeal_filed_on",
        c.bond_appeal_filed_on,
        "bond_decided_on",
        c.bond_decided_on,
    );
    match (c.released_on.is_some(), c.release_basis.is_some()) {
        (true, false) => errors.push(
            "release_basis",
            format!("is required with released_on; {}", ReleaseBasis::allowed()),
        ),
        (false, true) => errors.push("release_basis", "is only accepted with released_on"),
        _ => {}
    }
    match (c.bond_decided_on.is_some(), c.bond_decision.is_some()) {
        (true, false) => errors.push(
            "bond_decision",
            format!(
                "is required with bond_decided_on; {}",
                BondDecision::allowed()
            ),
        ),
        (false, true) => errors.push("bond_decision", "is only accepted with bond_decided_on"),
        _ => {}
    }
    if c.bond_appeal_filed_on.is_some() && c.bond_decided_on.is_none() {
        errors.push(
            "bond_appeal_filed_on",
            "needs bond_decided_on: the decision appealed",
        );
    }
}

/// Records a custody period on a visible case; 422 while another is open.
pub async fn create(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    mut input: CustodyInput,
) -> AppResult<CustodyView> {
    let caller = caller.clone();
    in_transaction(app, move |conn, ctx| {
        let case = cases::find_for_write(conn, &case_id, &scope(&caller))?;
        let mut errors = Fields::new();
        let detained_on = input.detained_on.take();
        if detained_on.is_none() {
            errors.push("detained_on", "is required");
        }
        let ch = changes(input, &mut errors);
        let now = db::now();
        let blank = CustodyPeriod {
            id: db::new_id(),
            case_id: case.id.clone(),
            detained_on: detained_on.unwrap_or(ctx.schedule.today),
            facility: None,
            released_on: None,
            release_basis: None,
            bond_amount_usd: None,
            bond_hearing_on: None,
            bond_decided_on: None,
            bond_decision: None,
            bond_posted_on: None,
            bond_appeal_filed_on: None,
            note: None,
            created_by: caller.id.clone(),
            created_at: now,
            updated_at: now,
        };
        let row = applied(blank, &ch);
        check(&row, ctx.schedule.today, &mut errors);
        if row.released_on.is_none() && store::open_other(conn, &case.id, None)?.is_some() {
            errors.push(
                "released_on",
                "the case already has an open custody period: record its release first",
            );
        }
        errors.finish()?;
        store::insert(conn, &row)?;
        recompute::case_changed(
            conn,
            &case,
            ctx,
            &format!("custody period {} recorded", row.id),
        )?;
        audit::record(
            conn,
            Some(&caller.id),
            "create",
            "custody_period",
            &row.id,
            audit::created(&json(&row)),
        )?;
        Ok(view(&row))
    })
    .await
}

/// A visible case's custody periods, oldest first (never many: no paging).
pub async fn of_case(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
) -> AppResult<List<CustodyView>> {
    let scope = scope(caller);
    run_db(&app.pool, move |conn| {
        let case = cases::find(conn, &case_id, &scope)?;
        let rows = store::of_case(conn, &case.id)?;
        Ok(List::all(rows.iter().map(view).collect()))
    })
    .await
}

/// Release, bond facts, corrections; the case's deadlines are recomputed.
pub async fn edit(
    app: &AppState,
    caller: &AuthUser,
    id: String,
    input: CustodyInput,
) -> AppResult<CustodyView> {
    let caller = caller.clone();
    in_transaction(app, move |conn, ctx| {
        // The case's writer lock first, then the period as it stands under it.
        let case_id = store::find(conn, &id)?.case_id;
        cases::lock(conn, &case_id)?;
        let case = cases::find(conn, &case_id, &scope(&caller))?;
        let before = store::find(conn, &id)?;
        let mut errors = Fields::new();
        let ch = changes(input, &mut errors);
        let after = applied(before.clone(), &ch);
        check(&after, ctx.schedule.today, &mut errors);
        if after.released_on.is_none() && store::open_other(conn, &case.id, Some(&id))?.is_some() {
            errors.push(
                "released_on",
                "the case has another open custody period: record its release first",
            );
        }
        errors.finish()?;
        store::update(conn, &id, ch)?;
        recompute::case_changed(conn, &case, ctx, &format!("custody period {id} updated"))?;
        let after = store::find(conn, &id)?;
        audit::record_update(
            conn,
            &caller.id,
            "custody_period",
            &id,
            &json(&before),
            &json(&after),
        )?;
        Ok(view(&after))
    })
    .await
}
