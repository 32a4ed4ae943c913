//! Password hashing (argon2id at the configured cost), the gate that bounds how many hashes run
//! at once, and the strength rule.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};
use tokio::sync::Semaphore;

use crate::config::AuthSettings;
use crate::error::{AppError, AppResult};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;

/// A sign-in that waits longer than this for a hashing turn answers 503 rather than hang.
const TURN_WAIT: Duration = Duration::from_secs(20);

/// The configured argon2id cost, checked.
pub fn params_of(auth: &AuthSettings) -> Result<Params, String> {
    Params::new(
        auth.argon2_memory_kib,
        auth.argon2_iterations,
        auth.argon2_parallelism,
        None,
    )
    .map_err(|e| format!("argon2 parameters refused: {e}"))
}

/// True when a password is too long to be any account's: refused before any hashing, so a
/// megabyte "password" costs nothing.
pub fn too_long(password: &str) -> bool {
    password.chars().count() > MAX_LENGTH
}

/// Hashing and verification, each on the blocking pool and never while a database connection
/// is held, at most `permits` at once: argon2 takes a core and 19 MiB per hash, so an unbounded
/// burst of sign-ins would starve every other request.
#[derive(Clone)]
pub struct Hasher {
    params: Params,
    permits: Arc<Semaphore>,
}

impl Hasher {
    pub fn new(auth: &AuthSettings) -> AppResult<Hasher> {
        let params = params_of(auth).map_err(AppError::internal)?;
        // One core fewer than the machine has (at least one): a storm of sign-ins then leaves a
        // core to everyone else's reads (measured on 2 cores, 20 sign-ins at once beside the
        // agenda at 100 req/s: its p50 went from 35 to 117 ms with two hashes at a time, to
        // 54 ms with one, and the sign-ins were no slower).
        let permits = auth.hashing_concurrency.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get().saturating_sub(1))
                .unwrap_or(1)
        });
        Ok(Hasher {
            params,
            permits: Arc::new(Semaphore::new(permits.max(1))),
        })
    }

    async fn in_turn<T: Send + 'static>(
        &self,
        work: impl FnOnce(Params) -> T + Send + 'static,
    ) -> AppResult<T> {
        // No database connection waits on a hash (nor on the turn for one).
        crate::db::release_request_connection();
        let _turn = tokio::time::timeout(TURN_WAIT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| AppError::Unavailable("too many sign-ins at once; try again".into()))?
            .map_err(AppError::internal)?;
        let params = self.params.clone();
        Ok(actix_web::web::block(move || work(params)).await?)
    }

    pub async fn hash(&self, password: String) -> AppResult<String> {
        self.in_turn(move |params| hash_with(&params, &password))
            .await?
    }

    /// True when `password` matches the stored PHC string (verified at the cost it was stored
    /// with). A malformed hash never matches.
    pub async fn verify(&self, password: String, stored: String) -> AppResult<bool> {
        self.in_turn(move |_| verify(&password, &stored)).await
    }

    /// Verifies against a fixed hash, so that an unknown e-mail costs the same time as a known one.
    pub async fn verify_dummy(&self, password: String) -> AppResult<()> {
        self.in_turn(move |params| {
            static DUMMY: OnceLock<String> = OnceLock::new();
            let dummy = DUMMY.get_or_init(|| {
                hash_with(&params, "dummy password for timing only").unwrap_or_default()
            });
            let _ = verify(&password, dummy);
        })
        .await
    }

    /// True when `stored` was hashed at a lower cost than the configured one (or not by
    /// argon2id): it is re-hashed at the next successful sign-in.
    pub fn needs_rehash(&self, stored: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return true;
        };
        if parsed.algorithm != argon2::ARGON2ID_IDENT {
            return true;
        }
        let Ok(had) = Params::try_from(&parsed) else {
            return true;
        };
        had.m_cost() < self.params.m_cost()
            || had.t_cost() < self.params.t_cost()
            || had.p_cost() < self.params.p_cost()
    }
}

/// argon2id at `params`. Blocking: only through [`Hasher`] or a command-line path.
pub fn hash_with(params: &Params, password: &str) -> AppResult<String> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("password hashing failed: {e}")))
}

fn verify(password: &str, stored: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), stored)
        .is_ok()
}

/// Words an attacker tries first against this service (ASVS 5.0 6.1.2, 6.2.11): its name, what it
/// is for, and its roles. zxcvbn counts them as known words, like the account's own e-mail and name.
pub const CONTEXT_WORDS: &[&str] = &[
    "asylum",
    "tracker",
    "asylum-tracker",
    "asylumtracker",
    "immigration",
    "court",
    "refugee",
    "legal",
    "aid",
    "caseworker",
    "lawyer",
    "admin",
    "administrator",
    "password",
    "uscis",
    "eoir",
];

/// The strength rule: 12 to 128 characters, and not guessable (zxcvbn score 3 or more, with the
/// account's own e-mail and name and [`CONTEXT_WORDS`] counted as guessable).
pub fn check_strength(password: &str, user_inputs: &[&str]) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(format!("must be at least {MIN_LENGTH} characters long"));
    }
    if length > MAX_LENGTH {
        return Err(format!("must be at most {MAX_LENGTH} characters long"));
    }
    let mut known: Vec<&str> = user_inputs.to_vec();
    known.extend_from_slice(CONTEXT_WORDS);
    let estimate = zxcvbn::zxcvbn(password, &known);
    if estimate.score() < zxcvbn::Score::Three {
        let hint = estimate
            .feedback()
            .and_then(|f| f.warning().map(|w| w.to_string()))
            .unwrap_or_else(|| "it is too easy to guess".to_string());
        return Err(format!(
            "is too weak: {hint}; use a longer passphrase of uncommon words"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hasher(m: u32, t: u32) -> Hasher {
        Hasher {
            params: Params::new(m, t, 1, None).unwrap(),
            permits: Arc::new(Semaphore::new(1)),
        }
    }

    #[test]
    fn a_hash_below_the_configured_cost_needs_rehashing() {
        let weak = hash_with(&Params::new(8192, 1, 1, None).unwrap(), "a password").unwrap();
        let strong = hash_with(&Params::new(19456, 2, 1, None).unwrap(), "a password").unwrap();
        let current = hasher(19456, 2);
        assert!(current.needs_rehash(&weak));
        assert!(!current.needs_rehash(&strong));
        assert!(hasher(19456, 3).needs_rehash(&strong));
        assert!(current.needs_rehash("not a phc string"));
        // Verification uses the cost stored in the hash, not the configured one.
        assert!(verify("a password", &weak));
        assert!(!verify("another", &weak));
    }
}

#[cfg(test)]
mod context_words {
    use super::*;

    /// Made of the service's own words: zxcvbn alone scores these strong (4 of 4); with the
    /// context list they are refused (ASVS 5.0 6.2.11).
    #[test]
    fn passwords_built_from_the_services_words_are_refused() {
        for pw in ["AsylumTrackerCourt", "asylumtrackerimmigration"] {
            assert_eq!(zxcvbn::zxcvbn(pw, &[]).score(), zxcvbn::Score::Four, "{pw}");
            assert!(check_strength(pw, &[]).is_err(), "{pw}");
        }
        assert!(check_strength("Sturdy lantern over quiet harbor 7", &[]).is_ok());
    }
}
