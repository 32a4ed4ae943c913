//! Account rules shared by the admin API, `create-admin` and the first-run bootstrap.

use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{password, policy::Role};
use crate::db::page::ser_instant;
use crate::db::{self, audit, users, DbConnection};
use crate::error::{AppError, AppResult, FieldError};

/// The user object of API.md; never carries a hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub time_zone: String,
    pub reminders_enabled: bool,
    /// One morning e-mail listing the day's reminders instead of one e-mail each.
    pub reminder_digest: bool,
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "ser_instant")]
    pub created_at: chrono::NaiveDateTime,
}

impl From<&users::User> for UserView {
    fn from(u: &users::User) -> Self {
        UserView {
            id: u.id.clone(),
            email: u.email.clone(),
            name: u.name.clone(),
            role: Role::parse(&u.role).unwrap_or(Role::Caseworker),
            active: u.active,
            time_zone: u.time_zone.clone(),
            reminders_enabled: u.reminders_enabled,
            reminder_digest: u.reminder_digest,
            created_at: u.created_at,
        }
    }
}

impl UserView {
    /// For audit diffs.
    pub fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

pub fn check_email(email: &str) -> Result<String, String> {
    let email = email.trim().to_lowercase();
    if email.len() > 254 || email.parse::<lettre::Address>().is_err() {
        return Err("must be an e-mail address such as name@example.org".to_string());
    }
    Ok(email)
}

pub fn check_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err("must be 1 to 200 characters".to_string());
    }
    Ok(name.to_string())
}

pub fn check_time_zone(tz: &str) -> Result<String, String> {
    tz.parse::<Tz>()
        .map(|z| z.name().to_string())
        .map_err(|_| "must be an IANA time zone such as America/New_York".to_string())
}

/// A validated new account; the password is already hashed.
pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub time_zone: String,
}

/// Validates the fields of a new account together, so that every mistake is reported at once,
/// then hashes the password. Blocking (argon2): call inside `run_db`.
pub fn prepare(
    email: &str,
    name: &str,
    role: &str,
    pw: &str,
    time_zone: &str,
) -> AppResult<NewAccount> {
    let mut errors = Vec::new();
    let email = check_email(email)
        .map_err(|m| errors.push(FieldError::new("email", m)))
        .ok();
    let name = check_name(name)
        .map_err(|m| errors.push(FieldError::new("name", m)))
        .ok();
    let role = Role::parse(role);
    if role.is_none() {
        errors.push(FieldError::new("role", Role::allowed()));
    }
    let inputs = [
        email.as_deref().unwrap_or(""),
        name.as_deref().unwrap_or(""),
    ];
    if let Err(m) = password::check_strength(pw, &inputs) {
        errors.push(FieldError::new("password", m));
    }
    let time_zone = check_time_zone(time_zone)
        .map_err(|m| errors.push(FieldError::new("time_zone", m)))
        .ok();
    match (email, name, role, time_zone) {
        (Some(email), Some(name), Some(role), Some(time_zone)) if errors.is_empty() => {
            Ok(NewAccount {
                email,
                name,
                role,
                password_hash: password::hash(pw)?,
                time_zone,
            })
        }
        _ => Err(AppError::invalid(errors)),
    }
}

/// Inserts the account and its audit row in one transaction; 409 when the e-mail is taken.
pub fn create(
    conn: &mut DbConnection,
    actor_id: Option<&str>,
    account: &NewAccount,
) -> AppResult<users::User> {
    db::transaction(conn, |conn| {
        if users::email_taken(conn, &account.email)? {
            return Err(AppError::conflict(
                "email",
                "an account with this e-mail already exists",
            ));
        }
        let user = users::insert(
            conn,
            &users::NewUser {
                email: &account.email,
                name: &account.name,
                role: account.role.as_str(),
                password_hash: &account.password_hash,
                time_zone: &account.time_zone,
            },
        )?;
        audit::record(
            conn,
            actor_id,
            "create",
            "user",
            &user.id,
            audit::created(&UserView::from(&user).json()),
        )?;
        Ok(user)
    })
}
