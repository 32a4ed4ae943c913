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
        let body = read(req, payload, false);
        Box::pin(async move {
            body.await?
                .map(ApiJson)
                .ok_or_else(|| AppError::internal("a required body was read as absent"))
        })
    }
}

/// A body that may be left out (a cookie-mode refresh): no bytes at all, whatever the content
/// type, or JSON `null` is `None`; anything else is read as [`ApiJson`] reads it.
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<OptionalJson<T>, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read(req, payload, true);
        Box::pin(async move { body.await.map(OptionalJson) })
    }
}

type BodyFuture<T> = Pin<Box<dyn Future<Output = Result<Option<T>, AppError>>>>;

/// Reads and parses a JSON body; `None` only when `optional` and the body is empty. A required
/// body of another type is refused before it is read.
fn read<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    optional: bool,
) -> BodyFuture<T> {
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
        if !is_json && !optional {
            return Err(AppError::UnsupportedMediaType);
        }
        let bytes = bytes
            .await
            .map_err(|e| match e.as_error::<PayloadError>() {
                Some(PayloadError::Overflow) => AppError::PayloadTooLarge,
                _ => AppError::BadRequest("the request body could not be read".to_string()),
            })?;
        if optional && bytes.is_empty() {
            return Ok(None);
        }
        if !is_json {
            return Err(AppError::UnsupportedMediaType);
        }
        // The document describes an optional body as "the object or null": JSON `null` is the
        // body left out, said explicitly.
        if optional && bytes.trim_ascii() == b"null" {
            return Ok(None);
        }
        let value = parse(&bytes)?;
        refuse_control_characters(&bytes)?;
        Ok(Some(value))
    })
}

/// Control characters (NUL above all: PostgreSQL cannot store it in text) are refused in every
/// string of a body, naming each field; free text keeps newlines and tabs.
fn refuse_control_characters(bytes: &[u8]) -> Result<(), AppError> {
    // Parsing the body a second time is only needed when it can hold one at all (most don't).
    if !may_hold_control(bytes) {
        return Ok(());
    }
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

/// Whether valid JSON text may carry a control character in a string: raw C0 controls are not
/// valid JSON, so only an escape (`\u`, `\b`, `\f`), a raw DEL or a raw C1 character (UTF-8
/// `C2 80`..`C2 9F`) can. May say yes for nothing (an escaped backslash before a `u`); never no
/// for something.
fn may_hold_control(bytes: &[u8]) -> bool {
    bytes.contains(&0x7F)
        || bytes
            .windows(2)
            .any(|w| matches!(w, [b'\\', b'u' | b'b' | b'f'] | [0xC2, 0x80..=0x9F]))
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

/// 8 KiB: longer request targets get 414 (as web servers' default header buffers do).
pub const URI_LIMIT: usize = 8 * 1024;

/// Middleware: a request target over [`URI_LIMIT`] is 414; a path or query string carrying a control character (percent-encoded) names
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
    // No id, filter or cursor comes near this; a longer address only costs parsing and queries.
    let error = if req.uri().to_string().len() > URI_LIMIT {
        Some(AppError::UriTooLong)
    } else if has_control(&decoded(req.path())) {
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
/// serde stops at the first wrong field; to report every one at once, each top-level field found
/// wrong is noted, taken out, and the rest parsed again.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    // Every body is an object; serde would read `[]` as a struct of defaults.
    let first_byte = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first_byte.is_some_and(|b| *b != b'{')
        && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
    {
        return Err(AppError::field("body", "expected a JSON object"));
    }
    let first = match deserialize::<T>(bytes) {
        Ok(v) => return Ok(v),
        Err(Wrong::Syntax(message)) => {
            return Err(AppError::BadRequest(format!(
                "the body is not valid JSON: {message}"
            )))
        }
        Err(Wrong::Field { field, message, .. }) => FieldError::new(field, message),
    };
    let mut errors = vec![first];
    if let Ok(serde_json::Value::Object(mut map)) = serde_json::from_slice(bytes) {
        let mut removed = Vec::new();
        while let Some(key) = errors.last().and_then(|e| top_level_key(&e.field, &map)) {
            map.remove(&key);
            removed.push(key);
            let again = serde_json::to_vec(&map).unwrap_or_default();
            match deserialize::<T>(&again) {
                Err(Wrong::Field {
                    field,
                    message,
                    missing,
                }) if !(missing && removed.contains(&field)) => {
                    errors.push(FieldError::new(field, message))
                }
                _ => break,
            }
        }
    }
    Err(AppError::invalid(errors))
}

enum Wrong {
    Syntax(String),
    Field {
        field: String,
        message: String,
        /// A "missing field" error (which a field taken out may cause).
        missing: bool,
    },
}

fn deserialize<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Wrong> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = strip_position(&inner.to_string());
        match inner.classify() {
            serde_json::error::Category::Data => {
                let root = path == "." || path.is_empty();
                // "missing field `x`" and "unknown field `x`" name it inside the message.
                let named = message
                    .split('`')
                    .nth(1)
                    .filter(|_| root && message.contains(" field `"))
                    .map(str::to_string);
                let missing = named.is_some() && message.starts_with("missing field");
                let field = match (&named, root) {
                    (Some(f), _) => f.clone(),
                    (None, true) => "body".to_string(),
                    (None, false) => path,
                };
                Wrong::Field {
                    field,
                    message: plain(&message),
                    missing,
                }
            }
            _ => Wrong::Syntax(message),
        }
    })
}

/// The key of the body's top-level object that an error at `field` lies in, if it is there.
fn top_level_key(field: &str, map: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    let key = field.split(['.', '[']).next().unwrap_or(field);
    map.contains_key(key).then(|| key.to_string())
}

