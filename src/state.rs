//! `AppState`: what the use cases reach (pool, settings, keys, mailer, the court and office lists).

use crate::auth::jwt::JwtKeys;
use crate::auth::password::Hasher;
use crate::config::Settings;
use crate::db::DbPool;
use crate::domain::courts::Court;
use crate::domain::offices::Office;
use crate::reminders::mail::Mailer;
use crate::reminders::worker::Worker;

/// What every handler may reach.
pub struct AppState {
    pub pool: DbPool,
    pub settings: Settings,
    pub jwt: std::sync::Arc<JwtKeys>,
    pub mailer: Mailer,
    pub courts: std::sync::Arc<Vec<Court>>,
    /// ICE field offices and USCIS offices, where appointments other than hearings are.
    pub offices: std::sync::Arc<Vec<Office>>,
    /// Every password hash and verification goes through it (bounded, off the pool).
    pub hasher: Hasher,
}

impl AppState {
    pub fn court(&self, code: &str) -> Option<&Court> {
        self.courts.iter().find(|c| c.code == code)
    }

    pub fn office(&self, code: &str) -> Option<&Office> {
        self.offices.iter().find(|o| o.code == code)
    }

    /// The reminder worker over this state's pool, settings and mailer.
    pub fn worker(&self) -> Worker {
        Worker {
            pool: self.pool.clone(),
            settings: self.settings.clone(),
            mailer: self.mailer.clone(),
            courts: self.courts.clone(),
            offices: self.offices.clone(),
        }
    }
}
