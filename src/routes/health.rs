//! Liveness, readiness and the OpenAPI document. Public.

use actix_web::{get, web, HttpResponse};
use serde_json::json;

use crate::error::AppResult;
use crate::state::AppState;

/// Liveness: 200 while the process runs. Anyone may call it.
#[utoipa::path(
    responses((status = 200, description = "The process runs")),
    security(()),
    tag = "operations"
)]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Readiness: 200 when the database answers, else 503. Anyone may call it.
#[utoipa::path(
    responses(
        (status = 200, description = "The database answers"),
        (status = 503, description = "The database does not answer", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(()),
    tag = "operations"
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    crate::service::ready(&state).await?;
    Ok(HttpResponse::Ok().json(json!({"status": "ready"})))
}

/// This document. Anyone may call it.
#[utoipa::path(
    responses((status = 200, description = "The OpenAPI 3 document")),
    security(()),
    tag = "operations"
)]
#[get("/openapi.json")]
pub async fn openapi_json(doc: web::Data<super::ServedDoc>) -> HttpResponse {
    HttpResponse::Ok().json(&doc.0)
}
