//! Clients over HTTP: create, list, search, read and change. Parses requests into
//! [`ClientFields`] and answers what `service::clients` returns; the rules live there.

use actix_web::{get, patch, post, web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::extract::AuthUser;
use crate::db::page::Page;
use crate::domain::dates::Day;
use crate::domain::identifiers;
use crate::domain::vocab::MannerOfEntry;
use crate::error::{AppError, AppResult, Fields};
use crate::http::body::{not_null, nullable, ApiJson, ApiQuery, Whole};
use crate::http::doc::Conflict;
use crate::http::list::List;
use crate::service::clients::{self, ClientFields, ClientSummary, ClientView};
use crate::service::org_today;
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_client)
        .service(list_clients)
        .service(search_clients)
        .service(get_client)
        .service(patch_client);
}

/// The most languages a client may have recorded.
const MAX_LANGUAGES: usize = 20;

/// The body of POST (given_name, family_name and last_arrival_on required) and PATCH (all
/// optional; `null` clears an optional field).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    /// Trimmed; 1 to 200 characters.
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    #[serde(default, deserialize_with = "not_null")]
    pub given_name: Option<String>,
    /// Trimmed; 1 to 200 characters.
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    #[serde(default, deserialize_with = "not_null")]
    pub family_name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub native_name: Option<Option<String>>,
    /// `A123456789`, `123-456-789`, `12345678`, ...; stored as `A` + 9 digits.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub a_number: Option<Option<String>>,
    /// `YYYY-MM-DD`, from 1900 to today.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Day>)]
    pub date_of_birth: Option<Option<Day>>,
    /// ISO 3166-1 alpha-2.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub nationality: Option<Option<String>>,
    /// BCP 47 tags: `cmn`, `yue`, `es`, ...; at most 20, each at most 35 characters.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false, max_items = 20)]
    pub languages: Option<Vec<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub interpreter_needed: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    /// Digits, spaces and `+ - ( ) .`; at most 40 characters; blank clears it.
    #[schema(
        value_type = Option<String>,
        max_length = 40,
        pattern = "^[0-9 +().-]*$|^[ \\t\\n\\r]*$"
    )]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub address: Option<Option<String>>,
    /// `YYYY-MM-DD`, from 1900 to today.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub last_arrival_on: Option<Day>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub arrival_place: Option<Option<String>>,
    /// `without_inspection`, `parole`, `visa` or `other`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<MannerOfEntry>)]
    pub manner_of_entry: Option<Option<String>>,
    /// PATCH only: archive or restore.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub archived: Option<bool>,
}

impl ClientInput {
    /// Checks every field and gathers every mistake. `creating` requires the names and the
    /// arrival date and refuses `archived`; dates are judged against the organisation's `today`.
    fn parse(self, creating: bool, today: NaiveDate) -> AppResult<ClientFields> {
        let mut errors = Fields::new();
        let mut out = ClientFields::default();

        // "is required" only for an absent field: a blank one already has its own message.
        let (given_sent, family_sent) = (self.given_name.is_some(), self.family_name.is_some());
        out.given_name = name(self.given_name, "given_name", &mut errors);
        out.family_name = name(self.family_name, "family_name", &mut errors);
        if creating {
            for (field, present) in [
                ("given_name", given_sent),
                ("family_name", family_sent),
                ("last_arrival_on", self.last_arrival_on.is_some()),
            ] {
                if !present {
                    errors.push(field, "is required");
                }
            }
        }
        // Kept as typed: a name in its own script is not ours to normalise.
        out.native_name = text(self.native_name, "native_name", 200, &mut errors);
        out.address = text(self.address, "address", 500, &mut errors);
        out.arrival_place = text(self.arrival_place, "arrival_place", 200, &mut errors);
        out.phone = text(self.phone, "phone", 40, &mut errors);
        if let Some(Some(p)) = &out.phone {
            if !p
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
            {
                errors.push("phone", "may hold digits, spaces and + - ( ) . only");
            }
        }
        out.email = text(self.email, "email", 254, &mut errors).map(|e| {
            e.and_then(|e| errors.check("email", crate::service::accounts::check_email(&e)))
        });
        out.a_number = self.a_number.map(|a| {
            a.filter(|s| !s.trim().is_empty()).and_then(|a| {
                let normal = identifiers::normalize_a_number(&a).map_err(|e| e.message());
                errors.check("a_number", normal)
            })
        });
        out.nationality = self.nationality.map(|n| {
            n.filter(|s| !s.trim().is_empty()).and_then(|n| {
                let code = identifiers::validate_country(&n).map_err(|e| e.message());
                errors.check("nationality", code)
            })
        });
        if let Some(langs) = self.languages {
            if langs.len() > MAX_LANGUAGES {
                errors.push("languages", format!("at most {MAX_LANGUAGES} languages"));
            }
            let mut tags = Vec::new();
            for (i, l) in langs.iter().enumerate() {
                match identifiers::validate_language_tag(l) {
                    Ok(t) if !tags.contains(&t) => tags.push(t),
                    Ok(_) => {}
                    Err(e) => errors.push(&format!("languages[{i}]"), e.message()),
                }
            }
            out.languages = Some(tags);
        }
        out.interpreter_needed = self.interpreter_needed;
        let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default();
        let (dob, arrival) = (
            self.date_of_birth.map(|d| d.map(Day::date)),
            self.last_arrival_on.map(Day::date),
        );
        if let Some(Some(dob)) = dob {
            if dob > today || dob < earliest {
                errors.push("date_of_birth", "must be a past date after 1900");
            }
        }
        out.date_of_birth = dob;
        if let Some(arrival) = arrival {
            if arrival > today || arrival < earliest {
                errors.push(
                    "last_arrival_on",
                    "must be a date after 1900 and not in the future",
                );
            }
        }
        out.last_arrival_on = arrival;
        out.manner_of_entry = self.manner_of_entry.map(|m| {
            m.and_then(|m| {
                errors.check(
                    "manner_of_entry",
                    MannerOfEntry::parse(&m).ok_or_else(MannerOfEntry::allowed),
                )
            })
        });
        if creating && self.archived.is_some() {
            errors.push("archived", "a new client cannot be archived");
        }
        out.archived = self.archived;
        errors.finish()?;
        Ok(out)
    }
}

