//! AppError, the one error type, and its problem+json (RFC 9457) rendering.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Gathers every field error of a request, so that a form shows all its mistakes at once.
#[derive(Debug, Default)]
pub struct Fields(Vec<FieldError>);

impl Fields {
    pub fn new() -> Fields {
        Fields::default()
    }

    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// The value, or `None` with the error noted against `field`.
    pub fn check<T, M: Into<String>>(&mut self, field: &str, result: Result<T, M>) -> Option<T> {
        result.map_err(|m| self.push(field, m)).ok()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A 422 naming every field noted, or `Ok` when there is none.
    pub fn finish(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::invalid(self.0))
        }
    }

    /// `value` when no error was noted and it is present; else the 422 naming every field.
    pub fn done<T>(self, value: Option<T>) -> AppResult<T> {
        match (self.0.is_empty(), value) {
            (true, Some(v)) => Ok(v),
            (_, _) => Err(AppError::invalid(self.0)),
        }
    }
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Stable URI naming the kind of problem.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("invalid fields")]
    Validation {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden")]
    Forbidden,
    /// 403 whose detail says what the caller may not do, where "your role may not do this" would
    /// leave them guessing which part of the request was refused.
    #[error("forbidden: {0}")]
    ForbiddenBecause(String),
    /// A refresh carrying the session cookie but neither the cookie-mode header nor a body token:
    /// possibly sent by another site's page (see `http::session`).
    #[error("cookie-mode header required")]
    CsrfHeaderRequired,
    /// `auth.mfa = "required"` and the caller has not enrolled a second factor yet: only their
    /// own account and its enrolment are open.
    #[error("second factor enrolment required")]
    MfaEnrolmentRequired,
    #[error("not found")]
    NotFound,
    #[error("no such route")]
    NoRoute,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict: {detail}")]
    Conflict {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// 409 of a write to a record that is append-only now (a note past its edit window).
    #[error("append-only: {0}")]
    AppendOnly(String),
    #[error("payload too large")]
    PayloadTooLarge,
    /// A request target longer than `http::body::URI_LIMIT`.
    #[error("URI too long")]
    UriTooLong,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("too many attempts")]
    TooManyRequests { retry_after_secs: u64 },
    /// Over a per-client-address limit (`http::limits`): the same problem type as a lockout, in
    /// other words, since nothing may have failed.
    #[error("too many requests from this address")]
    RateLimited { retry_after_secs: u64 },
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The database's disk is full: the write was refused whole (nothing saved), and works
    /// again once space returns.
    #[error("insufficient storage")]
    InsufficientStorage,
    /// Never shown to the client; logged with its whole source chain.
    #[error("internal: {0}")]
    Internal(#[source] BoxError),
}

impl AppError {
    /// A 422 for one field.
    pub fn field(field: &str, message: impl Into<String>) -> AppError {
        AppError::invalid(vec![FieldError::new(field, message)])
    }

    /// A 422 for several fields at once (so that a form shows all its mistakes together).
    pub fn invalid(errors: Vec<FieldError>) -> AppError {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            _ => format!("{} fields are invalid", errors.len()),
        };
        AppError::Validation { detail, errors }
    }

    pub fn conflict(field: &str, detail: impl Into<String>) -> AppError {
        let detail = detail.into();
        AppError::Conflict {
            errors: vec![FieldError::new(field, detail.clone())],
            detail,
        }
    }

    /// The database cannot be had right now (lost, or every connection busy past the time-out):
    /// 503, which a client may retry.
    pub fn database_unavailable() -> AppError {
        AppError::Unavailable("the database is not reachable right now; try again".to_string())
    }

    /// Too many requests wait for the database already: refused at once rather than after
    /// waiting out the time-out (see `db::DbPool`). 503, which a client may retry.
    pub fn database_busy() -> AppError {
        AppError::Unavailable(
            "the service is busy: more requests are waiting for the database than it can answer in time; try again".to_string(),
        )
    }

    /// An internal error described by a message (its cause already folded into the text).
    pub fn internal(e: impl std::fmt::Display) -> AppError {
        AppError::Internal(e.to_string().into())
    }

    /// An internal error that keeps `e` and its sources for the log.
    pub fn internal_source(e: impl std::error::Error + Send + Sync + 'static) -> AppError {
        AppError::Internal(Box::new(e))
    }

    fn parts(&self) -> (&'static str, &'static str, String) {
        match self {
            AppError::BadRequest(d) => ("bad-request", "Bad request", d.clone()),
            AppError::Validation { detail, .. } => ("validation", "Invalid input", detail.clone()),
            AppError::Unauthorized(d) => ("unauthorized", "Not authenticated", d.clone()),
            AppError::Forbidden => (
                "forbidden",
                "Forbidden",
                "your role may not do this".to_string(),
            ),
            AppError::ForbiddenBecause(d) => ("forbidden", "Forbidden", d.clone()),
            AppError::CsrfHeaderRequired => (
                "csrf-header-required",
                "Header required",
                "a refresh by cookie needs the header X-Asylum-Session: cookie".to_string(),
            ),
            AppError::MfaEnrolmentRequired => (
                "mfa-enrolment-required",
                "Second factor required",
                "add an authenticator app (POST /api/v1/me/mfa/totp) before opening anything else"
                    .to_string(),
            ),
            AppError::NotFound => ("not-found", "Not found", "no such resource".to_string()),
            AppError::NoRoute => (
                "no-route",
                "Not found",
                "no endpoint has this address; see /api/v1/openapi.json".to_string(),
            ),
            AppError::MethodNotAllowed => (
                "method-not-allowed",
                "Method not allowed",
                "this resource does not support that method".to_string(),
            ),
            AppError::Conflict { detail, .. } => ("conflict", "Conflict", detail.clone()),
            AppError::AppendOnly(d) => ("append-only", "Append-only", d.clone()),
            AppError::PayloadTooLarge => (
                "payload-too-large",
                "Payload too large",
                "request bodies are limited to 256 KiB".to_string(),
            ),
            AppError::UriTooLong => (
                "uri-too-long",
                "URI too long",
                "request addresses are limited to 8 KiB; send search terms in a body".to_string(),
            ),
            AppError::UnsupportedMediaType => (
                "unsupported-media-type",
                "Unsupported media type",
                "send the body as application/json".to_string(),
            ),
            AppError::TooManyRequests { .. } => (
                "too-many-attempts",
                "Too many attempts",
                "too many failed attempts; try again later".to_string(),
            ),
            AppError::RateLimited { .. } => (
                "too-many-attempts",
                "Too many attempts",
                "too many requests from this address; try again later".to_string(),
            ),
            AppError::Unavailable(d) => ("unavailable", "Service unavailable", d.clone()),
            AppError::InsufficientStorage => (
                "insufficient-storage",
                "Insufficient storage",
                "the server's disk is full, so nothing was saved; try again later".to_string(),
            ),
            AppError::Internal(_) => (
                "internal",
                "Internal error",
                "an unexpected error occurred; it has been logged".to_string(),
            ),
        }
    }

    pub fn problem(&self) -> Problem {
        let (slug, title, detail) = self.parts();
        let errors = match self {
            AppError::Validation { errors, .. } | AppError::Conflict { errors, .. } => {
                errors.clone()
            }
            _ => Vec::new(),
        };
        Problem {
            type_: format!("urn:asylum-tracker:problem:{slug}"),
            title: title.to_string(),
            status: self.status_code().as_u16(),
            detail,
            errors,
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden
            | AppError::ForbiddenBecause(_)
            | AppError::CsrfHeaderRequired
            | AppError::MfaEnrolmentRequired => StatusCode::FORBIDDEN,
            AppError::NotFound | AppError::NoRoute => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict { .. } | AppError::AppendOnly(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UriTooLong => StatusCode::URI_TOO_LONG,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } | AppError::RateLimited { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::InsufficientStorage => StatusCode::INSUFFICIENT_STORAGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(cause) = self {
            // Inside the request's span, so the line carries its request id and route pattern.
            tracing::error!(error = %error_chain(cause.as_ref()), "internal error");
        }
        let mut resp = HttpResponse::build(self.status_code());
        resp.content_type("application/problem+json");
        if let AppError::TooManyRequests { retry_after_secs }
        | AppError::RateLimited { retry_after_secs } = self
        {
            resp.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if let AppError::Unauthorized(_) = self {
            resp.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        // A passing state (the database away, every hashing turn taken for 20 s): say when to
        // try again rather than have clients hammer.
        if let AppError::Unavailable(_) = self {
            resp.insert_header((header::RETRY_AFTER, UNAVAILABLE_RETRY_SECS.to_string()));
        }
        resp.json(self.problem())
    }
}

/// The `Retry-After` of a 503.
pub const UNAVAILABLE_RETRY_SECS: u64 = 5;

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => AppError::NotFound,
            // The database went away under a request (PostgreSQL stopped or restarted): the
            // request may be retried, so 503 rather than 500; the pool drops the connection.
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ClosedConnection,
                info,
            ) => {
                tracing::warn!(error = %info.message(), "database connection lost");
                AppError::database_unavailable()
            }
            // A full disk refuses the whole transaction (SQLite SQLITE_FULL, PostgreSQL
            // "could not extend file ... No space left on device"): the client's request was
            // fine and may be sent again, so 507, not 500. Operators need to hear of it at once.
            diesel::result::Error::DatabaseError(_, info) if disk_full(info.message()) => {
                tracing::error!(error = %info.message(), "the database's disk is full; writes are refused");
                AppError::InsufficientStorage
            }
            // Every writer reads what it refers to before writing, so a reference that fails
            // means the record went in between: a client's erasure committed meanwhile. For the
            // caller it is gone, as if it had never been there.
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                info,
            ) => {
                tracing::warn!(error = %info.message(), "a record referred to was removed meanwhile");
                AppError::NotFound
            }
            other => AppError::internal_source(other),
        }
    }
}

/// Whether a database error message says the disk is full.
fn disk_full(message: &str) -> bool {
    ["database or disk is full", "No space left on device"]
        .iter()
        .any(|m| message.contains(m))
}

impl From<r2d2::Error> for AppError {
    fn from(e: r2d2::Error) -> Self {
        tracing::warn!(error = %e, "database connection unavailable");
        AppError::database_unavailable()
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::internal_source(e)
    }
}

pub type AppResult<T> = Result<T, AppError>;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// "outer: cause: root cause", for log lines.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
