//! Use cases for cases: open, list, read and change a case, and the court list. A case is seen
//! only through the caller's scope (404 otherwise); its assignments are in `assignments`.

use crate::service::in_transaction;
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use super::assignments::check_assignee;
use super::{org_today, recompute};
use crate::auth::extract::AuthUser;
use crate::auth::policy::{assigned_on_create, may_name_assignees, scope};
use crate::db::cases::{self, Case, CaseChanges, CaseFilter};
use crate::db::page::{ser_instant, Page};
use crate::db::scope::Scope;
use crate::db::{self, audit, clients, run_db, DbConnection};
use crate::domain::charging::NoticeToAppear;
use crate::domain::vocab::{AssignmentRole, CaseKind, CaseStatus, ClosedReason};
use crate::error::{AppError, AppResult, Fields};
use crate::http::list::List;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentView {
    pub user_id: String,
    /// `lawyer` or `caseworker`.
    #[schema(value_type = AssignmentRole)]
    pub role: String,
    /// The assignee's name, for showing who works on the case.
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: String,
    /// Human reference such as `C-2026-0042`; used instead of the client's name in e-mail.
    pub reference: String,
    pub client_id: String,
    #[schema(value_type = CaseKind)]
    pub kind: String,
    pub court_code: Option<String>,
    /// Follows the recorded events; see the case status rules in README.
    #[schema(value_type = CaseStatus)]
    pub status: String,
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    /// Why the case was closed; null while it is open.
    #[schema(value_type = Option<ClosedReason>)]
    pub closed_reason: Option<String>,
    /// A person's note on the closing; null while the case is open or when none was given.
    pub closed_note: Option<String>,
    /// When DHS issued the Notice to Appear (the charging document); null while not known.
    pub nta_issued_on: Option<NaiveDate>,
    /// When the NTA was served on the client.
    pub nta_served_on: Option<NaiveDate>,
    /// When the NTA was filed with the immigration court: removal proceedings begin then (8 CFR
    /// 1003.14(a)).
    pub nta_filed_on: Option<NaiveDate>,
    /// Whether the NTA named the time and place of the first hearing; one that did not does not
    /// stop the continuous-residence clock (Pereira v. Sessions, 2018; Niz-Chavez v. Garland,
    /// 2021). Null while not known.
    pub nta_time_and_place: Option<bool>,
    pub assignments: Vec<AssignmentView>,
    /// Whether the client is in custody on this case: it has a custody period with no release
    /// (`GET /api/v1/cases/{id}/custody`).
    pub detained: bool,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub updated_at: NaiveDateTime,
}

impl CaseView {
    pub(super) fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// Case rows with their assignments and the assignees' names, in one extra query for the whole
/// page.
fn views(conn: &mut DbConnection, rows: &[Case]) -> AppResult<Vec<CaseView>> {
    let ids: Vec<String> = rows.iter().map(|c| c.id.clone()).collect();
    let all = cases::assignments(conn, &ids)?;
    Ok(rows
        .iter()
        .map(|c| CaseView {
            id: c.id.clone(),
            reference: c.reference.clone(),
            client_id: c.client_id.clone(),
            kind: c.kind.clone(),
            court_code: c.court_code.clone(),
            status: c.status.clone(),
            opened_on: c.opened_on,
            closed_on: c.closed_on,
            closed_reason: c.closed_reason.clone(),
            closed_note: c.closed_note.clone(),
            nta_issued_on: c.nta_issued_on,
            nta_served_on: c.nta_served_on,
            nta_filed_on: c.nta_filed_on,
            nta_time_and_place: c.nta_time_and_place,
            assignments: all
                .iter()
                .filter(|(a, _)| a.case_id == c.id)
                .map(|(a, name)| AssignmentView {
                    user_id: a.user_id.clone(),
                    role: a.role.clone(),
                    name: name.clone(),
                })
                .collect(),
            detained: c.detained,
            created_at: c.created_at,
            updated_at: c.updated_at,
        })
        .collect())
}

/// One case with its assignments.
pub fn view(conn: &mut DbConnection, case: &Case) -> AppResult<CaseView> {
    views(conn, std::slice::from_ref(case))?
        .pop()
        .ok_or(AppError::NotFound)
}

/// The court's code when `code` names a court of the list; else the message for `court_code`.
pub fn known_court(app: &AppState, code: &str) -> Result<String, &'static str> {
    app.court(code)
        .map(|c| c.code.clone())
        .ok_or("is not a known court; see GET /api/v1/courts")
}

/// A case to open, as parsed: `court_code` is a known court, required when defensive.
#[derive(Debug)]
pub struct NewCase {
    pub client_id: String,
    pub kind: CaseKind,
    pub court_code: Option<String>,
    pub lawyer_ids: Vec<String>,
    pub caseworker_ids: Vec<String>,
    /// When the case began; default today.
    pub opened_on: Option<NaiveDate>,
    /// The Notice to Appear as far as known (no date in the future).
    pub nta: NoticeToAppear,
}

