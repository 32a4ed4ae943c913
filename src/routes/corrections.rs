//! HTTP for correcting the record: `PATCH` (correct) and `DELETE` (withdraw, kept in history) of
//! filings, clock events and decisions, each with a required `reason`. Bodies are parsed here
//! (every field error at once); the work is `service::corrections`.

use actix_web::{delete, patch, web, HttpResponse};
use chrono::NaiveDate;

use crate::domain::dates::Day;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::domain::ead_clock::ClockKind;
use crate::domain::identifiers;
use crate::domain::vocab::{Authority, DecisionKind, FilingStatus, Form};
use crate::error::{AppResult, Fields};
use crate::http::body::{nullable, ApiJson, Whole};
use crate::http::doc::Conflict;
use crate::http::reason::{reason, WithdrawRequest};
use crate::service::corrections::{self, ClockEventEdit, DecisionEdit, FilingEdit};
use crate::service::events::{clock_kind_schema, ClockEventView, DecisionView, FilingView};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(patch_filing)
        .service(delete_filing)
        .service(patch_clock_event)
        .service(delete_clock_event)
        .service(patch_decision)
        .service(delete_decision);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilingPatch {
    #[schema(value_type = Option<Form>)]
    pub form: Option<String>,
    pub filed_on: Option<Day>,
    /// USCIS receipt number: 3 letters and 10 digits; dashes and spaces are dropped; null clears.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(
        value_type = Option<String>,
        pattern = "^[ \\t\\n\\r]*[- ]*(?:[A-Za-z][- ]*){3}(?:[0-9][- ]*){10}[ \\t\\n\\r]*$"
    )]
    pub receipt_number: Option<Option<String>>,
    /// `pending`, `accepted`, `rejected`, `approved` or `denied`. A rejected I-589 does not start
    /// the EAD clock.
    #[schema(value_type = Option<FilingStatus>)]
    pub status: Option<String>,
    /// The date of the status; null clears.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Day>)]
    pub status_on: Option<Option<Day>>,
    /// I-765 only: the approval date (sets `status` to `approved` unless a status is given).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Day>)]
    pub approved_on: Option<Option<Day>>,
    /// I-765 only: the card's expiry.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Day>)]
    pub valid_until: Option<Option<Day>>,
    /// `motion_to_reopen` only: the motion rests on changed country conditions (no time limit,
    /// 8 CFR 1003.2(c)(3)(ii), 1003.23(b)(4)(i)).
    pub changed_country_conditions: Option<bool>,
    /// Why the record is corrected (kept in the audit log). Trimmed; 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

impl FilingPatch {
    fn parse(self) -> AppResult<(FilingEdit, String)> {
        let mut errors = Fields::new();
        let form = self
            .form
            .as_deref()
            .and_then(|f| errors.check("form", Form::parse(f).ok_or_else(Form::allowed)));
        let status = self.status.as_deref().and_then(|s| {
            errors.check(
                "status",
                FilingStatus::parse(s).ok_or_else(FilingStatus::allowed),
            )
        });
        let receipt_number = self.receipt_number.map(|r| {
            r.filter(|r| !r.trim().is_empty()).and_then(|r| {
                let normalized = identifiers::normalize_receipt_number(&r).map_err(|e| e.message());
                errors.check("receipt_number", normalized)
            })
        });
        let why = reason(&self.reason, &mut errors);
        errors.finish()?;
        let edit = FilingEdit {
            form,
            filed_on: self.filed_on.map(Day::date),
            receipt_number,
            status,
            status_on: self.status_on.map(|d| d.map(Day::date)),
            approved_on: self.approved_on.map(|d| d.map(Day::date)),
            valid_until: self.valid_until.map(|d| d.map(Day::date)),
            changed_country_conditions: self.changed_country_conditions,
        };
        Ok((edit, why))
    }
}

