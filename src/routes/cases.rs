//! Cases, their assignments, and the court list over HTTP. Any signed-in user may open a case for
//! a client they see; reading and changing a case needs it to be visible (404 otherwise);
//! assigning is for admins and the case's lawyers (403 for its caseworkers), and so is naming
//! others as assignees of a new case. The rules live in
//! `service::cases` and `service::assignments`; this file parses and answers.

use actix_web::{delete, get, patch, post, put, web, HttpResponse};
use serde::Deserialize;
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::{IntoParams, ToSchema};

use crate::auth::extract::AuthUser;
use crate::db::page::Page;
use crate::domain::charging::NoticeToAppear;
use crate::domain::dates::Day;
use crate::domain::vocab::{AssignmentRole, CaseKind, CaseStatus, ClosedReason};
use crate::error::{AppError, AppResult, Fields};
use crate::http::body::{not_null, nullable, ApiJson, ApiQuery};
use crate::http::doc::Forbidden;
use crate::http::list::List;
use crate::service::assignments;
use crate::service::cases::{
    self, Assignee, CaseListFilter, CaseUpdate, CaseView, Closing, CourtView, NewCase, NtaUpdate,
};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_case)
        .service(list_cases)
        .service(get_case)
        .service(case_overview)
        .service(patch_case)
        .service(put_assignment)
        .service(delete_assignment)
        .service(list_courts);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseRequest {
    pub client_id: String,
    /// `affirmative` or `defensive`.
    #[schema(value_type = CaseKind)]
    pub kind: String,
    /// Required for defensive cases; a code of `GET /api/v1/courts`.
    pub court_code: Option<String>,
    /// At most 20 (a case's team, not a directory: each is looked up and assigned in the
    /// transaction that opens the case).
    #[schema(max_items = 20)]
    pub lawyer_ids: Option<Vec<String>>,
    /// At most 20, as `lawyer_ids`.
    #[schema(max_items = 20)]
    pub caseworker_ids: Option<Vec<String>>,
    /// When the case began (`YYYY-MM-DD`, from 1900 to today); default today. An old case entered
    /// now keeps its real start.
    pub opened_on: Option<Day>,
    /// When DHS issued the Notice to Appear, the charging document (not in the future).
    pub nta_issued_on: Option<Day>,
    /// When the NTA was served on the client (not before it was issued, not in the future).
    pub nta_served_on: Option<Day>,
    /// When the NTA was filed with the immigration court, which begins removal proceedings (8 CFR
    /// 1003.14(a)); not before it was issued, not in the future.
    pub nta_filed_on: Option<Day>,
    /// Whether the NTA named the time and place of the first hearing (one that did not does not
    /// stop the continuous-residence clock).
    pub nta_time_and_place: Option<bool>,
}

/// The most people `lawyer_ids` or `caseworker_ids` may name.
const MAX_NAMED: usize = 20;

impl NewCaseRequest {
    /// Checks the kind and the court against the court list, gathering every mistake.
    fn parse(self, state: &AppState) -> AppResult<NewCase> {
        let mut errors = Fields::new();
        let opened_on = self
            .opened_on
            .and_then(|d| errors.check("opened_on", not_future(d, state)));
        let kind = errors.check(
            "kind",
            CaseKind::parse(&self.kind).ok_or_else(CaseKind::allowed),
        );
        let court = match self.court_code.as_deref() {
            Some(code) => errors.check("court_code", cases::known_court(state, code)),
            None => None,
        };
        if kind == Some(CaseKind::Defensive) && self.court_code.is_none() {
            errors.push("court_code", "is required for a defensive case");
        }
        let mut date =
            |field: &str, d: Option<Day>| d.and_then(|d| errors.check(field, not_future(d, state)));
        let nta = NoticeToAppear {
            issued_on: date("nta_issued_on", self.nta_issued_on),
            served_on: date("nta_served_on", self.nta_served_on),
            filed_on: date("nta_filed_on", self.nta_filed_on),
            time_and_place: self.nta_time_and_place,
        };
        for (field, message) in nta.order_errors() {
            errors.push(field, message);
        }
        for (field, named) in [
            ("lawyer_ids", &self.lawyer_ids),
            ("caseworker_ids", &self.caseworker_ids),
        ] {
            if named.as_ref().is_some_and(|n| n.len() > MAX_NAMED) {
                errors.push(field, format!("names at most {MAX_NAMED} people"));
            }
        }
        errors.finish()?;
        Ok(NewCase {
            client_id: self.client_id,
            kind: kind.unwrap_or(CaseKind::Affirmative),
            court_code: court,
            lawyer_ids: self.lawyer_ids.unwrap_or_default(),
            caseworker_ids: self.caseworker_ids.unwrap_or_default(),
            opened_on,
            nta,
        })
    }
}

