//! `AppState`: what the use cases reach (pool, settings, keys, mailer, the court list).

use crate::auth::jwt::JwtKeys;
use crate::auth::password::Hasher;
use crate::config::Settings;
use crate::db::DbPool;
use crate::domain::courts::Court;
use crate::reminders::mail::Mailer;
use crate::reminders::worker::Worker;

/// What every handler may reach.
pub struct AppState {
    pub pool: DbPool,
    pub settings: Settings,
    pub jwt: std::sync::Arc<JwtKeys>,
    pub mailer: Mailer,
    pub courts: std::sync::Arc<Vec<Court>>,
    /// Every password hash and verification goes through it (bounded, off the pool).
    pub hasher: Hasher,
}

impl AppState {
    pub fn court(&self, code: &str) -> Option<&Court> {
        self.courts.iter().find(|c| c.code == code)
    }

    /// The reminder worker over this state's pool, settings and mailer.
    pub fn worker(&self) -> Worker {
        Worker {
            pool: self.pool.clone(),
            settings: self.settings.clone(),
            mailer: self.mailer.clone(),
            courts: self.courts.clone(),
        }
    }
}