/// Correct a filing (its date, form, receipt number, status, or an I-765's approval). Recomputes
/// the case's deadlines and re-plans reminders; audited with the reason. Visible cases only; a
/// withdrawn filing or a receipt number already recorded is 409.
#[utoipa::path(
    params(("id" = String, Path, description = "Filing id")),
    request_body = FilingPatch,
    responses(
        (status = 200, body = FilingView),
        Conflict
    ),
    tag = "case events"
)]
#[patch("/filings/{id}")]
pub async fn patch_filing(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<FilingPatch>,
) -> AppResult<HttpResponse> {
    let (edit, why) = body.0.parse()?;
    let view = corrections::correct_filing(&state, &user, id.into_inner(), edit, why).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Withdraw a filing: kept in the case's list with `withdrawn_at` and `withdrawn_reason`, no
/// longer read by the deadline rules. Visible cases only; already withdrawn is 409.
#[utoipa::path(
    params(("id" = String, Path, description = "Filing id")),
    request_body = WithdrawRequest,
    responses(
        (status = 200, body = FilingView),
        Conflict
    ),
    tag = "case events"
)]
#[delete("/filings/{id}")]
pub async fn delete_filing(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<WithdrawRequest>,
) -> AppResult<HttpResponse> {
    let why = body.0.parse()?;
    let view = corrections::withdraw_filing(&state, &user, id.into_inner(), why).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockEventPatch {
    /// `stop` or `resume`.
    #[schema(schema_with = clock_kind_schema, required = false)]
    pub kind: Option<String>,
    pub on: Option<Day>,
    /// A new text for the event's own reason (why the clock stopped or resumed). Trimmed; 1 to
    /// 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub event_reason: Option<String>,
    /// Why the record is corrected (kept in the audit log). Trimmed; 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

impl ClockEventPatch {
    fn parse(self, today: NaiveDate) -> AppResult<(ClockEventEdit, String)> {
        let mut errors = Fields::new();
        let kind = self.kind.as_deref().and_then(|k| {
            errors.check(
                "kind",
                ClockKind::parse(k).ok_or("must be one of stop, resume"),
            )
        });
        if self.on.is_some_and(|on| on.date() > today) {
            errors.push("on", "must not be in the future");
        }
        let event_reason = self.event_reason.map(|r| {
            let r = r.trim().to_string();
            if r.is_empty() || r.chars().count() > 500 {
                errors.push("event_reason", "must be 1 to 500 characters");
            }
            r
        });
        let why = reason(&self.reason, &mut errors);
        errors.finish()?;
        let edit = ClockEventEdit {
            kind,
            on: self.on.map(Day::date),
            event_reason,
        };
        Ok((edit, why))
    }
}

/// Correct an EAD clock event (its kind, date or stated reason); the case's events must still
/// make a valid clock (422). Recomputes and audits as for a filing. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Clock event id")),
    request_body = ClockEventPatch,
    responses(
        (status = 200, body = ClockEventView),
        Conflict
    ),
    tag = "case events"
)]
#[patch("/clock-events/{id}")]
pub async fn patch_clock_event(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<ClockEventPatch>,
) -> AppResult<HttpResponse> {
    let (edit, why) = body.0.parse(crate::service::org_today(&state.settings))?;
    let view = corrections::correct_clock_event(&state, &user, id.into_inner(), edit, why).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Withdraw an EAD clock event (kept in history); 422 when the events left would not make a
/// valid clock (a resume whose stop is withdrawn). Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Clock event id")),
    request_body = WithdrawRequest,
    responses(
        (status = 200, body = ClockEventView),
        Conflict
    ),
    tag = "case events"
)]
#[delete("/clock-events/{id}")]
pub async fn delete_clock_event(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<WithdrawRequest>,
) -> AppResult<HttpResponse> {
    let why = body.0.parse()?;
    let view = corrections::withdraw_clock_event(&state, &user, id.into_inner(), why).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionPatch {
    #[schema(value_type = Option<DecisionKind>)]
    pub kind: Option<String>,
    #[schema(value_type = Option<Authority>)]
    pub authority: Option<String>,
    pub decided_on: Option<Day>,
    /// With `voluntary_departure` only (1 to 120); null clears.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 120)]
    pub voluntary_departure_days: Option<Option<Whole<i32>>>,
    pub appeal_waived: Option<bool>,
    /// Why the record is corrected (kept in the audit log). Trimmed; 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

impl DecisionPatch {
    fn parse(self) -> AppResult<(DecisionEdit, String)> {
        let mut errors = Fields::new();
        let kind = self.kind.as_deref().and_then(|k| {
            errors.check(
                "kind",
                DecisionKind::parse(k).ok_or_else(DecisionKind::allowed),
            )
        });
        let authority = self.authority.as_deref().and_then(|a| {
            errors.check(
                "authority",
                Authority::parse(a).ok_or_else(Authority::allowed),
            )
        });
        let why = reason(&self.reason, &mut errors);
        errors.finish()?;
        let edit = DecisionEdit {
            kind,
            authority,
            decided_on: self.decided_on.map(Day::date),
            voluntary_departure_days: self.voluntary_departure_days.map(|d| d.map(|w| w.0)),
            appeal_waived: self.appeal_waived,
        };
        Ok((edit, why))
    }
}

/// Correct a decision (kind, authority, date, voluntary departure days, appeal waived).
/// Recomputes and audits as for a filing. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Decision id")),
    request_body = DecisionPatch,
    responses(
        (status = 200, body = DecisionView),
        Conflict
    ),
    tag = "case events"
)]
#[patch("/decisions/{id}")]
pub async fn patch_decision(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<DecisionPatch>,
) -> AppResult<HttpResponse> {
    let (edit, why) = body.0.parse()?;
    let view = corrections::correct_decision(&state, &user, id.into_inner(), edit, why).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Withdraw a decision (kept in history); its deadlines are superseded. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Decision id")),
    request_body = WithdrawRequest,
    responses(
        (status = 200, body = DecisionView),
        Conflict
    ),
    tag = "case events"
)]
#[delete("/decisions/{id}")]
pub async fn delete_decision(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<WithdrawRequest>,
) -> AppResult<HttpResponse> {
    let why = body.0.parse()?;
    let view = corrections::withdraw_decision(&state, &user, id.into_inner(), why).await?;
    Ok(HttpResponse::Ok().json(view))
}
