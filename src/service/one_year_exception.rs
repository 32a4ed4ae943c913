//! The exception to the one-year filing bar a case claims: changed circumstances (8 CFR
//! 208.4(a)(4)) or extraordinary circumstances (8 CFR 208.4(a)(5)). Read, claim (a new claim
//! replaces the standing one, which is kept as withdrawn) and withdraw (kept, with the reason).
//! It is a legal argument, not a new date: the `one_year_filing` deadline and its explanation
//! stay as they are. Visible cases only (404 otherwise); any role on the case may write; each
//! change is one transaction under the case's writer lock, recomputed like every write to a case
//! and audited (entity `one_year_exception`, id the case's: there is one claim per case).

use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use super::{in_transaction, recompute};
use crate::auth::extract::AuthUser;
use crate::auth::policy::scope;
use crate::db::one_year_exceptions::{self as store, OneYearExceptionRow};
use crate::db::page::ser_opt_instant;
use crate::db::{self, audit, cases, run_db};
use crate::domain::vocab::OneYearException;
use crate::error::AppResult;
use crate::state::AppState;

/// The case's standing claim; every field but `case_id` is null while none is claimed (a case
/// without a claim is not missing: 404 keeps meaning "no such case, or not visible").
#[derive(Debug, Serialize, ToSchema)]
pub struct OneYearExceptionView {
    pub case_id: String,
    /// `changed_circumstances` (8 CFR 208.4(a)(4)) or `extraordinary_circumstances`
    /// (8 CFR 208.4(a)(5)); null when none is claimed.
    #[schema(value_type = Option<OneYearException>)]
    pub kind: Option<String>,
    /// What the claim rests on, as the case team wrote it.
    pub note: Option<String>,
    /// Who claimed it (a user id).
    pub claimed_by: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(serialize_with = "ser_opt_instant")]
    pub claimed_at: Option<NaiveDateTime>,
}

impl OneYearExceptionView {
    pub(crate) fn of(case_id: &str, row: Option<&OneYearExceptionRow>) -> Self {
        OneYearExceptionView {
            case_id: case_id.to_string(),
            kind: row.map(|r| r.kind.clone()),
            note: row.and_then(|r| r.note.clone()),
            claimed_by: row.map(|r| r.claimed_by.clone()),
            claimed_at: row.map(|r| r.claimed_at),
        }
    }

    fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// The standing claim of a visible case.
pub async fn get(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
) -> AppResult<OneYearExceptionView> {
    let scope = scope(caller);
    run_db(&app.pool, move |conn| {
        let case = cases::find(conn, &case_id, &scope)?;
        Ok(OneYearExceptionView::of(
            &case.id,
            store::standing(conn, &case.id)?.as_ref(),
        ))
    })
    .await
}

/// Claims `kind` (with `note`: trimmed, blank is none) for a visible case. The same claim again
/// changes nothing; another one replaces the standing claim, which is kept as withdrawn.
pub async fn claim(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    kind: OneYearException,
    note: Option<String>,
) -> AppResult<OneYearExceptionView> {
    let caller = caller.clone();
    in_transaction(app, move |conn, ctx| {
        let case = cases::find_for_write(conn, &case_id, &scope(&caller))?;
        let standing = store::standing(conn, &case.id)?;
        let before = OneYearExceptionView::of(&case.id, standing.as_ref());
        if standing
            .as_ref()
            .is_some_and(|s| s.kind == kind.as_str() && s.note == note)
        {
            return Ok(before);
        }
        let now = db::now();
        if let Some(s) = &standing {
            store::withdraw(conn, &s.id, now, "replaced by a new claim", &caller.id)?;
        }
        let row = OneYearExceptionRow {
            id: db::new_id(),
            case_id: case.id.clone(),
            kind: kind.as_str().to_string(),
            note,
            claimed_by: caller.id.clone(),
            claimed_at: now,
            withdrawn_at: None,
            withdrawn_reason: None,
            withdrawn_by: None,
        };
        store::insert(conn, &row)?;
        recompute::case_changed(conn, &case, ctx, "one-year exception claimed")?;
        let view = OneYearExceptionView::of(&case.id, Some(&row));
        let changes = audit::diff(&before.json(), &view.json());
        audit::record(
            conn,
            Some(&caller.id),
            "claim",
            "one_year_exception",
            &case.id,
            changes,
        )?;
        Ok(view)
    })
    .await
}

/// Withdraws the standing claim of a visible case (kept, with when, why and by whom). With none
/// standing there is nothing to withdraw: the answer is the empty claim and nothing is written.
pub async fn withdraw(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    reason: String,
) -> AppResult<OneYearExceptionView> {
    let caller = caller.clone();
    in_transaction(app, move |conn, ctx| {
        let case = cases::find_for_write(conn, &case_id, &scope(&caller))?;
        let Some(standing) = store::standing(conn, &case.id)? else {
            return Ok(OneYearExceptionView::of(&case.id, None));
        };
        store::withdraw(conn, &standing.id, db::now(), &reason, &caller.id)?;
        recompute::case_changed(conn, &case, ctx, "one-year exception withdrawn")?;
        let before = OneYearExceptionView::of(&case.id, Some(&standing));
        let view = OneYearExceptionView::of(&case.id, None);
        let mut changes = audit::diff(&before.json(), &view.json());
        if let Some(o) = changes.as_object_mut() {
            o.insert("reason".into(), serde_json::Value::String(reason));
        }
        audit::record(
            conn,
            Some(&caller.id),
            "withdraw",
            "one_year_exception",
            &case.id,
            changes,
        )?;
        Ok(view)
    })
    .await
}
