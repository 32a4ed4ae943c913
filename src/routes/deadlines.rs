//! Deadlines (computed and manual), the agenda and the EAD clock: parse the request, call
//! `service::deadlines`, respond.

use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};

use crate::auth::extract::AuthUser;
use crate::db::page::{Page, PageParams};
use crate::domain::dates::Day;
use crate::domain::vocab::{DeadlineKind, DeadlineStatus};
use crate::error::{AppResult, Fields};
use crate::http::body::{ApiJson, ApiQuery};
use crate::http::list::List;
use crate::service::deadlines::{
    self as service, AgendaDeadline, AgendaFilter, DeadlineView, EadClockView,
};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(case_deadlines)
        .service(create_manual)
        .service(mark_deadline)
        .service(agenda)
        .service(ead_clock_view);
}

/// A case's deadlines, soonest first (ties by id), one page. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id"), PageParams),
    responses(
        (status = 200, body = List<DeadlineView>)
    ),
    tag = "deadlines"
)]
#[get("/cases/{id}/deadlines")]
pub async fn case_deadlines(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    q: web::Query<PageParams>,
) -> AppResult<HttpResponse> {
    let page = Page::try_from(&q.into_inner())?;
    let list = service::of_case(&state, &user, id.into_inner(), page).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// The one kind a deadline added by hand may have, for the OpenAPI document.
fn manual_kind_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some([DeadlineKind::Other.as_str()]))
}

/// The statuses a person may set (`missed` follows from the date), for the OpenAPI document.
fn mark_status_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(
            [
                DeadlineStatus::Met,
                DeadlineStatus::Waived,
                DeadlineStatus::Open,
            ]
            .map(DeadlineStatus::as_str),
        ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualDeadline {
    /// Always `other`.
    #[schema(schema_with = manual_kind_schema)]
    pub kind: String,
    /// Trimmed; 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// `YYYY-MM-DD`, from 1900 to 2199.
    pub due_on: Day,
}

impl ManualDeadline {
    fn parse(self) -> AppResult<service::NewManual> {
        let mut errors = Fields::new();
        if self.kind != "other" {
            errors.push("kind", "must be other: the other kinds are computed");
        }
        let title = self.title.trim().to_string();
        if title.is_empty() || title.chars().count() > 200 {
            errors.push("title", "must be 1 to 200 characters");
        }
        errors.finish()?;
        Ok(service::NewManual {
            title,
            due_on: self.due_on.date(),
        })
    }
}

/// Add a deadline by hand (`kind: other`); recomputes never touch it. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    request_body = ManualDeadline,
    responses(
        (status = 201, body = DeadlineView)
    ),
    tag = "deadlines"
)]
#[post("/cases/{id}/deadlines")]
pub async fn create_manual(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<ManualDeadline>,
) -> AppResult<HttpResponse> {
    let input = body.0.parse()?;
    let v = service::create_manual(&state, &user, id.into_inner(), input).await?;
    Ok(HttpResponse::Created().json(v))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeadlineMark {
    /// `met` or `waived`; `open` takes a person's mark back.
    #[schema(schema_with = mark_status_schema)]
    pub status: String,
    /// Why (required for met and waived); at most 1000 characters once trimmed.
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

impl DeadlineMark {
    fn parse(self) -> AppResult<service::Mark> {
        let mut errors = Fields::new();
        let mark = match DeadlineStatus::parse(&self.status) {
            Some(s @ (DeadlineStatus::Met | DeadlineStatus::Waived)) => Some(Some(s)),
            Some(DeadlineStatus::Open) => Some(None),
            _ => {
                errors.push("status", "must be one of met, waived, open");
                None
            }
        };
        let note = self
            .note
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty());
        if matches!(mark, Some(Some(_))) && note.is_none() {
            errors.push(
                "note",
                "is required: say how it was met or why it was waived",
            );
        }
        if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
            errors.push("note", "must be at most 1000 characters");
        }
        let mark = errors.done(mark)?;
        Ok(service::Mark { mark, note })
    }
}

/// Mark a deadline met or waived, with a note (audited). Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Deadline id")),
    request_body = DeadlineMark,
    responses(
        (status = 200, body = DeadlineView)
    ),
    tag = "deadlines"
)]
#[patch("/deadlines/{id}")]
pub async fn mark_deadline(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<DeadlineMark>,
) -> AppResult<HttpResponse> {
    let input = body.0.parse()?;
    let v = service::mark(&state, &user, id.into_inner(), input).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgendaQuery {
    /// First due date, inclusive.
    #[param(value_type = Option<String>, format = Date, pattern = "^(?:19|20|21)[0-9]{2}-")]
    pub from: Option<Day>,
    /// Last due date, inclusive.
    #[param(value_type = Option<String>, format = Date, pattern = "^(?:19|20|21)[0-9]{2}-")]
    pub to: Option<Day>,
    #[param(value_type = Option<DeadlineStatus>)]
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl AgendaQuery {
    fn parse(self) -> AppResult<(AgendaFilter, Page)> {
        let page = Page::from_params(self.limit, self.cursor.as_deref())?;
        let mut errors = Fields::new();
        let status = match self.status.as_deref() {
            Some(s) => errors.check(
                "status",
                DeadlineStatus::parse(s).ok_or_else(DeadlineStatus::allowed),
            ),
            None => None,
        };
        if let (Some(f), Some(t)) = (self.from, self.to) {
            if t < f {
                errors.push("to", "must not be before from");
            }
        }
        errors.finish()?;
        let filter = AgendaFilter {
            from: self.from.map(Day::date),
            to: self.to.map(Day::date),
            status,
        };
        Ok((filter, page))
    }
}

/// The caller's agenda: deadlines of visible cases, soonest first, each with its case reference
/// and client's names. Any signed-in user.
#[utoipa::path(
    params(AgendaQuery),
    responses(
        (status = 200, body = List<AgendaDeadline>)
    ),
    tag = "deadlines"
)]
#[get("/deadlines")]
pub async fn agenda(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ApiQuery<AgendaQuery>,
) -> AppResult<HttpResponse> {
    let (filter, page) = q.into_inner().parse()?;
    let list = service::agenda(&state, &user, filter, page).await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClockQuery {
    /// The date to compute the clock for; default today (organisation's time zone).
    #[param(value_type = Option<String>, format = Date, pattern = "^(?:19|20|21)[0-9]{2}-")]
    pub as_of: Option<Day>,
}

/// The asylum EAD clock of a case as of a date. Visible cases only; 422 when no I-589 is recorded.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id"), ClockQuery),
    responses(
        (status = 200, body = EadClockView)
    ),
    tag = "deadlines"
)]
#[get("/cases/{id}/ead-clock")]
pub async fn ead_clock_view(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    q: ApiQuery<ClockQuery>,
) -> AppResult<HttpResponse> {
    let v = service::ead_clock(&state, &user, id.into_inner(), q.as_of.map(Day::date)).await?;
    Ok(HttpResponse::Ok().json(v))
}