/// 422 naming each date of the Notice to Appear out of order ([`NoticeToAppear::order_errors`]:
/// served and filed no earlier than issued, 8 CFR 1003.14(a)). A date out of order that this
/// request did not set (`given` says which it did) was already recorded: then the new issue
/// date is the one named.
fn nta_in_order(nta: &NoticeToAppear, given: impl Fn(&str) -> bool) -> AppResult<()> {
    let mut errors = Fields::new();
    for (field, message) in nta.order_errors() {
        if given(field) {
            errors.push(field, message);
        } else {
            errors.push(
                "nta_issued_on",
                format!("must not be after the recorded {field}"),
            );
        }
    }
    errors.finish()
}

/// Changes to a case's Notice to Appear, as parsed (no date in the future): `None` leaves a
/// part, `Some(None)` clears it.
#[derive(Debug, Default, Clone, Copy)]
pub struct NtaUpdate {
    pub issued_on: Option<Option<NaiveDate>>,
    pub served_on: Option<Option<NaiveDate>>,
    pub filed_on: Option<Option<NaiveDate>>,
    pub time_and_place: Option<Option<bool>>,
}

impl NtaUpdate {
    /// `nta` with these changes made.
    pub fn apply(&self, nta: NoticeToAppear) -> NoticeToAppear {
        NoticeToAppear {
            issued_on: self.issued_on.unwrap_or(nta.issued_on),
            served_on: self.served_on.unwrap_or(nta.served_on),
            filed_on: self.filed_on.unwrap_or(nta.filed_on),
            time_and_place: self.time_and_place.unwrap_or(nta.time_and_place),
        }
    }
}

/// Opens a case for a client the caller sees. The named users are assigned, and the creator too
/// unless an admin; 403 when the caller may not name others; 422 names the first assignee that
/// cannot be assigned.
pub async fn create(app: &AppState, caller: &AuthUser, new: NewCase) -> AppResult<CaseView> {
    let named = new.lawyer_ids.iter().chain(&new.caseworker_ids);
    may_name_assignees(caller, named.map(String::as_str))?;
    nta_in_order(&new.nta, |_| true)?;
    let today = org_today(&app.settings);
    let caller = caller.clone();
    in_transaction(app, move |conn, ctx| {
        let client = clients::find(conn, &new.client_id, &scope(&caller))
            .map_err(|_| AppError::field("client_id", "names no client you can see"))?;
        if client.archived {
            return Err(AppError::field(
                "client_id",
                "the client is archived; restore it first",
            ));
        }
        let mut assign: Vec<(String, AssignmentRole)> = Vec::new();
        for (ids, role, field) in [
            (&new.lawyer_ids, AssignmentRole::Lawyer, "lawyer_ids"),
            (
                &new.caseworker_ids,
                AssignmentRole::Caseworker,
                "caseworker_ids",
            ),
        ] {
            for (i, id) in ids.iter().enumerate() {
                check_assignee(conn, id, role, &format!("{field}[{i}]"))?;
                assign.push((id.clone(), role));
            }
        }
        if let Some(role) = assigned_on_create(&caller) {
            if !assign.iter().any(|(id, _)| *id == caller.id) {
                assign.push((caller.id.clone(), role));
            }
        }
        let id = db::new_id();
        let reference = cases::next_reference(conn, today.year())?;
        let case = cases::insert(
            conn,
            &cases::NewCase {
                id: &id,
                reference: &reference,
                client_id: &client.id,
                kind: new.kind.as_str(),
                court_code: new.court_code.as_deref(),
                status: CaseStatus::Intake.as_str(),
                opened_on: new.opened_on.unwrap_or(today),
                created_by: &caller.id,
                nta: new.nta,
            },
        )?;
        for (uid, role) in &assign {
            cases::assign(conn, &id, uid, role.as_str(), Some(&caller.id))?;
        }
        recompute::case_changed(conn, &case, ctx, "case opened")?;
        let fresh = cases::find(conn, &id, &Scope::Internal)?;
        let v = view(conn, &fresh)?;
        audit::record(
            conn,
            Some(&caller.id),
            "create",
            "case",
            &id,
            audit::created(&v.json()),
        )?;
        Ok(v)
    })
    .await
}

/// Whose assignments a case list keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignee {
    /// The caller.
    Me,
    User(String),
}

/// What a case list filters on, besides visibility.
#[derive(Debug, Default)]
pub struct CaseListFilter {
    pub assigned_to: Option<Assignee>,
    pub status: Option<CaseStatus>,
    pub court_code: Option<String>,
    pub client_id: Option<String>,
    pub closed_reason: Option<ClosedReason>,
    pub detained: Option<bool>,
}

