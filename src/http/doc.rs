//! The OpenAPI document's error responses, declared once.
//!
//! [`StandardErrors`] adds to every operation the problem+json answers its shape makes possible
//! (401 where a token is required, 404 where the path names a record, 400/413/415/422 where there
//! is a body, 400/422 where there is a query, 414 where there is either), so that no handler lists them. The answers only some
//! endpoints give are response types to name in `responses(...)`: [`Forbidden`], [`Conflict`],
//! [`TooManyAttempts`], [`BadCredential`], [`BadHeader`], [`CsrfHeaderRequired`].

use std::collections::BTreeMap;

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::{IntoResponses, Modify};

pub const PROBLEM_JSON: &str = "application/problem+json";

fn problem(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

fn one(status: &str, description: &str) -> BTreeMap<String, RefOr<Response>> {
    BTreeMap::from([(status.to_string(), problem(description))])
}

/// 403: the caller's role may never do this.
pub struct Forbidden;
impl IntoResponses for Forbidden {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        one("403", "The caller's role may not do this")
    }
}

/// 401 on an endpoint that takes no token: the credential in the body was refused.
pub struct BadCredential;
impl IntoResponses for BadCredential {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        one("401", "The credential in the body was refused")
    }
}

/// 409: a unique value (e-mail, A-number, receipt number) is taken, or the state forbids it.
pub struct Conflict;
impl IntoResponses for Conflict {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        one("409", "Conflicts with what is stored")
    }
}

/// 400 on an endpoint without a body: a header has a value it does not take.
pub struct BadHeader;
impl IntoResponses for BadHeader {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        one("400", "A header has a value this endpoint does not take")
    }
}

/// 403 `csrf-header-required` of a refresh: the `asylum_refresh` cookie came without
/// `X-Asylum-Session: cookie` and without a token in the body.
pub struct CsrfHeaderRequired;
impl IntoResponses for CsrfHeaderRequired {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        one(
            "403",
            "The refresh cookie came without X-Asylum-Session: cookie (type csrf-header-required)",
        )
    }
}

/// 429: too many attempts (an account locked, or over a per-address limit of `http::limits`);
/// `Retry-After` says when to try again.
pub struct TooManyAttempts;
impl IntoResponses for TooManyAttempts {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let retry_after = utoipa::openapi::header::HeaderBuilder::new()
            .schema(Some(
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::Type::Integer)
                    .minimum(Some(1)),
            ))
            .description(Some("Seconds to wait before trying again"))
            .build();
        let response = ResponseBuilder::new()
            .description("Too many attempts (an account locked, or too many from one address); see Retry-After")
            .header("Retry-After", retry_after)
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build();
        BTreeMap::from([("429".to_string(), response.into())])
    }
}

/// Adds the answers every operation of a given shape can give, a `description` to every response
/// (OpenAPI requires one), and turns `security(())` into "no authentication".
pub struct StandardErrors;

impl Modify for StandardErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                complete(op);
            }
        }
    }
}

fn is_public(op: &Operation) -> bool {
    op.security.as_ref().is_some_and(|reqs| {
        reqs.iter().all(|r| {
            serde_json::to_value(r).is_ok_and(|v| v.as_object().is_some_and(|o| o.is_empty()))
        })
    })
}

fn complete(op: &mut Operation) {
    let public = is_public(op);
    if public {
        // `security(())` is written `[{}]`, "optional"; these take no token at all.
        op.security = Some(Vec::new());
    }
    let params = op.parameters.clone().unwrap_or_default();
    let has = |place: ParameterIn| {
        params
            .iter()
            .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
    };
    let mut add = Vec::new();
    if !public {
        add.push(("401", "No valid access token"));
    }
    if has(ParameterIn::Path) {
        add.push(("404", "No such record, or not visible to the caller"));
    }
    if op.request_body.is_some() {
        add.extend([
            ("400", "The body is not valid JSON"),
            ("413", "The body is larger than 256 KiB"),
            ("415", "The body is not application/json"),
            ("422", "Well-formed but invalid; `errors` names each field"),
        ]);
    }
    if has(ParameterIn::Query) {
        add.extend([
            ("400", "The query string does not parse"),
            ("422", "Well-formed but invalid; `errors` names each field"),
        ]);
    }
    // Any address can be made too long: ids and query values are the parts a client varies.
    if has(ParameterIn::Path) || has(ParameterIn::Query) {
        add.push(("414", "The request address is longer than 8 KiB"));
    }
    let responses = &mut op.responses.responses;
    for (status, description) in add {
        responses
            .entry(status.to_string())
            .or_insert_with(|| problem(description));
    }
    for (status, response) in responses.iter_mut() {
        if let RefOr::T(r) = response {
            if r.description.is_empty() {
                r.description = reason(status).to_string();
            }
        }
    }
}

