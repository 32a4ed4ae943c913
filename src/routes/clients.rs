//! Clients. Any signed-in user may create one; reading, changing and finding a client needs it to
//! be visible to the caller (policy), else 404. Lists and search return summaries without
//! A-number, birth date or contact data; the full record is audited on every read.

use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::extract::AuthUser;
use crate::auth::policy::scope;
use crate::db::clients::{self, Client, ClientChanges, ClientQuery};
use crate::db::page::{ser_instant, Page};
use crate::db::{self, audit, run_db};
use crate::domain::identifiers;
use crate::domain::vocab::MannerOfEntry;
use crate::error::{AppError, AppResult, FieldError};
use crate::http::body::{nullable, ApiJson};
use crate::http::doc::Conflict;
use crate::service::recompute;
use crate::service::{org_today, Context};
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_client)
        .service(list_clients)
        .service(search_clients)
        .service(get_client)
        .service(patch_client);
}

/// The full record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientView {
    pub id: String,
    pub given_name: String,
    pub family_name: String,
    pub native_name: Option<String>,
    /// `A` and 9 digits.
    pub a_number: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub nationality: Option<String>,
    pub languages: Vec<String>,
    pub interpreter_needed: bool,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub last_arrival_on: NaiveDate,
    pub arrival_place: Option<String>,
    pub manner_of_entry: Option<String>,
    pub archived: bool,
    pub created_by: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub updated_at: NaiveDateTime,
}

