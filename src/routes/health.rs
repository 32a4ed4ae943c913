//! Liveness, readiness and the OpenAPI document. Public.

use actix_web::{get, web, HttpResponse};
use diesel::RunQueryDsl;
use serde_json::json;

use crate::db::run_db;
use crate::error::{AppError, AppResult};
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
    run_db(&state.pool, |conn| {
        diesel::sql_query("SELECT 1").execute(conn)?;
        Ok(())
    })
    .await
    .map_err(|_| AppError::Unavailable("the database does not answer".to_string()))?;
    Ok(HttpResponse::Ok().json(json!({"status": "ready"})))
}

/// This document. Anyone may call it.
#[utoipa::path(
    responses((status = 200, description = "The OpenAPI 3 document")),
    security(()),
    tag = "operations"
)]
#[get("/openapi.json")]
pub async fn openapi_json(doc: web::Data<utoipa::openapi::OpenApi>) -> HttpResponse {
    HttpResponse::Ok().json(doc.get_ref())
}