/// A start date: not after today in the organisation's zone.
fn not_future(d: Day, state: &AppState) -> Result<chrono::NaiveDate, &'static str> {
    if d.date() > crate::service::org_today(&state.settings) {
        Err("must not be in the future")
    } else {
        Ok(d.date())
    }
}

/// Open a case for a visible client. Any signed-in user; the creator is assigned unless admin.
/// Naming others in `lawyer_ids` or `caseworker_ids` assigns them, so only admins and lawyers may
/// (403 for a caseworker, who may name only themself).
#[utoipa::path(
    request_body = NewCaseRequest,
    responses(
        (status = 201, body = CaseView),
        Forbidden
    ),
    tag = "cases"
)]
#[post("/cases")]
pub async fn create_case(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ApiJson<NewCaseRequest>,
) -> AppResult<HttpResponse> {
    let new = body.0.parse(&state)?;
    let view = cases::create(&state, &user, new).await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// `me`, or a user id: only cases with that assignment.
    pub assigned_to: Option<String>,
    #[param(value_type = Option<CaseStatus>)]
    pub status: Option<String>,
    pub court_code: Option<String>,
    pub client_id: Option<String>,
    /// Only closed cases closed for this reason.
    #[param(value_type = Option<ClosedReason>)]
    pub closed_reason: Option<String>,
    /// `true`: only cases whose client is in custody (an open custody period); `false`: only
    /// the others.
    #[param(value_type = Option<bool>)]
    pub detained: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl CaseQuery {
    fn parse(self) -> AppResult<(CaseListFilter, Page)> {
        let page = Page::from_params(self.limit, self.cursor.as_deref())?;
        let status = match &self.status {
            Some(s) => Some(
                CaseStatus::parse(s)
                    .ok_or_else(|| AppError::field("status", CaseStatus::allowed()))?,
            ),
            None => None,
        };
        let closed_reason = match &self.closed_reason {
            Some(r) => Some(
                ClosedReason::parse(r)
                    .ok_or_else(|| AppError::field("closed_reason", ClosedReason::allowed()))?,
            ),
            None => None,
        };
        let detained = match self.detained.as_deref() {
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => return Err(AppError::field("detained", "must be true or false")),
            None => None,
        };
        let filter = CaseListFilter {
            assigned_to: self.assigned_to.map(|a| match a.as_str() {
                "me" => Assignee::Me,
                _ => Assignee::User(a),
            }),
            status,
            court_code: self.court_code,
            client_id: self.client_id,
            closed_reason,
            detained,
        };
        Ok((filter, page))
    }
}

/// Visible cases, oldest first, with filters. Any signed-in user (admins see all).
#[utoipa::path(
    params(CaseQuery),
    responses(
        (status = 200, body = List<CaseView>)
    ),
    tag = "cases"
)]
#[get("/cases")]
pub async fn list_cases(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ApiQuery<CaseQuery>,
) -> AppResult<HttpResponse> {
    let (filter, page) = q.into_inner().parse()?;
    let list = cases::list(&state, &user, filter, page).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// One case. Visible cases only (404 otherwise).
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    responses(
        (status = 200, body = CaseView)
    ),
    tag = "cases"
)]
#[get("/cases/{id}")]
pub async fn get_case(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let view = cases::get(&state, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Everything the case page shows, in one call: the case and its assignments, the client, the
/// timeline (filings, clock events, hearings with their history, decisions), deadlines, the EAD
/// clock, family members, Orders of Supervision and the one-year-bar exception. Read with a
/// number of queries that does not grow with the case. Whoever may read the case (its team, an
/// administrator); 404 otherwise. Reading the client in it is audited as `GET /clients/{id}` is.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    responses(
        (status = 200, body = crate::service::overview::CaseOverview)
    ),
    tag = "cases"
)]
#[get("/cases/{id}/overview")]
pub async fn case_overview(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let view = crate::service::overview::get(&state, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// What a person may set a case's status to, for the OpenAPI document (`null` changes nothing).
fn closing_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some([
            serde_json::Value::from("closed"),
            serde_json::Value::from("open"),
            serde_json::Value::Null,
        ]))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CasePatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Option<CaseKind>, nullable = false)]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub court_code: Option<Option<String>>,
    /// `closed` closes the case (with `closed_reason`, required); `open` reopens it (its status
    /// then follows its events again, and the reason and note are cleared). Other statuses
    /// follow the recorded events and cannot be set.
    #[schema(schema_with = closing_schema)]
    pub status: Option<String>,
    /// Why the case is closed: required with `status: closed`, refused without it. Sending it
    /// with `status: closed` again on a closed case replaces the reason and note.
    #[schema(value_type = Option<ClosedReason>)]
    pub closed_reason: Option<String>,
    /// A note on the closing, only with `status: closed`; trimmed, at most 2000 characters.
    #[schema(max_length = 2000)]
    pub closed_note: Option<String>,
    /// When the case began (`YYYY-MM-DD`, from 1900 to today).
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub opened_on: Option<Day>,
    /// When DHS issued the Notice to Appear (not in the future); null clears.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Day>)]
    pub nta_issued_on: Option<Option<Day>>,
    /// When the NTA was served on the client (not before it was issued, not in the future); null
    /// clears.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Day>)]
    pub nta_served_on: Option<Option<Day>>,
    /// When the NTA was filed with the immigration court, which begins removal proceedings (8 CFR
    /// 1003.14(a)); not before it was issued, not in the future; null clears.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Day>)]
    pub nta_filed_on: Option<Option<Day>>,
    /// Whether the NTA named the time and place of the first hearing; null: not known.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<bool>)]
    pub nta_time_and_place: Option<Option<bool>>,
}