fn reason(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "202" => "Accepted",
        "204" => "No content",
        "304" => "Not modified",
        "400" => "Bad request",
        "401" => "No valid access token",
        "403" => "Forbidden",
        "404" => "Not found",
        "409" => "Conflict",
        "414" => "URI too long",
        "422" => "Invalid input",
        "429" => "Too many attempts",
        "503" => "Unavailable",
        _ => "Response",
    }
}

/// What no stored or accepted text may hold: control characters other than line breaks and tabs
/// (see `http::body::has_control`), as a JSON Schema pattern.
/// The same, for text that must hold something besides white space (a `minLength` of 1).
const NON_BLANK: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";
const NO_CONTROL: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

/// An IANA time zone name, for the document: the names the server parses (chrono-tz).
pub struct TimeZoneName;

impl utoipa::PartialSchema for TimeZoneName {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("An IANA time zone such as America/New_York."))
            .enum_values(Some(chrono_tz::TZ_VARIANTS.iter().map(|z| z.name())))
            .into()
    }
}

impl utoipa::ToSchema for TimeZoneName {}

/// A local date and time `YYYY-MM-DDTHH:MM` as a hearing notice gives it (real calendar days).
pub struct LocalDateTime;

impl utoipa::PartialSchema for LocalDateTime {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "Local time YYYY-MM-DDTHH:MM, as on the notice; years 1900 to 2199.",
            ))
            .pattern(Some(concat!(
                "^(?:(?:19|20|21)[0-9]{2}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])",
                "|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)",
                "|(?:(?:19|20|21)(?:0[48]|[2468][048]|[13579][26])|2000)-02-29)",
                "T(?:[01][0-9]|2[0-3]):[0-5][0-9]$"
            )))
            .into()
    }
}

impl utoipa::ToSchema for LocalDateTime {}

/// The document as served: the typed one, plus the rules every operation shares that utoipa's
/// attributes would otherwise repeat on each field: free text refuses control characters, `limit`
/// is 1 to 200, `cursor` is a non-empty opaque token, and text with a minimum length must hold
/// more than white space (the server trims it).
pub fn served(doc: &utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut json = serde_json::to_value(doc).unwrap_or_default();
    if let Some(paths) = json.get_mut("paths").and_then(|p| p.as_object_mut()) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for op in item.values_mut() {
                let Some(params) = op.get_mut("parameters").and_then(|p| p.as_array_mut()) else {
                    continue;
                };
                for param in params {
                    let name = param["name"].as_str().unwrap_or_default().to_string();
                    let query = param["in"] == "query";
                    let Some(schema) = param.get_mut("schema") else {
                        continue;
                    };
                    match name.as_str() {
                        "limit" if query => {
                            schema["minimum"] = 1.into();
                            schema["maximum"] = crate::db::page::MAX_LIMIT.into();
                        }
                        "cursor" if query => {
                            schema["minLength"] = 1.into();
                            schema["pattern"] = "^[A-Za-z0-9_-]+$".into();
                        }
                        _ => no_control(schema),
                    }
                }
            }
        }
    }
    if let Some(schemas) = json
        .pointer_mut("/components/schemas")
        .and_then(|s| s.as_object_mut())
    {
        // Problems quote what was sent (an unknown field's name), so they are left as they are.
        for (name, schema) in schemas.iter_mut() {
            if !matches!(name.as_str(), "Problem" | "FieldError") {
                no_control(schema);
            }
        }
    }
    json
}

/// Adds the control-character pattern to every plain string schema below `value`.
fn no_control(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            let is_string = match map.get("type") {
                Some(serde_json::Value::String(t)) => t == "string",
                Some(serde_json::Value::Array(ts)) => ts.iter().any(|t| t == "string"),
                _ => false,
            };
            let plain = !map.contains_key("enum")
                && !map.contains_key("format")
                && !map.contains_key("pattern");
            if is_string && plain {
                let non_blank = map.get("minLength").and_then(|m| m.as_u64()) >= Some(1);
                let pattern = if non_blank { NON_BLANK } else { NO_CONTROL };
                map.insert("pattern".into(), pattern.into());
            }
            for child in map.values_mut() {
                no_control(child);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(no_control),
        _ => {}
    }
}
