//! Family members of a case (the client's spouse and children, who may be derivatives on the
//! I-589, INA 208(b)(3)(A)): record, list, correct and remove (kept in history, never deleted).
//! Each write is one transaction under the case's writer lock that recomputes the case's
//! deadlines (a child's `derivative_age_out`), re-plans reminders and is audited. Visible cases
//! only, as for filings: anything else is 404 as if absent; a removed member is not changed
//! again (409).

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use super::{in_transaction, recompute};
use crate::auth::extract::AuthUser;
use crate::auth::policy::scope;
use crate::db::family::{self, FamilyMember};
use crate::db::page::{ser_instant, ser_opt_instant, Page};
use crate::db::{self, audit, cases, run_db, DbConnection};
use crate::domain::deadlines::turns_21_on;
use crate::domain::vocab::Relationship;
use crate::error::{AppError, AppResult};
use crate::http::list::List;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct FamilyMemberView {
    pub id: String,
    pub case_id: String,
    /// `spouse` or `child`.
    #[schema(value_type = Relationship)]
    pub relationship: String,
    pub given_name: String,
    pub family_name: String,
    pub native_name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    /// `A` and 9 digits.
    pub a_number: Option<String>,
    /// Included in the I-589 as a derivative (INA 208(b)(3)(A)).
    pub derivative: bool,
    pub in_united_states: bool,
    /// A child's 21st birthday (one born on Feb 29 turns 21 on Feb 28, the earlier, safer
    /// reading); the I-589 must be filed before it for the child to stay a derivative (the
    /// case's `derivative_age_out` deadline). Null for a spouse or without a date of birth.
    pub turns_21_on: Option<NaiveDate>,
    pub created_by: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub updated_at: NaiveDateTime,
    /// When the member was removed (`DELETE`); null while on the case. A removed member stays
    /// in the list and no longer counts for the deadline rules.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(serialize_with = "ser_opt_instant")]
    pub removed_at: Option<NaiveDateTime>,
    /// The reason given with the removal.
    pub removed_reason: Option<String>,
    /// Who removed the member (a user id).
    pub removed_by: Option<String>,
}

impl From<&FamilyMember> for FamilyMemberView {
    fn from(m: &FamilyMember) -> Self {
        let child = m.relationship == Relationship::Child.as_str();
        FamilyMemberView {
            id: m.id.clone(),
            case_id: m.case_id.clone(),
            relationship: m.relationship.clone(),
            given_name: m.given_name.clone(),
            family_name: m.family_name.clone(),
            native_name: m.native_name.clone(),
            date_of_birth: m.date_of_birth,
            a_number: m.a_number.clone(),
            derivative: m.derivative,
            in_united_states: m.in_united_states,
            turns_21_on: m.date_of_birth.filter(|_| child).and_then(turns_21_on),
            created_by: m.created_by.clone(),
            created_at: m.created_at,
            updated_at: m.updated_at,
            removed_at: m.removed_at,
            removed_reason: m.removed_reason.clone(),
            removed_by: m.removed_by.clone(),
        }
    }
}

