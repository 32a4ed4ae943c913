//! The caller's own account: reading it and changing its name, zone and reminder preferences.
//! (Its password: `service::sessions::change_password`.)

use crate::service::in_transaction;
use chrono_tz::Tz;

use crate::auth::extract::AuthUser;
use crate::db::{audit, run_db, users};
use crate::error::{AppError, AppResult};
use crate::reminders::outbox;
use crate::service::accounts::UserView;
use crate::state::AppState;

/// The caller's own account.
pub async fn get_me(app: &AppState, caller: &AuthUser) -> AppResult<UserView> {
    let id = caller.id.clone();
    let found = run_db(&app.pool, move |conn| users::find(conn, &id)).await?;
    Ok(UserView::from(&found.ok_or(AppError::NotFound)?))
}

/// Changes to the caller's own profile, already checked.
pub struct MeEdit {
    pub name: Option<String>,
    pub time_zone: Option<Tz>,
    pub reminders_enabled: Option<bool>,
    pub reminder_digest: Option<bool>,
}

/// Changes the caller's name, zone or reminder preferences; a changed preference re-plans the
/// caller's reminders.
pub async fn update_me(app: &AppState, caller: &AuthUser, edit: MeEdit) -> AppResult<UserView> {
    let changes = users::UserChanges {
        name: edit.name,
        time_zone: edit.time_zone.map(|z| z.name().to_string()),
        reminders_enabled: edit.reminders_enabled,
        reminder_digest: edit.reminder_digest,
        ..Default::default()
    };
    let id = caller.id.clone();
    let updated = in_transaction(app, move |conn, ctx| {
        let before = users::find(conn, &id)?.ok_or(AppError::NotFound)?;
        let after = users::update(conn, &id, changes)?;
        if before.reminders_enabled != after.reminders_enabled
            || before.reminder_digest != after.reminder_digest
        {
            outbox::replan_user(conn, &id, &ctx.schedule)?;
        }
        let diff = audit::diff(
            &UserView::from(&before).json(),
            &UserView::from(&after).json(),
        );
        audit::record(conn, Some(&id), "update", "user", &id, diff)?;
        Ok(after)
    })
    .await?;
    Ok(UserView::from(&updated))
}
