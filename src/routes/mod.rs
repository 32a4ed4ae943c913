//! HTTP routes, registered together with the OpenAPI document so that the two cannot drift.

pub mod audit;
pub mod auth;
pub mod calendar;
pub mod cases;
pub mod clients;
pub mod closures;
pub mod corrections;
pub mod custody;
pub mod deadlines;
pub mod erasure;
pub mod events;
pub mod family;
pub mod health;
pub mod hearings;
pub mod me;
pub mod mfa;
pub mod notes;
pub mod one_year_exception;
pub mod reminders;
pub mod supervision;
pub mod tasks;
pub mod users;

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::http::doc::StandardErrors;
use utoipa_actix_web::{scope, service_config::ServiceConfig};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "asylum-tracker",
        description = "Asylum clients, cases, clocks, deadlines and reminders for legal aid groups."
    ),
    servers((url = "/", description = "This server")),
    security(("bearer" = [])),
    modifiers(&BearerAuth),
    components(schemas(crate::error::Problem))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

pub fn api_doc() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// Completes the document once the routes have added their paths (utoipa-actix-web merges them
/// after `api_doc`'s own modifiers ran).
pub fn finish_doc(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    StandardErrors.modify(&mut doc);
    doc
}

/// The document `GET /api/v1/openapi.json` serves (see `http::doc::served`).
pub struct ServedDoc(pub serde_json::Value);

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::health)
        .service(health::ready)
        .configure(calendar::configure_feed)
        .service(
            scope::scope("/api/v1")
                .service(health::openapi_json)
                .configure(auth::configure)
                .configure(me::configure)
                .configure(mfa::configure)
                .configure(users::configure)
                .configure(clients::configure)
                .configure(erasure::configure)
                .configure(cases::configure)
                .configure(events::configure)
                .configure(corrections::configure)
                .configure(family::configure)
                .configure(one_year_exception::configure)
                .configure(hearings::configure)
                .configure(supervision::configure)
                .configure(custody::configure)
                .configure(deadlines::configure)
                .configure(closures::configure)
                .configure(reminders::configure)
                .configure(calendar::configure_api)
                .configure(audit::configure)
                .configure(notes::configure)
                .configure(tasks::configure),
        );
}