impl From<&Client> for ClientView {
    fn from(c: &Client) -> Self {
        ClientView {
            id: c.id.clone(),
            given_name: c.given_name.clone(),
            family_name: c.family_name.clone(),
            native_name: c.native_name.clone(),
            a_number: c.a_number.clone(),
            date_of_birth: c.date_of_birth,
            nationality: c.nationality.clone(),
            languages: serde_json::from_str(&c.languages).unwrap_or_default(),
            interpreter_needed: c.interpreter_needed,
            phone: c.phone.clone(),
            email: c.email.clone(),
            address: c.address.clone(),
            last_arrival_on: c.last_arrival_on,
            arrival_place: c.arrival_place.clone(),
            manner_of_entry: c.manner_of_entry.clone(),
            archived: c.archived,
            created_by: c.created_by.clone(),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

impl ClientView {
    fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// What lists and search return: enough to pick the right person, nothing more.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientSummary {
    pub id: String,
    pub given_name: String,
    pub family_name: String,
    pub native_name: Option<String>,
    pub nationality: Option<String>,
    pub languages: Vec<String>,
    pub interpreter_needed: bool,
    pub archived: bool,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: NaiveDateTime,
}

impl From<&Client> for ClientSummary {
    fn from(c: &Client) -> Self {
        ClientSummary {
            id: c.id.clone(),
            given_name: c.given_name.clone(),
            family_name: c.family_name.clone(),
            native_name: c.native_name.clone(),
            nationality: c.nationality.clone(),
            languages: serde_json::from_str(&c.languages).unwrap_or_default(),
            interpreter_needed: c.interpreter_needed,
            archived: c.archived,
            created_at: c.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ClientList {
    pub items: Vec<ClientSummary>,
    pub next_cursor: Option<String>,
}

/// The body of POST (given_name, family_name and last_arrival_on required) and PATCH (all
/// optional; `null` clears an optional field).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientInput {
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub native_name: Option<Option<String>>,
    /// `A123456789`, `123-456-789`, `12345678`, ...; stored as `A` + 9 digits.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub a_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub date_of_birth: Option<Option<NaiveDate>>,
    /// ISO 3166-1 alpha-2.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub nationality: Option<Option<String>>,
    /// BCP 47 tags: `cmn`, `yue`, `es`, ...
    pub languages: Option<Vec<String>>,
    pub interpreter_needed: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    pub last_arrival_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub arrival_place: Option<Option<String>>,
    /// `without_inspection`, `parole`, `visa` or `other`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub manner_of_entry: Option<Option<String>>,
    /// PATCH only: archive or restore.
    pub archived: Option<bool>,
}

/// Checks every field and gathers every mistake; returns the columns to write.
fn validate(
    input: ClientInput,
    creating: bool,
    today: NaiveDate,
) -> Result<ClientChanges, AppError> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut err = |field: &str, message: &str| errors.push(FieldError::new(field, message));
    let mut out = ClientChanges::default();

    let name =
        |v: Option<String>, field: &str, err: &mut dyn FnMut(&str, &str)| -> Option<String> {
            let v = v?;
            let t = v.trim();
            if t.is_empty() || t.chars().count() > 200 {
                err(field, "must be 1 to 200 characters");
                None
            } else {
                Some(t.to_string())
            }
        };
    // "is required" only for an absent field: a blank one already has its own message.
    let (given_sent, family_sent) = (input.given_name.is_some(), input.family_name.is_some());
    out.given_name = name(input.given_name, "given_name", &mut err);
    out.family_name = name(input.family_name, "family_name", &mut err);
    if creating {
        for (field, present) in [
            ("given_name", given_sent),
            ("family_name", family_sent),
            ("last_arrival_on", input.last_arrival_on.is_some()),
        ] {
            if !present {
                err(field, "is required");
            }
        }
    }
    let text =
        |v: Option<Option<String>>, field: &str, max: usize, err: &mut dyn FnMut(&str, &str)| {
            v.map(|inner| {
                inner.filter(|s| !s.trim().is_empty()).and_then(|s| {
                    if s.chars().count() > max {
                        err(field, &format!("must be at most {max} characters"));
                        None
                    } else {
                        Some(s)
                    }
                })
            })
        };
    // Kept as typed: a name in its own script is not ours to normalise.
    out.native_name = text(input.native_name, "native_name", 200, &mut err);
    out.address = text(input.address, "address", 500, &mut err);
    out.arrival_place = text(input.arrival_place, "arrival_place", 200, &mut err);
    out.phone = text(input.phone, "phone", 40, &mut err);
    if let Some(Some(p)) = &out.phone {
        if !p
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
        {
            err("phone", "may hold digits, spaces and + - ( ) . only");
        }
    }
    out.email = text(input.email, "email", 254, &mut err).map(|e| {
        e.and_then(|e| match crate::accounts::check_email(&e) {
            Ok(ok) => Some(ok),
            Err(m) => {
                err("email", &m);
                None
            }
        })
    });
    out.a_number = input.a_number.map(|a| {
        a.filter(|s| !s.trim().is_empty()).and_then(|a| {
            identifiers::normalize_a_number(&a)
                .map_err(|e| err("a_number", e.message()))
                .ok()
        })
    });
    out.nationality = input.nationality.map(|n| {
        n.filter(|s| !s.trim().is_empty()).and_then(|n| {
            identifiers::validate_country(&n)
                .map_err(|e| err("nationality", e.message()))
                .ok()
        })
    });
    if let Some(langs) = input.languages {
        let mut tags = Vec::new();
        for (i, l) in langs.iter().enumerate() {
            match identifiers::validate_language_tag(l) {
                Ok(t) if !tags.contains(&t) => tags.push(t),
                Ok(_) => {}
                Err(e) => err(&format!("languages[{i}]"), e.message()),
            }
        }
        out.languages = Some(serde_json::Value::from(tags).to_string());
    }
    out.interpreter_needed = input.interpreter_needed;
    let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default();
    if let Some(Some(dob)) = input.date_of_birth {
        if dob > today || dob < earliest {
            err("date_of_birth", "must be a past date after 1900");
        }
    }
    out.date_of_birth = input.date_of_birth;
    if let Some(arrival) = input.last_arrival_on {
        if arrival > today || arrival < earliest {
            err(
                "last_arrival_on",
                "must be a date after 1900 and not in the future",
            );
        }
    }
    out.last_arrival_on = input.last_arrival_on;
    out.manner_of_entry = input.manner_of_entry.map(|m| {
        m.and_then(|m| match MannerOfEntry::parse(&m) {
            Some(v) => Some(v.as_str().to_string()),
            None => {
                err("manner_of_entry", &MannerOfEntry::allowed());
                None
            }
        })
    });
    if creating && input.archived.is_some() {
        err("archived", "a new client cannot be archived");
    }
    out.archived = input.archived;
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(AppError::invalid(errors))
    }
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
    let changes = validate(body.0, true, org_today(&state.settings))?;
    let view = run_db(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            if let Some(Some(a)) = &changes.a_number {
                if clients::a_number_taken(conn, a, None)? {
                    return Err(clients::duplicate_a_number());
                }
            }
            let client = clients::insert(conn, &db::new_id(), &user.id, &changes)?;
            let view = ClientView::from(&client);
            audit::record(
                conn,
                Some(&user.id),
                "create",
                "client",
                &client.id,
                audit::created(&view.json()),
            )?;
            Ok(view)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
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
        (status = 200, body = ClientList)
    ),
    tag = "clients"
)]
#[get("/clients")]
pub async fn list_clients(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let page = Page::from_params(q.limit, q.cursor.as_deref())?;
    let query = ClientQuery {
        include_archived: q.include_archived.unwrap_or(false),
        ..Default::default()
    };
    list_response(&state, user, query, page).await
}

async fn list_response(
    state: &AppState,
    user: AuthUser,
    query: ClientQuery,
    page: Page,
) -> AppResult<HttpResponse> {
    let (rows, next_cursor) = run_db(&state.pool, move |conn| {
        clients::list(conn, &scope(&user), &query, &page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ClientList {
        items: rows.iter().map(ClientSummary::from).collect(),
        next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    /// Part of a name (given, family or native; any case), or an A-number in any accepted form.
    pub q: String,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    pub include_archived: Option<bool>,
}

/// Find visible clients by name or A-number. A POST, so that what is searched for never sits in
/// a URL or an access log. Any signed-in user.
#[utoipa::path(
    request_body = SearchRequest,
    responses(
        (status = 200, body = ClientList)
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
    let page = Page::from_params(req.limit, req.cursor.as_deref())?;
    let query = ClientQuery {
        include_archived: req.include_archived.unwrap_or(false),
        text: Some(q.to_lowercase()),
        a_number: identifiers::a_number_search_key(q),
    };
    list_response(&state, user, query, page).await
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
    let id = id.into_inner();
    let view = run_db(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            let client = clients::find(conn, &id, &scope(&user))?;
            audit::record(
                conn,
                Some(&user.id),
                "read",
                "client",
                &client.id,
                serde_json::json!({}),
            )?;
            Ok(ClientView::from(&client))
        })
    })
    .await?;
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
    let id = id.into_inner();
    let mut changes = validate(body.0, false, org_today(&state.settings))?;
    let ctx = Context::now(&state.settings);
    let view = run_db(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            let before = clients::find(conn, &id, &scope(&user))?;
            if let Some(Some(a)) = &changes.a_number {
                if clients::a_number_taken(conn, a, Some(&id))? {
                    return Err(clients::duplicate_a_number());
                }
            }
            if changes.given_name.is_some()
                || changes.family_name.is_some()
                || changes.native_name.is_some()
            {
                let given = changes
                    .given_name
                    .clone()
                    .unwrap_or_else(|| before.given_name.clone());
                let family = changes
                    .family_name
                    .clone()
                    .unwrap_or_else(|| before.family_name.clone());
                let native = changes
                    .native_name
                    .clone()
                    .unwrap_or_else(|| before.native_name.clone());
                changes.search_key = Some(clients::search_key(&given, &family, native.as_deref()));
            }
            let arrival_changed = changes
                .last_arrival_on
                .is_some_and(|d| d != before.last_arrival_on);
            clients::update(conn, &id, changes)?;
            let after = clients::find(conn, &id, &crate::db::scope::Scope::Internal)?;
            if arrival_changed {
                recompute::client_changed(conn, &id, &ctx)?;
            }
            let (b, a) = (ClientView::from(&before), ClientView::from(&after));
            let mut diff = audit::diff(&b.json(), &a.json());
            if let Some(obj) = diff.as_object_mut() {
                obj.remove("updated_at");
            }
            audit::record(conn, Some(&user.id), "update", "client", &id, diff)?;
            Ok(a)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}
