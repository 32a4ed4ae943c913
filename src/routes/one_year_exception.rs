//! HTTP for the one-year-bar exception a case claims (8 CFR 208.4(a)(4), (a)(5)): read, claim and
//! withdraw. Bodies are parsed here; the work is `service::one_year_exception`.

use actix_web::{delete, get, put, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::domain::vocab::OneYearException;
use crate::error::{AppResult, Fields};
use crate::http::body::ApiJson;
use crate::http::reason::WithdrawRequest;
use crate::service::one_year_exception::{self, OneYearExceptionView};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_one_year_exception)
        .service(put_one_year_exception)
        .service(delete_one_year_exception);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OneYearExceptionRequest {
    /// `changed_circumstances` (8 CFR 208.4(a)(4)) or `extraordinary_circumstances`
    /// (8 CFR 208.4(a)(5)).
    #[schema(value_type = OneYearException)]
    pub kind: String,
    /// What the claim rests on. Trimmed; at most 2000 characters; blank is none.
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

impl OneYearExceptionRequest {
    fn parse(self) -> AppResult<(OneYearException, Option<String>)> {
        let mut errors = Fields::new();
        let kind = errors.check(
            "kind",
            OneYearException::parse(&self.kind).ok_or_else(OneYearException::allowed),
        );
        let note = self
            .note
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty());
        if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
            errors.push("note", "must be at most 2000 characters");
        }
        errors.done(kind.map(|k| (k, note)))
    }
}

/// The exception to the one-year filing bar the case claims. 200 with null `kind` while none is
/// claimed. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    responses(
        (status = 200, body = OneYearExceptionView)
    ),
    tag = "one-year bar"
)]
#[get("/cases/{id}/one-year-exception")]
pub async fn get_one_year_exception(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let view = one_year_exception::get(&state, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Claim an exception to the one-year filing bar: changed or extraordinary circumstances. It
/// replaces any standing claim (kept as withdrawn); the same claim again changes nothing. The
/// `one_year_filing` deadline does not change: the exception is an argument, not a date.
/// Audited. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    request_body = OneYearExceptionRequest,
    responses(
        (status = 200, body = OneYearExceptionView)
    ),
    tag = "one-year bar"
)]
#[put("/cases/{id}/one-year-exception")]
pub async fn put_one_year_exception(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<OneYearExceptionRequest>,
) -> AppResult<HttpResponse> {
    let (kind, note) = body.0.parse()?;
    let view = one_year_exception::claim(&state, &user, id.into_inner(), kind, note).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Withdraw the claimed exception (kept in history with the reason); the answer is the empty
/// claim, also when none was standing (then nothing is written). Audited. Visible cases only.
#[utoipa::path(
    params(("id" = String, Path, description = "Case id")),
    request_body = WithdrawRequest,
    responses(
        (status = 200, body = OneYearExceptionView)
    ),
    tag = "one-year bar"
)]
#[delete("/cases/{id}/one-year-exception")]
pub async fn delete_one_year_exception(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<WithdrawRequest>,
) -> AppResult<HttpResponse> {
    let why = body.0.parse()?;
    let view = one_year_exception::withdraw(&state, &user, id.into_inner(), why).await?;
    Ok(HttpResponse::Ok().json(view))
}