/// Visible cases, oldest first.
pub async fn list(
    app: &AppState,
    caller: &AuthUser,
    filter: CaseListFilter,
    page: Page,
) -> AppResult<List<CaseView>> {
    let filter = CaseFilter {
        assigned_to: filter.assigned_to.map(|a| match a {
            Assignee::Me => caller.id.clone(),
            Assignee::User(id) => id,
        }),
        status: filter.status.map(|s| s.as_str().to_string()),
        court_code: filter.court_code,
        client_id: filter.client_id,
        closed_reason: filter.closed_reason.map(|r| r.as_str().to_string()),
        detained: filter.detained,
    };
    let scope = scope(caller);
    let (items, next) = run_db(&app.pool, move |conn| {
        let (rows, next) = cases::list(conn, &scope, &filter, &page)?;
        Ok((views(conn, &rows)?, next))
    })
    .await?;
    Ok(List::page(items, next))
}

/// A visible case (404 otherwise).
pub async fn get(app: &AppState, caller: &AuthUser, id: String) -> AppResult<CaseView> {
    let scope = scope(caller);
    run_db(&app.pool, move |conn| {
        let case = cases::find(conn, &id, &scope)?;
        view(conn, &case)
    })
    .await
}

/// Closing or reopening a case; its other statuses follow its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closing {
    /// Closes the case (or, when it is closed already, replaces its reason and note), with the
    /// reason, always, and a note (trimmed, not blank), if any.
    Close {
        reason: ClosedReason,
        note: Option<String>,
    },
    /// Reopens it; the reason and note are cleared.
    Reopen,
}

/// Changes to a case, as parsed: `None` leaves a field; `court_code` is a known court.
#[derive(Debug, Default)]
pub struct CaseUpdate {
    pub kind: Option<CaseKind>,
    pub court_code: Option<Option<String>>,
    pub closing: Option<Closing>,
    pub opened_on: Option<NaiveDate>,
    pub nta: NtaUpdate,
}

/// Changes a visible case's kind, court or Notice to Appear, closes or reopens it (404 when not
/// visible; 422 when a defensive case would be left without a court, or when the NTA's dates,
/// the stored ones with the changes made, are out of order). Closing drops the case's pending reminders
/// and reopening plans them again, in the same transaction; a case closed again keeps the day
/// it was first closed on.
pub async fn update(
    app: &AppState,
    caller: &AuthUser,
    id: String,
    update: CaseUpdate,
) -> AppResult<CaseView> {
    let today = org_today(&app.settings);
    let mut changes = CaseChanges {
        kind: update.kind.map(|k| k.as_str().to_string()),
        court_code: update.court_code,
        opened_on: update.opened_on,
        nta_issued_on: update.nta.issued_on,
        nta_served_on: update.nta.served_on,
        nta_filed_on: update.nta.filed_on,
        nta_time_and_place: update.nta.time_and_place,
        ..Default::default()
    };
    let caller = caller.clone();
    in_transaction(app, move |conn, ctx| {
        let before = cases::find_for_write(conn, &id, &scope(&caller))?;
        let before_view = view(conn, &before)?;
        match &update.closing {
            Some(Closing::Close { reason, note }) => {
                changes.closed = Some(true);
                if !before.closed {
                    changes.closed_on = Some(Some(today));
                }
                changes.closed_reason = Some(Some(reason.as_str().to_string()));
                changes.closed_note = Some(note.clone());
            }
            Some(Closing::Reopen) => {
                changes.closed = Some(false);
                changes.closed_on = Some(None);
                changes.closed_reason = Some(None);
                changes.closed_note = Some(None);
            }
            None => {}
        }
        let nta = update.nta;
        nta_in_order(&nta.apply(before.nta()), |field| match field {
            "nta_served_on" => nta.served_on.is_some(),
            "nta_filed_on" => nta.filed_on.is_some(),
            _ => true,
        })?;
        let kind = changes.kind.clone().unwrap_or_else(|| before.kind.clone());
        let court = changes
            .court_code
            .clone()
            .unwrap_or_else(|| before.court_code.clone());
        if kind == CaseKind::Defensive.as_str() && court.is_none() {
            return Err(AppError::field(
                "court_code",
                "is required for a defensive case",
            ));
        }
        cases::update(conn, &id, changes)?;
        let after = cases::find(conn, &id, &Scope::Internal)?;
        recompute::case_changed(conn, &after, ctx, "case updated")?;
        if after.closed != before.closed {
            recompute::following_changed(conn, &id, ctx)?;
        }
        let fresh = cases::find(conn, &id, &Scope::Internal)?;
        let after_view = view(conn, &fresh)?;
        audit::record_update(
            conn,
            &caller.id,
            "case",
            &id,
            &before_view.json(),
            &after_view.json(),
        )?;
        Ok(after_view)
    })
    .await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CourtView {
    /// Stable slug, e.g. `el-paso`.
    pub code: String,
    pub name: String,
    pub city: String,
    pub state: String,
    /// IANA time zone.
    pub time_zone: String,
    pub detained_only: bool,
}

/// The immigration courts, whole: the list is short.
pub fn courts(app: &AppState) -> List<CourtView> {
    List::all(
        app.courts
            .iter()
            .map(|c| CourtView {
                code: c.code.clone(),
                name: c.name.clone(),
                city: c.city.clone(),
                state: c.state.clone(),
                time_zone: c.time_zone_name().to_string(),
                detained_only: c.detained_only,
            })
            .collect(),
    )
}
