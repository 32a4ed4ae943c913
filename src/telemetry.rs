//! Logging: the subscriber, and the request's root span (tracing-actix-web's `TracingLogger`)
//! carrying the request id, method and route *pattern* — never the concrete path or query string,
//! so that no id, token or client data reaches the log. Every line logged while a request is
//! handled (an internal error included) carries that span's fields.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder, TracingLogger};
use tracing_subscriber::EnvFilter;

/// JSON lines to stderr; `RUST_LOG` overrides the default `info`.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tracing_actix_web=error"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The middleware that opens each request's root span.
pub fn logger() -> TracingLogger<RequestSpan> {
    TracingLogger::new()
}

/// When the request started, for the closing line's latency.
#[derive(Clone, Copy)]
struct Started(Instant);

/// Builds the root span from the route pattern, and closes it with one `request` line.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(req: &ServiceRequest) -> Span {
        let request_id = req
            .extensions()
            .get::<RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        let route = req
            .match_pattern()
            .unwrap_or_else(|| "(unmatched)".to_string());
        req.extensions_mut().insert(Started(Instant::now()));
        tracing::info_span!(
            "request",
            request_id = %request_id,
            method = %req.method(),
            route = %route,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        let (status, started) = match outcome {
            Ok(res) => (
                res.status().as_u16(),
                res.request().extensions().get::<Started>().copied(),
            ),
            Err(e) => (e.as_response_error().status_code().as_u16(), None),
        };
        let latency_ms = started.map(|s| s.0.elapsed().as_secs_f64() * 1000.0);
        span.in_scope(|| tracing::info!(event = "request", status, latency_ms));
    }
}

/// Answers every request with its id (`x-request-id`), so that a user's report can be matched to
/// the log.
pub async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let mut res = next.call(req).await?;
    if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(res)
}