impl FamilyMemberView {
    fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// A member's fields, already checked by the route (names trimmed, 1 to 200 characters; the
/// A-number normalised; the date of birth not in the future). On create, `relationship` and the
/// names are present and absent booleans are false; on correction each field given replaces the
/// stored one (`Some(None)` clears).
#[derive(Debug, Clone, Default)]
pub struct FamilyFields {
    pub relationship: Option<Relationship>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub native_name: Option<Option<String>>,
    pub date_of_birth: Option<Option<NaiveDate>>,
    pub a_number: Option<Option<String>>,
    pub derivative: Option<bool>,
    pub in_united_states: Option<bool>,
}

impl FamilyFields {
    fn apply(self, m: &mut FamilyMember) {
        if let Some(r) = self.relationship {
            m.relationship = r.as_str().to_string();
        }
        if let Some(n) = self.given_name {
            m.given_name = n;
        }
        if let Some(n) = self.family_name {
            m.family_name = n;
        }
        if let Some(n) = self.native_name {
            m.native_name = n;
        }
        if let Some(d) = self.date_of_birth {
            m.date_of_birth = d;
        }
        if let Some(a) = self.a_number {
            m.a_number = a;
        }
        m.derivative = self.derivative.unwrap_or(m.derivative);
        m.in_united_states = self.in_united_states.unwrap_or(m.in_united_states);
    }
}

/// Records a family member on a visible case.
pub async fn create(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    fields: FamilyFields,
) -> AppResult<FamilyMemberView> {
    let caller = caller.clone();
    in_transaction(app, move |conn, ctx| {
        let case = cases::find_for_write(conn, &case_id, &scope(&caller))?;
        let now = db::now();
        let mut row = FamilyMember {
            id: db::new_id(),
            case_id: case.id.clone(),
            relationship: Relationship::Child.as_str().to_string(),
            given_name: String::new(),
            family_name: String::new(),
            native_name: None,
            date_of_birth: None,
            a_number: None,
            derivative: false,
            in_united_states: false,
            created_by: caller.id.clone(),
            created_at: now,
            updated_at: now,
            removed_at: None,
            removed_reason: None,
            removed_by: None,
        };
        fields.apply(&mut row);
        family::insert(conn, &row)?;
        let because = format!("family member {} recorded", row.id);
        recompute::case_changed(conn, &case, ctx, &because)?;
        let view = FamilyMemberView::from(&row);
        audit::record(
            conn,
            Some(&caller.id),
            "create",
            "family_member",
            &row.id,
            audit::created(&view.json()),
        )?;
        Ok(view)
    })
    .await
}

/// A visible case's family members in the order recorded, removed ones included.
pub async fn list(
    app: &AppState,
    caller: &AuthUser,
    case_id: String,
    page: Page,
) -> AppResult<List<FamilyMemberView>> {
    let scope = scope(caller);
    let (items, next) = run_db(&app.pool, move |conn| {
        let case = cases::find(conn, &case_id, &scope)?;
        let (rows, next) = family::page_of_case(conn, &case.id, &page)?;
        Ok((rows.iter().map(FamilyMemberView::from).collect(), next))
    })
    .await?;
    Ok(List::page(items, next))
}

/// Finds a member, takes its case's writer lock (404 unless the case is visible), re-reads it
/// under the lock and refuses a removed one (409); then `write` changes it, the case is
/// recomputed and the change audited as `action`.
async fn amend<W>(
    app: &AppState,
    caller: &AuthUser,
    id: String,
    action: &'static str,
    write: W,
) -> AppResult<FamilyMemberView>
where
    W: FnOnce(&mut FamilyMember, &str) -> Option<String> + Send + 'static,
{
    let caller = caller.clone();
    in_transaction(app, move |conn: &mut DbConnection, ctx| {
        let case_id = family::find(conn, &id)?.case_id;
        let case = cases::find_for_write(conn, &case_id, &scope(&caller))?;
        let mut row = family::find(conn, &id)?;
        if row.removed_at.is_some() {
            return Err(AppError::conflict(
                "id",
                "this family member was removed; record them anew",
            ));
        }
        let before = FamilyMemberView::from(&row).json();
        let reason = write(&mut row, &caller.id);
        row.updated_at = db::now();
        family::update(conn, &row)?;
        let done = if action == "remove" {
            "removed"
        } else {
            "corrected"
        };
        recompute::case_changed(conn, &case, ctx, &format!("family member {id} {done}"))?;
        let view = FamilyMemberView::from(&row);
        let mut changes = audit::diff(&before, &view.json());
        if let Some(o) = changes.as_object_mut() {
            o.remove("updated_at");
            if let Some(r) = reason {
                o.insert("reason".into(), serde_json::Value::String(r));
            }
        }
        audit::record(
            conn,
            Some(&caller.id),
            action,
            "family_member",
            &id,
            changes,
        )?;
        Ok(view)
    })
    .await
}

/// Corrects a family member: each field given replaces the stored one.
pub async fn correct(
    app: &AppState,
    caller: &AuthUser,
    id: String,
    fields: FamilyFields,
) -> AppResult<FamilyMemberView> {
    amend(app, caller, id, "update", move |row, _| {
        fields.apply(row);
        None
    })
    .await
}

/// Removes a family member from the case: kept in its list with when, why and by whom; the rules
/// no longer read it (a child's `derivative_age_out` is superseded).
pub async fn remove(
    app: &AppState,
    caller: &AuthUser,
    id: String,
    reason: String,
) -> AppResult<FamilyMemberView> {
    amend(app, caller, id, "remove", move |row, by| {
        row.removed_at = Some(db::now());
        row.removed_reason = Some(reason.clone());
        row.removed_by = Some(by.to_string());
        Some(reason)
    })
    .await
}