impl CasePatch {
    /// Checks the kind, the court and the status, gathering every mistake.
    fn parse(self, state: &AppState) -> AppResult<CaseUpdate> {
        let mut errors = Fields::new();
        let kind = self
            .kind
            .as_deref()
            .and_then(|k| errors.check("kind", CaseKind::parse(k).ok_or_else(CaseKind::allowed)));
        let court_code = self.court_code.map(|court| {
            court.and_then(|code| errors.check("court_code", cases::known_court(state, &code)))
        });
        let opened_on = self
            .opened_on
            .and_then(|d| errors.check("opened_on", not_future(d, state)));
        let mut date = |field: &str, d: Option<Option<Day>>| {
            d.map(|d| d.and_then(|d| errors.check(field, not_future(d, state))))
        };
        let nta = NtaUpdate {
            issued_on: date("nta_issued_on", self.nta_issued_on),
            served_on: date("nta_served_on", self.nta_served_on),
            filed_on: date("nta_filed_on", self.nta_filed_on),
            time_and_place: self.nta_time_and_place,
        };
        // The dates of this request among themselves; the service compares with those recorded.
        for (field, message) in nta.apply(NoticeToAppear::default()).order_errors() {
            errors.push(field, message);
        }
        let closing = match self.status.as_deref() {
            Some("closed") => closing(self.closed_reason, self.closed_note, &mut errors),
            other => {
                for (field, given) in [
                    ("closed_reason", self.closed_reason.is_some()),
                    ("closed_note", self.closed_note.is_some()),
                ] {
                    if given {
                        errors.push(field, "is only accepted with status closed");
                    }
                }
                match other {
                    Some("open") => Some(Closing::Reopen),
                    Some(_) => {
                        errors.push(
                            "status",
                            "must be closed or open; the other statuses follow the recorded events",
                        );
                        None
                    }
                    None => None,
                }
            }
        };
        errors.finish()?;
        Ok(CaseUpdate {
            kind,
            court_code,
            closing,
            opened_on,
            nta,
        })
    }
}