/// serde's wording in plain words: "invalid type: sequence, expected struct ClientInput" becomes
/// "expected a JSON object"; a missing field "is required".
fn plain(message: &str) -> String {
    if message.starts_with("missing field") {
        return "is required".to_string();
    }
    if message.starts_with("unknown field") {
        return message.replacen("unknown field", "is not a known field", 1);
    }
    let Some((_, expected)) = message.rsplit_once("expected ") else {
        return message.to_string();
    };
    let what = if expected.starts_with("struct ") || expected.starts_with("a map") {
        "a JSON object".to_string()
    } else if expected.starts_with("a sequence") || expected.starts_with("tuple") {
        "a JSON array".to_string()
    } else if expected.starts_with('i') || expected.starts_with('u') {
        "a whole number".to_string()
    } else if expected.starts_with('f') {
        "a number".to_string()
    } else if expected == "a boolean" {
        "true or false".to_string()
    } else if expected.starts_with("a string") || expected.starts_with("a borrowed string") {
        "a string".to_string()
    } else if expected.starts_with("a date YYYY-MM-DD") {
        return crate::domain::dates::DATE_MESSAGE.to_string();
    } else {
        expected.to_string()
    };
    if message.starts_with("invalid type: null") {
        format!("must not be null: expected {what}")
    } else {
        format!("expected {what}")
    }
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

/// For PATCH fields that may be left out but not cleared (a name, a kind): absent stays `None`,
/// `null` is a 422 naming the field. Use with `#[serde(default, deserialize_with = "not_null")]`.
pub fn not_null<'de, T, D>(d: D) -> Result<Option<T>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    match Option::<T>::deserialize(d)? {
        Some(v) => Ok(Some(v)),
        None => Err(serde::de::Error::custom(
            "must not be null: leave it out to keep it",
        )),
    }
}

/// Replaces `web::Query`: a parameter of the wrong type is a 400 naming it; a date out of form or
/// range a 422 naming it, as in a body.
pub struct ApiQuery<T>(pub T);

impl<T> ApiQuery<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for ApiQuery<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for ApiQuery<T> {
    type Error = AppError;
    type Future = std::future::Ready<Result<ApiQuery<T>, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(ApiQuery))
    }
}

/// Parses a query string, naming the parameter that is wrong.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, AppError> {
    let de = serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        let name = if path == "." || path.is_empty() {
            message
                .split('`')
                .nth(1)
                .map(str::to_string)
                .unwrap_or_else(|| "query".to_string())
        } else {
            path
        };
        if message == crate::domain::dates::RANGE_MESSAGE {
            AppError::field(&name, message)
        } else {
            AppError::BadRequest(format!(
                "invalid query parameters: {name}: {}",
                plain(&message)
            ))
        }
    })
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// For a `web::Query` left (routes take [`ApiQuery`], which names the parameter): a malformed
/// query string is a 400 with the reason in plain words.
pub fn query_error(err: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    let reason = match &err {
        QueryPayloadError::Deserialize(e) => plain(&e.to_string()),
        other => other.to_string(),
    };
    AppError::BadRequest(format!("invalid query parameters: {reason}")).into()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_check_misses_no_control_character() {
        for c in (0u32..0x20).chain(0x7F..0xA0).filter_map(char::from_u32) {
            let body =
                serde_json::to_vec(&serde_json::json!({ "name": format!("a{c}b") })).unwrap();
            let expected = has_control(&c.to_string());
            assert!(!expected || may_hold_control(&body), "U+{:04X}", c as u32);
        }
        // An escape only says "maybe" (é written as \u00e9): the full check then decides.
        assert!(may_hold_control(br#"{"name": "Jos\u00e9"}"#));
        assert!(!may_hold_control(
            "{\"name\": \"José García 秀英\"}".as_bytes()
        ));
    }
}

/// A whole number as JSON Schema's `integer` counts one: `7` and `7.0` alike (a JSON client may
/// send `7.0`, and schemathesis did). `7.5`, a string, or a number outside `T` is refused as
/// "expected a whole number". `T` is the field's integer type (`Whole<i32>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Whole<T>(pub T);

impl<'de, T: TryFrom<i64>> serde::Deserialize<'de> for Whole<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, Unexpected, Visitor};
        // The wording starts with "i", which `plain` turns into "a whole number".
        const EXPECTED: &str = "integer (a whole number)";
        struct Number;
        impl Visitor<'_> for Number {
            type Value = i64;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_i64<E: Error>(self, v: i64) -> Result<i64, E> {
                Ok(v)
            }
            fn visit_u64<E: Error>(self, v: u64) -> Result<i64, E> {
                i64::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
            }
            fn visit_f64<E: Error>(self, v: f64) -> Result<i64, E> {
                // Exact below 2^53; beyond that no field of ours has a use for the number.
                if v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Ok(v as i64)
                } else {
                    Err(E::invalid_value(Unexpected::Float(v), &self))
                }
            }
        }
        let n = d.deserialize_any(Number)?;
        T::try_from(n)
            .map(Whole)
            .map_err(|_| D::Error::invalid_value(Unexpected::Signed(n), &EXPECTED))
    }
}

#[cfg(test)]
mod whole_numbers {
    use super::Whole;

    #[test]
    fn integers_and_integral_floats_are_whole_numbers() {
        let parse = |s: &str| serde_json::from_str::<Whole<i32>>(s).map(|w| w.0);
        assert_eq!(parse("7").unwrap(), 7);
        assert_eq!(parse("7.0").unwrap(), 7);
        assert_eq!(parse("-3").unwrap(), -3);
        for bad in ["7.5", "\"7\"", "true", "3000000000", "1e300"] {
            let e = parse(bad).unwrap_err().to_string();
            assert!(e.contains("expected integer"), "{bad}: {e}");
        }
    }
}
