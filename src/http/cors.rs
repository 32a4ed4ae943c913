//! Cross-origin access (CORS) from `server.cors_allowed_origins`: none by default, so no
//! response carries an `Access-Control-Allow-*` header and browsers keep other sites' pages from
//! reading the API. A listed origin (a separate front end of the organisation's) gets its
//! preflights answered and its responses readable, credentials included; any other origin gets
//! no CORS header at all, and its preflight a problem+json 403. A wildcard is refused when the
//! settings are read (`config`), so a credentialed wildcard can never be configured.

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;

use crate::error::AppError;

/// The CORS middleware for the listed origins (an empty list allows none).
pub fn middleware(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("x-asylum-session"),
        ])
        .expose_headers([
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-request-id"),
        ])
        .supports_credentials()
        // Other origins' simple requests go on without CORS headers (the browser keeps the
        // answer from the page); same-origin requests, which browsers also send an Origin on,
        // are unaffected.
        .block_on_origin_mismatch(false)
        .max_age(600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// Middleware (outside the CORS one): a preflight actix-cors refused is answered as
/// problem+json 403 like every other refusal instead of its plain-text 400; and an answer to an
/// unlisted origin, which actix-cors leaves without `Access-Control-Allow-Origin`, loses the
/// credentials and expose headers it still adds, so that only listed origins see any.
pub async fn tidy(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let preflight = req.method() == Method::OPTIONS
        && req.headers().contains_key(header::ORIGIN)
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut res = next.call(req).await?;
    if preflight
        && res.status() == StatusCode::BAD_REQUEST
        && !res.headers().contains_key(header::CONTENT_TYPE)
    {
        let refused = AppError::ForbiddenBecause(
            "this origin, method or header may not call the API from a browser".to_string(),
        );
        let (req, _) = res.into_parts();
        let problem = actix_web::ResponseError::error_response(&refused);
        return Ok(ServiceResponse::new(req, problem).map_into_right_body());
    }
    if !res
        .headers()
        .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    {
        let headers = res.headers_mut();
        headers.remove(header::ACCESS_CONTROL_ALLOW_CREDENTIALS);
        headers.remove(header::ACCESS_CONTROL_EXPOSE_HEADERS);
    }
    Ok(res.map_into_left_body())
}

/// Whether `origin` is one origin (`scheme://host[:port]`, no path, no wildcard), as
/// `server.cors_allowed_origins` requires.
pub fn check_origin(origin: &str) -> Result<(), String> {
    if origin.contains('*') {
        return Err("a wildcard is refused: list each origin (https://host[:port])".to_string());
    }
    let url = url::Url::parse(origin).map_err(|e| format!("{origin} is not an origin ({e})"))?;
    let bare = url.path() == "/" && !origin.ends_with('/');
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none()
        || !bare
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
    {
        return Err(format!(
            "{origin} is not an origin: https://host or https://host:port, nothing after it"
        ));
    }
    Ok(())
}