/// A close as asked: the reason is required and one of [`ClosedReason`]; the note is trimmed
/// (blank is none) and at most 2000 characters.
fn closing(reason: Option<String>, note: Option<String>, errors: &mut Fields) -> Option<Closing> {
    let reason = match reason {
        Some(r) => errors.check(
            "closed_reason",
            ClosedReason::parse(&r)
                .ok_or_else(|| format!("{}; say why the case is closed", ClosedReason::allowed())),
        ),
        None => {
            errors.push(
                "closed_reason",
                format!("is required to close a case; {}", ClosedReason::allowed()),
            );
            None
        }
    };
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        errors.push("closed_note", "must be at most 2000 characters");
    }
    reason.map(|reason| Closing::Close { reason, note })
}

/// Change a case's kind, court or Notice to Appear; close it (with a reason) or reopen it.
///
/// Visible cases only (404 otherwise). Closing drops the case's pending reminders; reopening
/// plans them again.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    request_body = CasePatch,
    responses(
        (status = 200, body = CaseView)
    ),
    tag = "cases"
)]
#[patch("/cases/{id}")]
pub async fn patch_case(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<CasePatch>,
) -> AppResult<HttpResponse> {
    let update = body.0.parse(&state)?;
    let view = cases::update(&state, &user, id.into_inner(), update).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentRequest {
    /// `lawyer` or `caseworker`.
    #[schema(value_type = AssignmentRole)]
    pub role: String,
}

/// Assign a user to a case (or change their role on it). Admins and the case's lawyers; the case
/// must be visible (404), a caseworker on it gets 403.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id"), ("user_id" = String, Path, description = "User id")),
    request_body = AssignmentRequest,
    responses(
        (status = 200, body = CaseView),
        Forbidden
    ),
    tag = "cases"
)]
#[put("/cases/{id}/assignments/{user_id}")]
pub async fn put_assignment(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
    body: ApiJson<AssignmentRequest>,
) -> AppResult<HttpResponse> {
    let (case_id, target) = path.into_inner();
    let role = AssignmentRole::parse(&body.0.role)
        .ok_or_else(|| AppError::field("role", AssignmentRole::allowed()))?;
    let view = assignments::assign(&state, &user, case_id, target, role).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Remove a user from a case; their access ends at once. Admins and the case's lawyers.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id"), ("user_id" = String, Path, description = "User id")),
    responses(
        (status = 204, description = "Unassigned"),
        Forbidden
    ),
    tag = "cases"
)]
#[delete("/cases/{id}/assignments/{user_id}")]
pub async fn delete_assignment(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (case_id, target) = path.into_inner();
    assignments::unassign(&state, &user, case_id, target).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The immigration courts. Any signed-in user.
#[utoipa::path(
    responses((status = 200, body = List<CourtView>)
    ),
    tag = "cases"
)]
#[get("/courts")]
pub async fn list_courts(state: web::Data<AppState>, _user: AuthUser) -> HttpResponse {
    HttpResponse::Ok().json(cases::courts(&state))
}
