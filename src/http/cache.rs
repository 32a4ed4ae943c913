//! `Cache-Control: no-store` on what carries personal data or tokens: every response under
//! `/api/` and `/calendar/`, errors included (they may echo what was asked for), unless its
//! handler chose a policy of its own (the feed's). The web client's files keep theirs.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// Paths whose answers no cache, shared or the browser's own, may keep.
const NEVER_STORED: [&str; 2] = ["/api/", "/calendar/"];

/// Middleware: adds `Cache-Control: no-store` to API and feed responses that have none.
pub async fn no_store(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let private = NEVER_STORED.iter().any(|p| req.path().starts_with(p));
    let mut res = next.call(req).await?;
    if private && !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}
