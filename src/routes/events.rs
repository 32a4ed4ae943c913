//! HTTP for the facts of a case: filings, EAD clock events and decisions. Bodies are parsed here
//! (every field error at once); recording and listing are `service::events`.

use actix_web::{get, post, web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::db::page::{Page, PageParams};
use crate::domain::dates::Day;
use crate::domain::deadlines::reopen_basis_fits;
use crate::domain::ead_clock::ClockKind;
use crate::domain::identifiers;
use crate::domain::vocab::{Authority, DecisionKind, FilingStatus, Form};
use crate::error::{AppResult, Fields};
use crate::http::body::{ApiJson, Whole};
use crate::http::list::List;
use crate::service::events::{
    self, clock_kind_schema, ClockEventView, DecisionView, FilingView, NewClockEvent, NewDecision,
    NewFiling,
};
use crate::service::org_today;
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_filing)
        .service(list_filings)
        .service(create_clock_event)
        .service(list_clock_events)
        .service(create_decision)
        .service(list_decisions);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilingRequest {
    /// `I-589`, `I-765`, `EOIR-26`, `motion_to_reopen`, `motion_to_reconsider`,
    /// `petition_for_review` or `other`.
    #[schema(value_type = Form)]
    pub form: String,
    pub filed_on: Day,
    /// USCIS receipt number: 3 letters and 10 digits; dashes and spaces are dropped.
    #[schema(
        pattern = "^[ \\t\\n\\r]*$|^[ \\t\\n\\r]*[- ]*(?:[A-Za-z][- ]*){3}(?:[0-9][- ]*){10}[ \\t\\n\\r]*$"
    )]
    pub receipt_number: Option<String>,
    /// I-765 only.
    pub approved_on: Option<Day>,
    /// I-765 only: the card's expiry.
    pub valid_until: Option<Day>,
    /// `pending` (the default), `accepted`, `rejected`, `approved` (the default with
    /// `approved_on`) or `denied`. A rejected I-589 does not start the EAD clock.
    #[schema(value_type = Option<FilingStatus>)]
    pub status: Option<String>,
    /// The date of the status (receipt, rejection or decision notice); not before `filed_on`.
    pub status_on: Option<Day>,
    /// `motion_to_reopen` only: the motion rests on changed country conditions, which has no
    /// time limit (8 CFR 1003.2(c)(3)(ii), 1003.23(b)(4)(i)). Default false.
    pub changed_country_conditions: Option<bool>,
}

impl FilingRequest {
    /// `today` is the organisation's: a filing is never in the future.
    fn parse(self, today: NaiveDate) -> AppResult<NewFiling> {
        let mut errors = Fields::new();
        let form = errors.check("form", Form::parse(&self.form).ok_or_else(Form::allowed));
        let status = self.status.as_deref().and_then(|s| {
            errors.check(
                "status",
                FilingStatus::parse(s).ok_or_else(FilingStatus::allowed),
            )
        });
        if let Some(on) = self.status_on {
            if on < self.filed_on || on > today {
                errors.push("status_on", "must be between filed_on and today");
            }
        }
        if self.filed_on > today {
            errors.push("filed_on", "must not be in the future");
        }
        let receipt_number = self
            .receipt_number
            .as_deref()
            .filter(|r| !r.trim().is_empty())
            .and_then(|r| {
                let normalized = identifiers::normalize_receipt_number(r).map_err(|e| e.message());
                errors.check("receipt_number", normalized)
            });
        if form != Some(Form::I765) {
            for (field, present) in [
                ("approved_on", self.approved_on.is_some()),
                ("valid_until", self.valid_until.is_some()),
            ] {
                if present {
                    errors.push(field, "only an I-765 filing carries it");
                }
            }
        }
        let changed_country_conditions = self.changed_country_conditions.unwrap_or(false);
        if let Some(form) = form {
            if let Err(message) = reopen_basis_fits(form, changed_country_conditions) {
                errors.push("changed_country_conditions", message);
            }
        }
        if self.approved_on.is_some_and(|a| a < self.filed_on) {
            errors.push("approved_on", "must not be before filed_on");
        }
        if let Some(v) = self.valid_until {
            if v <= self.approved_on.unwrap_or(self.filed_on) {
                errors.push("valid_until", "must be after the approval (or filing) date");
            }
        }
        errors.done(form.map(|form| NewFiling {
            form,
            filed_on: self.filed_on.date(),
            receipt_number,
            approved_on: self.approved_on.map(Day::date),
            valid_until: self.valid_until.map(Day::date),
            status,
            status_on: self.status_on.map(Day::date),
            changed_country_conditions,
        }))
    }
}

/// Record a filing. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    request_body = FilingRequest,
    responses(
        (status = 201, body = FilingView),
        crate::http::doc::Conflict
    ),
    tag = "case events"
)]
#[post("/cases/{id}/filings")]
pub async fn create_filing(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<FilingRequest>,
) -> AppResult<HttpResponse> {
    let input = body.0.parse(org_today(&state.settings))?;
    let view = events::create_filing(&state, &user, id.into_inner(), input).await?;
    Ok(HttpResponse::Created().json(view))
}

