//! Request bodies and the framework's own errors, all answered as problem+json.
//!
//! `ApiJson` replaces `web::Json` so that a type or value error names the field
//! (serde_path_to_error) and answers 422, while unparseable JSON answers 400.

use std::future::Future;
use std::pin::Pin;

use actix_web::error::{PayloadError, QueryPayloadError};
use actix_web::{dev::Payload, web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::{AppError, FieldError};

/// 256 KiB: bigger bodies get 413 (API.md).
pub const BODY_LIMIT: usize = 256 * 1024;

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<ApiJson<T>, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .mime_type()
            .ok()
            .flatten()
            .is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON));
        let too_large = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|n| n > BODY_LIMIT);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if too_large {
                return Err(AppError::PayloadTooLarge);
            }
            if !is_json {
                return Err(AppError::UnsupportedMediaType);
            }
            let bytes = bytes
                .await
                .map_err(|e| match e.as_error::<PayloadError>() {
                    Some(PayloadError::Overflow) => AppError::PayloadTooLarge,
                    _ => AppError::BadRequest("the request body could not be read".to_string()),
                })?;
            let value = parse(&bytes)?;
            refuse_control_characters(&bytes)?;
            Ok(ApiJson(value))
        })
    }
}

/// Control characters (NUL above all: PostgreSQL cannot store it in text) are refused in every
/// string of a body, naming each field; free text keeps newlines and tabs.
fn refuse_control_characters(bytes: &[u8]) -> Result<(), AppError> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(());
    };
    let mut bad = Vec::new();
    walk(&value, String::new(), &mut bad);
    if bad.is_empty() {
        Ok(())
    } else {
        Err(AppError::invalid(
            bad.into_iter()
                .map(|field| {
                    FieldError::new(
                        field,
                        "must not contain control characters (only newlines and tabs)",
                    )
                })
                .collect(),
        ))
    }
}

fn walk(value: &serde_json::Value, path: String, bad: &mut Vec<String>) {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        serde_json::Value::String(s) if has_control(s) => {
            bad.push(if path.is_empty() { "body".into() } else { path })
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, format!("{path}[{i}]"), bad);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                if has_control(key) {
                    bad.push(join("(a key)"));
                }
                walk(item, join(key), bad);
            }
        }
        _ => {}
    }
}

/// Any control character but those of a line break and tab.
pub fn has_control(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Middleware: a path or query string carrying a control character (percent-encoded) names
/// nothing that exists (404) or is an invalid parameter (400), before any handler or query runs.
pub async fn refuse_control_in_url(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    let decoded = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let error = if has_control(&decoded(req.path())) {
        Some(AppError::NotFound)
    } else {
        url::form_urlencoded::parse(req.query_string().as_bytes())
            .find(|(k, v)| has_control(k) || has_control(v))
            .map(|(k, _)| {
                AppError::BadRequest(format!(
                    "invalid query parameters: {} must not contain control characters",
                    k.chars().filter(|c| !c.is_control()).collect::<String>()
                ))
            })
    };
    match error {
        Some(e) => {
            let res = actix_web::ResponseError::error_response(&e);
            Ok(req.into_response(res).map_into_right_body())
        }
        None => next.call(req).await.map(|r| r.map_into_left_body()),
    }
}

/// Parses JSON, telling syntax errors (400) from well-formed but wrong values (422 per field).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = strip_position(&inner.to_string());
        match inner.classify() {
            serde_json::error::Category::Data => {
                let field = if path == "." || path.is_empty() {
                    // "missing field `x`" and "unknown field `x`" name it inside the message.
                    message
                        .split('`')
                        .nth(1)
                        .filter(|_| message.contains("field"))
                        .unwrap_or("body")
                        .to_string()
                } else {
                    path
                };
                AppError::invalid(vec![FieldError::new(field, message)])
            }
            _ => AppError::BadRequest(format!("the body is not valid JSON: {message}")),
        }
    })
}

/// For PATCH fields that may be cleared: absent stays `None`, `null` becomes `Some(None)`.
/// Use with `#[serde(default, deserialize_with = "nullable")]`.
pub fn nullable<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// For `web::Query`: a malformed query string is a 400 with the reason.
pub fn query_error(err: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    AppError::BadRequest(format!("invalid query parameters: {err}")).into()
}

/// For `web::Path`: a path that does not parse names nothing that exists.
pub fn path_error(_: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    AppError::NotFound.into()
}

/// Requests no route takes: a known address with a method it does not support answers 405 with
/// `Allow` naming those it does (read from the OpenAPI document, which lists every route); any
/// other address a 404 like any other, with its own `type` so that a client can tell a wrong
/// address from a missing record.
pub async fn not_found(
    req: HttpRequest,
    doc: Option<web::Data<utoipa::openapi::OpenApi>>,
) -> HttpResponse {
    let allowed = doc
        .map(|doc| allowed_methods(&doc, req.path()))
        .unwrap_or_default();
    if allowed.is_empty() {
        return actix_web::ResponseError::error_response(&AppError::NoRoute);
    }
    let mut res = actix_web::ResponseError::error_response(&AppError::MethodNotAllowed);
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allowed.join(", ")) {
        res.headers_mut()
            .insert(actix_web::http::header::ALLOW, value);
    }
    res
}

/// The methods the document lists for the path template that `path` matches.
fn allowed_methods(doc: &utoipa::openapi::OpenApi, path: &str) -> Vec<&'static str> {
    let Some(item) = doc
        .paths
        .paths
        .iter()
        .find(|(template, _)| matches_template(template, path))
        .map(|(_, item)| item)
    else {
        return Vec::new();
    };
    [
        ("GET", item.get.is_some()),
        ("POST", item.post.is_some()),
        ("PUT", item.put.is_some()),
        ("PATCH", item.patch.is_some()),
        ("DELETE", item.delete.is_some()),
    ]
    .into_iter()
    .filter_map(|(m, has)| has.then_some(m))
    .collect()
}

/// `/cases/{id}/hearings` matches `/cases/abc/hearings`; `{token}.ics` matches `abc.ics`.
fn matches_template(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| match (t.find('{'), t.rfind('}')) {
                (Some(open), Some(close)) => {
                    let (prefix, suffix) = (&t[..open], &t[close + 1..]);
                    p.len() > prefix.len() + suffix.len()
                        && p.starts_with(prefix)
                        && p.ends_with(suffix)
                }
                _ => t == p,
            })
}
