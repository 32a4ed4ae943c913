//! Accounts: the user view, the rules of a valid account, and the use cases of the admin API
//! (list, create, read, change), of the caller's own profile, of `create-admin` and of the
//! first-run bootstrap.

use crate::service::in_transaction;
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::extract::AuthUser;
use crate::auth::password::{self, Hasher};
use crate::auth::policy::{require_admin, Role};
use crate::config::Settings;
use crate::db::page::{ser_instant, Page, PageParams};
use crate::db::{self, audit, calendar, run_db, sessions, users, DbConnection, DbPool};
use crate::domain::email;
use crate::error::{AppError, AppResult, Fields};
use crate::reminders::outbox;
use crate::state::AppState;

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
    /// Whether an authenticator app (TOTP) is enrolled as a second factor.
    pub mfa_enrolled: bool,
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
            mfa_enrolled: u.mfa_enrolled_at.is_some(),
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

/// The address in its normal form (`domain::email`), if it is one.
pub fn check_email(email: &str) -> Result<String, String> {
    let email = email::normalise(email);
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

pub fn parse_time_zone(tz: &str) -> Result<Tz, String> {
    tz.parse::<Tz>()
        .map_err(|_| "must be an IANA time zone such as America/New_York".to_string())
}

/// The zone's canonical IANA name.
pub fn check_time_zone(tz: &str) -> Result<String, String> {
    parse_time_zone(tz).map(|z| z.name().to_string())
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
/// then hashes the password (off any database connection, in the hasher's turn).
pub async fn prepare(
    hasher: &Hasher,
    email: &str,
    name: &str,
    role: &str,
    pw: &str,
    time_zone: &str,
) -> AppResult<NewAccount> {
    let mut fields = Fields::new();
    let email = fields.check("email", check_email(email));
    let name = fields.check("name", check_name(name));
    let role = Role::parse(role);
    if role.is_none() {
        fields.push("role", Role::allowed());
    }
    let inputs = [
        email.as_deref().unwrap_or(""),
        name.as_deref().unwrap_or(""),
    ];
    fields.check("password", password::check_strength(pw, &inputs));
    let time_zone = fields.check("time_zone", check_time_zone(time_zone));
    let (((email, name), role), time_zone) =
        fields.done(email.zip(name).zip(role).zip(time_zone))?;
    Ok(NewAccount {
        email,
        name,
        role,
        password_hash: hasher.hash(pw.to_string()).await?,
        time_zone,
    })
}

/// Inserts the account and its audit row in one transaction; 409 when the e-mail is taken.
pub fn create(
    conn: &mut DbConnection,
    actor_id: Option<&str>,
    account: &NewAccount,
) -> AppResult<users::User> {
    db::transaction(conn, |conn| {
        if users::email_taken(conn, &account.email)? {
            return Err(users::email_conflict());
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

/// A new account as given. Checked by [`prepare`] after the role check, so that other roles are
/// refused (403) whatever they send.
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: String,
    pub password: String,
    /// Defaults to the organisation's zone.
    pub time_zone: Option<String>,
}

/// Creates an account. Admins only.
pub async fn create_user(app: &AppState, caller: &AuthUser, input: NewUser) -> AppResult<UserView> {
    require_admin(caller)?;
    let tz = input
        .time_zone
        .unwrap_or_else(|| app.settings.reminders.time_zone.clone());
    let actor = caller.id.clone();
    let account = prepare(
        &app.hasher,
        &input.email,
        &input.name,
        &input.role,
        &input.password,
        &tz,
    )
    .await?;
    let created = run_db(&app.pool, move |conn| create(conn, Some(&actor), &account)).await?;
    Ok(UserView::from(&created))
}

/// `create-admin`: an active admin in the organisation's zone, created by nobody.
pub async fn create_admin(
    pool: &DbPool,
    settings: &Settings,
    email: String,
    name: String,
    password: String,
) -> AppResult<UserView> {
    let tz = settings.reminders.time_zone.clone();
    let hasher = Hasher::new(&settings.auth)?;
    let account = prepare(&hasher, &email, &name, "admin", &password, &tz).await?;
    let user = run_db(pool, move |conn| create(conn, None, &account)).await?;
    Ok(UserView::from(&user))
}

/// First run: with no user at all, creates `admin@localhost` with a random password and returns
/// that password (for the caller to hand over); `None` when any user exists.
pub async fn bootstrap_admin(pool: &DbPool, settings: &Settings) -> AppResult<Option<String>> {
    let tz = settings.reminders.time_zone.clone();
    if run_db(pool, users::count).await? > 0 {
        return Ok(None);
    }
    let (secret, _) = crate::auth::refresh::new_secret();
    let password = secret[..24].to_string();
    let hasher = Hasher::new(&settings.auth)?;
    let account = prepare(
        &hasher,
        "admin@localhost",
        "Administrator",
        "admin",
        &password,
        &tz,
    )
    .await?;
    // Two instances starting on an empty database: the second finds the first's admin (409).
    run_db(pool, move |conn| match create(conn, None, &account) {
        Ok(_) => Ok(Some(password)),
        Err(AppError::Conflict { .. }) => Ok(None),
        Err(e) => Err(e),
    })
    .await
}

/// All accounts, oldest first, one page. Admins only.
pub async fn list(
    app: &AppState,
    caller: &AuthUser,
    params: &PageParams,
) -> AppResult<(Vec<UserView>, Option<String>)> {
    require_admin(caller)?;
    let page = Page::try_from(params)?;
    let (rows, next_cursor) = run_db(&app.pool, move |conn| users::list(conn, &page)).await?;
    Ok((rows.iter().map(UserView::from).collect(), next_cursor))
}

/// One account. Admins only.
pub async fn get(app: &AppState, caller: &AuthUser, id: String) -> AppResult<UserView> {
    require_admin(caller)?;
    let found = run_db(&app.pool, move |conn| users::find(conn, &id)).await?;
    Ok(UserView::from(&found.ok_or(AppError::NotFound)?))
}

/// Changes to an account as given; checked after the role check (see [`NewUser`]).
pub struct UserEdit {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<String>,
    pub active: Option<bool>,
}

/// Renames, changes the e-mail or role of, deactivates or reactivates an account. Admins only. A
/// new e-mail is normalised and unique (409); a role or e-mail change or a deactivation ends the
/// user's tokens and sessions, a deactivation the calendar feed address too; any change of
/// `active` re-plans the user's reminders; the last active admin cannot be demoted or deactivated (409).
pub async fn update(
    app: &AppState,
    caller: &AuthUser,
    id: String,
    edit: UserEdit,
) -> AppResult<UserView> {
    require_admin(caller)?;
    let mut fields = Fields::new();
    let email = edit
        .email
        .and_then(|e| fields.check("email", check_email(&e)));
    let name = edit.name.and_then(|n| fields.check("name", check_name(&n)));
    let role = edit.role.as_deref().and_then(|r| {
        let parsed = Role::parse(r);
        if parsed.is_none() {
            fields.push("role", Role::allowed());
        }
        parsed
    });
    fields.finish()?;
    let active = edit.active;
    let actor = caller.id.clone();
    let updated = in_transaction(app, move |conn, ctx| {
        let before = users::find(conn, &id)?.ok_or(AppError::NotFound)?;
        let was_admin = before.role == Role::Admin.as_str();
        let demoted = was_admin && role.is_some_and(|r| r != Role::Admin);
        let deactivated = before.active && active == Some(false);
        if was_admin
            && before.active
            && (demoted || deactivated)
            && users::count_active_admins(conn)? <= 1
        {
            return Err(AppError::Conflict {
                detail: "this is the last active admin; make another admin first".to_string(),
                errors: vec![],
            });
        }
        let role_changed = role.is_some_and(|r| r.as_str() != before.role);
        // A new address (the bootstrap admin's too, so that it can receive a reset link) is
        // unique; the tokens issued to the old one end, as for a role change.
        let email = email.filter(|e| *e != before.email);
        let email_changed = email.is_some();
        if let Some(e) = &email {
            if users::email_taken(conn, e)? {
                return Err(users::email_conflict());
            }
        }
        let after = users::update(
            conn,
            &id,
            users::UserChanges {
                email,
                name,
                role: role.map(|r| r.as_str().to_string()),
                active,
                ..Default::default()
            },
        )?;
        if role_changed || deactivated || email_changed {
            users::bump_token_version(conn, &id)?;
            sessions::revoke_all(conn, &id, db::now())?;
        }
        if deactivated {
            // Not merely hidden while inactive: a reactivated account must not get back a feed
            // address that may have been handed on meanwhile.
            calendar::set_token_hash(conn, &id, None)?;
        }
        if active.is_some() {
            outbox::replan_user(conn, &id, &ctx.schedule)?;
        }
        let diff = audit::diff(
            &UserView::from(&before).json(),
            &UserView::from(&after).json(),
        );
        audit::record(conn, Some(&actor), "update", "user", &id, diff)?;
        Ok(after)
    })
    .await?;
    Ok(UserView::from(&updated))
}