/// A visible case's filings, oldest first. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id"), PageParams),
    responses(
        (status = 200, body = List<FilingView>)
    ),
    tag = "case events"
)]
#[get("/cases/{id}/filings")]
pub async fn list_filings(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    q: web::Query<PageParams>,
) -> AppResult<HttpResponse> {
    let page = Page::try_from(&q.into_inner())?;
    let list = events::filings(&state, &user, id.into_inner(), page).await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockEventRequest {
    /// `stop` or `resume`.
    #[schema(schema_with = clock_kind_schema)]
    pub kind: String,
    pub on: Day,
    /// Why the clock stopped or resumed (e.g. "applicant asked to reschedule the interview").
    /// Trimmed; 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

impl ClockEventRequest {
    fn parse(self, today: NaiveDate) -> AppResult<NewClockEvent> {
        let mut errors = Fields::new();
        let kind = errors.check(
            "kind",
            ClockKind::parse(&self.kind).ok_or("must be one of stop, resume"),
        );
        let reason = self.reason.trim().to_string();
        if reason.is_empty() || reason.chars().count() > 500 {
            errors.push("reason", "must be 1 to 500 characters");
        }
        if self.on > today {
            errors.push("on", "must not be in the future");
        }
        errors.done(kind.map(|kind| NewClockEvent {
            kind,
            on: self.on.date(),
            reason,
        }))
    }
}

/// Stop or resume the EAD clock. Visible cases only. A stop before the I-589 filing, a resume
/// without an open stop, or an event out of date order is 422.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    request_body = ClockEventRequest,
    responses(
        (status = 201, body = ClockEventView)
    ),
    tag = "case events"
)]
#[post("/cases/{id}/clock-events")]
pub async fn create_clock_event(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<ClockEventRequest>,
) -> AppResult<HttpResponse> {
    let input = body.0.parse(org_today(&state.settings))?;
    let view = events::create_clock_event(&state, &user, id.into_inner(), input).await?;
    Ok(HttpResponse::Created().json(view))
}

/// A visible case's clock events, in date order. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id"), PageParams),
    responses(
        (status = 200, body = List<ClockEventView>)
    ),
    tag = "case events"
)]
#[get("/cases/{id}/clock-events")]
pub async fn list_clock_events(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    q: web::Query<PageParams>,
) -> AppResult<HttpResponse> {
    let page = Page::try_from(&q.into_inner())?;
    let list = events::clock_events(&state, &user, id.into_inner(), page).await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    #[schema(value_type = DecisionKind)]
    pub kind: String,
    /// `immigration_judge`, `bia` or `uscis`.
    #[schema(value_type = Authority)]
    pub authority: String,
    /// The date of the oral decision, or of the mailing of the written one.
    pub decided_on: Day,
    /// Required with `voluntary_departure` (1 to 120).
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 120)]
    pub voluntary_departure_days: Option<Whole<i32>>,
    pub appeal_waived: Option<bool>,
}

impl DecisionRequest {
    fn parse(self, today: NaiveDate) -> AppResult<NewDecision> {
        let mut errors = Fields::new();
        let kind = errors.check(
            "kind",
            DecisionKind::parse(&self.kind).ok_or_else(DecisionKind::allowed),
        );
        let authority = errors.check(
            "authority",
            Authority::parse(&self.authority).ok_or_else(Authority::allowed),
        );
        if self.decided_on > today {
            errors.push("decided_on", "must not be in the future");
        }
        let days = "voluntary_departure_days";
        let given = self.voluntary_departure_days.map(|w| w.0);
        match (kind, given) {
            (Some(DecisionKind::VoluntaryDeparture), None) => {
                errors.push(days, "is required for a grant of voluntary departure")
            }
            (Some(DecisionKind::VoluntaryDeparture), Some(n)) if !(1..=120).contains(&n) => {
                errors.push(days, "must be between 1 and 120 (INA 240B)")
            }
            (Some(k), Some(_)) if k != DecisionKind::VoluntaryDeparture => {
                errors.push(days, "only a voluntary_departure decision carries it")
            }
            _ => {}
        }
        errors.done(kind.zip(authority).map(|(kind, authority)| NewDecision {
            kind,
            authority,
            decided_on: self.decided_on.date(),
            voluntary_departure_days: given,
            appeal_waived: self.appeal_waived.unwrap_or(false),
        }))
    }
}

/// Record a decision. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    request_body = DecisionRequest,
    responses(
        (status = 201, body = DecisionView)
    ),
    tag = "case events"
)]
#[post("/cases/{id}/decisions")]
pub async fn create_decision(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<DecisionRequest>,
) -> AppResult<HttpResponse> {
    let input = body.0.parse(org_today(&state.settings))?;
    let view = events::create_decision(&state, &user, id.into_inner(), input).await?;
    Ok(HttpResponse::Created().json(view))
}

/// A visible case's decisions, oldest first. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id"), PageParams),
    responses(
        (status = 200, body = List<DecisionView>)
    ),
    tag = "case events"
)]
#[get("/cases/{id}/decisions")]
pub async fn list_decisions(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    q: web::Query<PageParams>,
) -> AppResult<HttpResponse> {
    let page = Page::try_from(&q.into_inner())?;
    let list = events::decisions(&state, &user, id.into_inner(), page).await?;
    Ok(HttpResponse::Ok().json(list))
}
