//! `Application::build(settings)`: the pool, migrations, mailer and HTTP server. The seam every
//! test and the `serve` command use.

use std::net::TcpListener;
use std::path::Path;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{from_fn, Condition, DefaultHeaders};
use actix_web::{web, App, HttpServer};
use utoipa_actix_web::AppExt;

use crate::auth::jwt::JwtKeys;
use crate::config::Settings;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::http::limits::Limits;
use crate::http::{body, cors};
use crate::reminders::mail::Mailer;
use crate::routes;
pub use crate::state::AppState;
use crate::telemetry;

pub struct Application {
    port: u16,
    address: String,
    server: Server,
    pub state: web::Data<AppState>,
}

impl Application {
    /// Connects, migrates and binds. Must run inside the actix/Tokio runtime (the SMTP pool).
    pub async fn build(mut settings: Settings) -> AppResult<Application> {
        let pool = db::build_pool_for(&settings.database, None)?;
        db::run_db(&pool, db::migrate).await?;
        let secret = jwt_secret(&settings)?;
        // Kept resolved (a generated one too): reset links derive from it where they are sent.
        settings.auth.jwt_secret = Some(secret.clone());
        let jwt = JwtKeys::new(secret.as_bytes(), settings.auth.access_token_minutes)?;
        let mailer = Mailer::from_settings(&settings.mail, settings.reminders.concurrency)?;
        let hasher = crate::auth::password::Hasher::new(&settings.auth)?;
        let courts = std::sync::Arc::new(settings.load_courts().map_err(AppError::internal)?);
        let offices = std::sync::Arc::new(settings.load_offices().map_err(AppError::internal)?);
        let bind = settings.bind_addr().map_err(AppError::internal)?;
        let listener = TcpListener::bind(bind)
            .map_err(|e| AppError::internal(format!("cannot listen on {bind}: {e}")))?;
        let local = listener.local_addr().map_err(AppError::internal)?;
        let state = web::Data::new(AppState {
            pool,
            settings,
            jwt: std::sync::Arc::new(jwt),
            mailer,
            courts,
            offices,
            hasher,
        });
        let server = run(listener, state.clone())?;
        Ok(Application {
            port: local.port(),
            address: local.to_string(),
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    /// Serves until SIGINT/SIGTERM; in-flight requests finish first (actix's graceful stop).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Gives each request the slot in which its caller check leaves its database connection for
/// the handler (`db::run_db_and_hand_on`).
async fn request_connection(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    db::with_request_connection(next.call(req)).await
}

fn run(listener: TcpListener, state: web::Data<AppState>) -> AppResult<Server> {
    let workers = state.settings.server.workers;
    let max_connections = state.settings.server.max_connections.max(1);
    let grace = state.settings.server.shutdown_seconds;
    // One set of counters for every HTTP worker of this application.
    let limits = std::sync::Arc::new(Limits::new(&state.settings));
    let origins = state.settings.server.cors_allowed_origins.clone();
    let https = state.settings.server.public_url.starts_with("https://");
    let mut server = HttpServer::new(move || {
        let (app, api) = App::new()
            .into_utoipa_app()
            .openapi(routes::api_doc())
            .app_data(state.clone())
            .app_data(web::Data::new(state.pool.clone()))
            .app_data(web::Data::from(state.jwt.clone()))
            .app_data(web::Data::from(limits.clone()))
            .app_data(web::PayloadConfig::new(body::BODY_LIMIT))
            .app_data(web::QueryConfig::default().error_handler(body::query_error))
            .app_data(web::PathConfig::default().error_handler(body::path_error))
            .configure(routes::configure)
            .default_service(web::to(crate::web::fallback))
            .split_for_parts();
        let api = routes::finish_doc(api);
        let served = routes::ServedDoc(crate::http::doc::served(&api));
        app.app_data(web::Data::new(api))
            .app_data(web::Data::new(served))
            // Innermost: the caller check hands its connection to the handler (one check-out
            // per request); what is left goes back to the pool when the handler is done.
            .wrap(from_fn(request_connection))
            // Inner first: the request id exists once the logger (outer) has run.
            .wrap(from_fn(body::refuse_control_in_url))
            // Preflights are answered by the CORS middleware, with the headers added outside
            // it; an unlisted origin's preflight becomes a problem.
            .wrap(Condition::new(
                !origins.is_empty(),
                cors::middleware(&origins),
            ))
            .wrap(from_fn(cors::tidy))
            // Outside the URL check, so that its refusals are not stored either.
            .wrap(from_fn(crate::http::cache::no_store))
            // Every response: no MIME sniffing, no referrer (links carry case ids), never
            // framed, and (the web client's pages set their own) a policy that loads nothing.
            .wrap(security_headers(https))
            .wrap(from_fn(telemetry::request_id_header))
            .wrap(telemetry::logger())
    });
    if let Some(n) = workers {
        server = server.workers(n.max(1));
    }
    server = server
        .shutdown_timeout(grace)
        .max_connections(max_connections);
    Ok(server.listen(listener).map_err(AppError::internal)?.run())
}

/// The headers every response carries unless its handler set its own (OWASP's REST security
/// cheat sheet). HSTS only where the service is reached over https (`server.public_url`): a
/// browser ignores it over plain http, and a test deployment on http must stay reachable.
fn security_headers(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ));
    if https {
        headers.add((header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"))
    } else {
        headers
    }
}

/// The configured secret, or on the dev SQLite default one generated once and kept in `data/`.
pub fn jwt_secret(settings: &Settings) -> AppResult<String> {
    if let Some(secret) = &settings.auth.jwt_secret {
        return Ok(secret.clone());
    }
    let path = Path::new("data/jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(path) {
        if existing.trim().len() >= 32 {
            return Ok(existing.trim().to_string());
        }
    }
    let (secret, _) = crate::auth::refresh::new_secret();
    crate::fsutil::write_private(path, &secret)?;
    tracing::info!(path = %path.display(), "generated a JWT secret for the embedded default");
    Ok(secret)
}