/// A name: trimmed, 1 to 200 characters.
fn name(v: Option<String>, field: &str, errors: &mut Fields) -> Option<String> {
    let v = v?;
    let t = v.trim();
    if t.is_empty() || t.chars().count() > 200 {
        errors.push(field, "must be 1 to 200 characters");
        None
    } else {
        Some(t.to_string())
    }
}

/// An optional text: blank clears it, longer than `max` characters is refused.
fn text(
    v: Option<Option<String>>,
    field: &str,
    max: usize,
    errors: &mut Fields,
) -> Option<Option<String>> {
    v.map(|inner| {
        inner.filter(|s| !s.trim().is_empty()).and_then(|s| {
            if s.chars().count() > max {
                errors.push(field, format!("must be at most {max} characters"));
                None
            } else {
                Some(s)
            }
        })
    })
}

/// Create a client. Any signed-in user; the creator sees the client until it has a case.
#[utoipa::path(
    request_body = ClientInput,
    responses(
        (status = 201, body = ClientView),
        Conflict
    ),
    tag = "clients"
)]
#[post("/clients")]
pub async fn create_client(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ApiJson<ClientInput>,
) -> AppResult<HttpResponse> {
    let fields = body.0.parse(true, org_today(&state.settings))?;
    let view = clients::create(&state, &user, fields).await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Include archived clients (default false).
    pub include_archived: Option<bool>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Visible clients, oldest first. Any signed-in user (admins see all).
#[utoipa::path(
    params(ListQuery),
    responses(
        (status = 200, body = List<ClientSummary>)
    ),
    tag = "clients"
)]
#[get("/clients")]
pub async fn list_clients(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ApiQuery<ListQuery>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let page = Page::from_params(q.limit, q.cursor.as_deref())?;
    let list = clients::list(&state, &user, q.include_archived.unwrap_or(false), page).await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    /// Part of a name (given, family or native; any case), or an A-number in any accepted form.
    /// Trimmed; 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub q: String,
    /// 1 to 200, default 50.
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<Whole<i64>>,
    /// The `next_cursor` of the previous page.
    #[schema(min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
    pub include_archived: Option<bool>,
}

/// Find visible clients by name or A-number. A POST, so that what is searched for never sits in
/// a URL or an access log. Any signed-in user.
#[utoipa::path(
    request_body = SearchRequest,
    responses(
        (status = 200, body = List<ClientSummary>)
    ),
    tag = "clients"
)]
#[post("/clients/search")]
pub async fn search_clients(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ApiJson<SearchRequest>,
) -> AppResult<HttpResponse> {
    let req = body.0;
    let q = req.q.trim();
    if q.is_empty() || q.chars().count() > 200 {
        return Err(AppError::field("q", "must be 1 to 200 characters"));
    }
    let page = Page::from_params(req.limit.map(|w| w.0), req.cursor.as_deref())?;
    let archived = req.include_archived.unwrap_or(false);
    let list = clients::search(&state, &user, q, archived, page).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// A client's full record. Visible clients only (404 otherwise); every read is audited.
#[utoipa::path(
    params(("id" = String, Path, description = "Client id")),
    responses(
        (status = 200, body = ClientView)
    ),
    tag = "clients"
)]
#[get("/clients/{id}")]
pub async fn get_client(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let view = clients::get(&state, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Change or archive a client. Visible clients only (404 otherwise). A new arrival date
/// recomputes the deadlines of every case of the client.
#[utoipa::path(
    params(("id" = String, Path, description = "Client id")),
    request_body = ClientInput,
    responses(
        (status = 200, body = ClientView),
        Conflict
    ),
    tag = "clients"
)]
#[patch("/clients/{id}")]
pub async fn patch_client(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ApiJson<ClientInput>,
) -> AppResult<HttpResponse> {
    let fields = body.0.parse(false, org_today(&state.settings))?;
    let view = clients::update(&state, &user, id.into_inner(), fields).await?;
    Ok(HttpResponse::Ok().json(view))
}
