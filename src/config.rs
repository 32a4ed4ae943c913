//! Settings: the layered load (embedded default, `--config` file, environment) and its validation.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use chrono::NaiveTime;
use chrono_tz::Tz;
use serde::Deserialize;

/// The committed default, compiled in so that the binary runs from any directory.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");
pub const DEFAULT_COURTS_CSV: &str = include_str!("../config/immigration-courts.csv");
pub const DEFAULT_OFFICES_CSV: &str = include_str!("../config/offices.csv");
const ENV_PREFIX: &str = "ASYLUM_TRACKER";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub mail: MailSettings,
    pub reminders: ReminderSettings,
    pub ead: EadSettings,
    #[serde(default)]
    pub courts: CourtSettings,
    #[serde(default)]
    pub offices: OfficeSettings,
    #[serde(default)]
    pub limits: LimitSettings,
    #[serde(default)]
    pub notes: NoteSettings,
    #[serde(default)]
    pub audit: AuditSettings,
}

/// The audit log: how long its rows keep the personal data they were written with. After
/// `retention_days` a row's snapshot keeps only ids (`domain::retention`); who did what to which
/// record, and when, stays.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditSettings {
    pub retention_days: u32,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            retention_days: 365,
        }
    }
}

/// Notes on clients and cases: how long after writing a note its author may still correct it;
/// after that it is append-only (a correction is a new note).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NoteSettings {
    /// Minutes; 0 makes every note append-only at once.
    pub edit_minutes: u32,
}

impl Default for NoteSettings {
    fn default() -> Self {
        NoteSettings { edit_minutes: 15 }
    }
}

/// Requests a minute from one client address on the public credential endpoints (see
/// `http::limits`): a burst of that many, then one more every 60/N seconds.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitSettings {
    pub sign_in_per_minute: u32,
    pub mfa_per_minute: u32,
    /// Reset requests, and separately their confirmations.
    pub password_reset_per_minute: u32,
    /// The web client refreshes every few minutes in each open tab, and an office signs in from
    /// one address: generous.
    pub refresh_per_minute: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            sign_in_per_minute: 30,
            mfa_per_minute: 30,
            password_reset_per_minute: 10,
            refresh_per_minute: 60,
        }
    }
}

/// The immigration court list ships in `config/immigration-courts.csv` (compiled in); `courts.file`
/// points at an edited copy, read at start-up, so that courts can change without a release.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourtSettings {
    pub file: Option<PathBuf>,
}

/// The office list (ICE field offices, USCIS asylum offices and application support centres)
/// ships in `config/offices.csv`; `offices.file` points at an edited copy, read at start-up.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeSettings {
    pub file: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: String,
    pub public_url: String,
    /// HTTP worker threads; default: one per core.
    #[serde(default)]
    pub workers: Option<usize>,
    /// The header a reverse proxy in front of the service sets to the client's address (e.g.
    /// `X-Forwarded-For`; the right-most entry, the one the proxy appended, is taken). Unset, the
    /// peer address is the client's, and no header is believed.
    #[serde(default)]
    pub trusted_proxy_header: Option<String>,
    /// On SIGTERM or SIGINT: how long requests already accepted, and the reminder worker's
    /// tick in progress, may take to finish before the process exits anyway.
    #[serde(default = "default_shutdown_seconds")]
    pub shutdown_seconds: u64,
    /// Origins (`https://host[:port]`) whose browser pages may call the API (CORS); none by
    /// default. A wildcard is refused.
    #[serde(default)]
    pub cors_allowed_origins: Vec<String>,
    /// Connections each worker serves at once; more wait in the listen backlog until one
    /// closes. Bounds memory under overload (issue 14: an open-loop client holding 2,500
    /// connections took the server from about 80 to over 200 MiB).
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
}

fn default_shutdown_seconds() -> u64 {
    30
}

fn default_max_connections() -> usize {
    256
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    pub pool_size: Option<u32>,
    /// How long a request waits for a database connection before it gets 503 (and how long
    /// `/ready` waits, at most 2 s): while the database is down, requests fail fast instead of
    /// hanging.
    #[serde(default = "default_database_timeout_seconds")]
    pub timeout_seconds: u64,
    /// How often start-up tries to reach the database (a second more between tries each time)
    /// before it exits non-zero.
    #[serde(default = "default_connect_attempts")]
    pub connect_attempts: u32,
}

fn default_database_timeout_seconds() -> u64 {
    5
}

fn default_connect_attempts() -> u32 {
    5
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub jwt_secret: Option<String>,
    pub access_token_minutes: i64,
    pub session_idle_minutes: i64,
    pub session_max_hours: i64,
    /// Whether every account must sign in with a second factor (TOTP).
    pub mfa: MfaMode,
    /// argon2id cost for new hashes; stored hashes below it are re-hashed at the next sign-in.
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    /// How many password hashes may be computed at once (default: the number of cores); more
    /// sign-ins wait for a turn, so a burst cannot take every core from the other requests.
    pub hashing_concurrency: Option<usize>,
}

/// `required`: an account without a second factor reaches only its own enrolment until it
/// enrols (ASVS 5.0 6.3.3 at Level 2). `optional`: enrolment is each user's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MfaMode {
    Required,
    Optional,
}

// Hand-written so that the secret never reaches a log through `{:?}`.
impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field(
                "jwt_secret",
                &self.jwt_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("access_token_minutes", &self.access_token_minutes)
            .field("session_idle_minutes", &self.session_idle_minutes)
            .field("session_max_hours", &self.session_max_hours)
            .field("mfa", &self.mfa)
            .field("argon2_memory_kib", &self.argon2_memory_kib)
            .field("argon2_iterations", &self.argon2_iterations)
            .field("argon2_parallelism", &self.argon2_parallelism)
            .field("hashing_concurrency", &self.hashing_concurrency)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailTransportKind {
    File,
    Smtp,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    pub transport: MailTransportKind,
    pub file_dir: PathBuf,
    pub smtp_url: Option<String>,
    pub from: String,
    /// The most one message may take, the whole SMTP conversation included (connecting, every
    /// command, the data); a message that takes longer is a failed try, retried later.
    #[serde(default = "default_mail_timeout_seconds")]
    pub timeout_seconds: u64,
}

fn default_mail_timeout_seconds() -> u64 {
    30
}

// The SMTP URL may carry a password.
impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("transport", &self.transport)
            .field("file_dir", &self.file_dir)
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .field("timeout_seconds", &self.timeout_seconds)
            .finish()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReminderSettings {
    pub poll_seconds: u64,
    pub time_zone: String,
    pub send_time: String,
    pub deadline_lead_days: Vec<u32>,
    pub hearing_lead_days: Vec<u32>,
    /// How long a claimed row stays leased to one worker before another may take it.
    #[serde(default = "default_lease_seconds")]
    pub lease_seconds: u64,
    /// Rows claimed per round of a tick.
    #[serde(default = "default_batch_size")]
    pub batch_size: i64,
    /// Messages handed to the mail transport at once (and pooled SMTP connections).
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Days a sent or failed reminder keeps the SMTP server's last answer (which may quote the
    /// recipient's address); then only its ids, times and state remain.
    #[serde(default = "default_reminder_retention_days")]
    pub retention_days: u32,
}

fn default_lease_seconds() -> u64 {
    300
}

fn default_batch_size() -> i64 {
    100
}

fn default_concurrency() -> usize {
    32
}

fn default_reminder_retention_days() -> u32 {
    90
}

/// The longest retention a setting takes: about a hundred years, "never" for any real office.
pub const MAX_RETENTION_DAYS: u32 = 36_500;

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EadSettings {
    pub filing_wait_days: u32,
    pub grant_wait_days: u32,
}

/// A configuration problem, always naming the key.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

fn bad(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.to_string(),
        message: message.into(),
    }
}

/// Which database the URL selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseKind {
    Postgres,
    Sqlite(PathBuf),
}

impl Settings {
    /// Load the layers: embedded default, then `file`, then `ASYLUM_TRACKER__SECTION__KEY`.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let settings = Settings::read(file)?;
        settings.validate()?;
        Ok(settings)
    }

    /// For `migrate`, which needs only the database: the same layers (an unknown key still stops
    /// it), but only the database settings are checked, so no JWT secret is demanded.
    pub fn load_database_only(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let settings = Settings::read(file)?;
        settings.validate_database()?;
        Ok(settings)
    }

    fn read(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let mut builder = config::Config::builder().add_source(config::File::from_str(
            DEFAULT_TOML,
            config::FileFormat::Toml,
        ));
        if let Some(path) = file {
            if !path.exists() {
                return Err(bad(
                    "--config",
                    format!("file {} does not exist", path.display()),
                ));
            }
            builder = builder.add_source(config::File::from(path));
        }
        builder = builder.add_source(
            config::Environment::with_prefix(ENV_PREFIX)
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .list_separator(",")
                .with_list_parse_key("reminders.deadline_lead_days")
                .with_list_parse_key("reminders.hearing_lead_days")
                .with_list_parse_key("server.cors_allowed_origins"),
        );
        let raw = builder.build().map_err(from_config_error)?;
        raw.try_deserialize().map_err(from_config_error)
    }

    fn validate_database(&self) -> Result<(), ConfigError> {
        self.database_kind()?;
        if !(1..=600).contains(&self.server.shutdown_seconds) {
            return Err(bad("server.shutdown_seconds", "must be from 1 to 600"));
        }
        if !(1..=25_000).contains(&self.server.max_connections) {
            return Err(bad("server.max_connections", "must be from 1 to 25000"));
        }
        if !(1..=300).contains(&self.database.timeout_seconds) {
            return Err(bad("database.timeout_seconds", "must be from 1 to 300"));
        }
        if !(1..=100).contains(&self.database.connect_attempts) {
            return Err(bad("database.connect_attempts", "must be from 1 to 100"));
        }
        if self.database.pool_size == Some(0) {
            return Err(bad("database.pool_size", "must be at least 1"));
        }
        Ok(())
    }

    /// Checks every value that deserialisation alone cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.bind_addr()?;
        let url = url::Url::parse(&self.server.public_url)
            .map_err(|e| bad("server.public_url", format!("not a URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad(
                "server.public_url",
                "must start with http:// or https://",
            ));
        }
        self.validate_database()?;
        if let Some(secret) = &self.auth.jwt_secret {
            if secret.len() < 32 {
                return Err(bad("auth.jwt_secret", "must be at least 32 bytes long"));
            }
        } else if !self.is_dev_database() {
            return Err(bad(
                "auth.jwt_secret",
                "required (at least 32 bytes) unless the database is SQLite under data/",
            ));
        }
        for (key, v) in [
            ("auth.access_token_minutes", self.auth.access_token_minutes),
            ("auth.session_idle_minutes", self.auth.session_idle_minutes),
            ("auth.session_max_hours", self.auth.session_max_hours),
        ] {
            if v <= 0 {
                return Err(bad(key, "must be a positive number"));
            }
        }
        crate::auth::password::params_of(&self.auth)
            .map_err(|e| bad("auth.argon2_memory_kib", e))?;
        if self.auth.hashing_concurrency == Some(0) {
            return Err(bad("auth.hashing_concurrency", "must be at least 1"));
        }
        if self.mail.transport == MailTransportKind::Smtp {
            let smtp =
                self.mail.smtp_url.as_deref().ok_or_else(|| {
                    bad("mail.smtp_url", "required when mail.transport = \"smtp\"")
                })?;
            let u = url::Url::parse(smtp)
                .map_err(|e| bad("mail.smtp_url", format!("not a URL ({e})")))?;
            if !matches!(u.scheme(), "smtp" | "smtps") {
                return Err(bad("mail.smtp_url", "must start with smtp:// or smtps://"));
            }
        }
        if !(1..=3600).contains(&self.mail.timeout_seconds) {
            return Err(bad(
                "mail.timeout_seconds",
                "must be between 1 and 3600 seconds",
            ));
        }
        self.mail
            .from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| bad("mail.from", format!("not a mailbox ({e})")))?;
        if self.reminders.poll_seconds == 0 {
            return Err(bad("reminders.poll_seconds", "must be at least 1"));
        }
        self.org_time_zone()?;
        self.send_time()?;
        if self.reminders.deadline_lead_days.is_empty() {
            return Err(bad(
                "reminders.deadline_lead_days",
                "must list at least one lead time",
            ));
        }
        for origin in &self.server.cors_allowed_origins {
            crate::http::cors::check_origin(origin)
                .map_err(|e| bad("server.cors_allowed_origins", e))?;
        }
        if let Some(name) = &self.server.trusted_proxy_header {
            let parsed = actix_web::http::header::HeaderName::try_from(name.as_str())
                .map_err(|_| bad("server.trusted_proxy_header", "not a header name"))?;
            // RFC 7239 `Forwarded` carries `for=...` pairs, not a list of addresses.
            if parsed == actix_web::http::header::FORWARDED {
                return Err(bad(
                    "server.trusted_proxy_header",
                    "Forwarded is not supported; use X-Forwarded-For or X-Real-IP",
                ));
            }
        }
        for (key, v) in [
            ("limits.sign_in_per_minute", self.limits.sign_in_per_minute),
            ("limits.mfa_per_minute", self.limits.mfa_per_minute),
            (
                "limits.password_reset_per_minute",
                self.limits.password_reset_per_minute,
            ),
            ("limits.refresh_per_minute", self.limits.refresh_per_minute),
        ] {
            if !(1..=1_000_000).contains(&v) {
                return Err(bad(key, "must be between 1 and 1000000"));
            }
        }
        for (key, v) in [
            ("audit.retention_days", self.audit.retention_days),
            ("reminders.retention_days", self.reminders.retention_days),
        ] {
            if !(1..=MAX_RETENTION_DAYS).contains(&v) {
                return Err(bad(
                    key,
                    format!("must be a number of days from 1 to {MAX_RETENTION_DAYS}"),
                ));
            }
        }
        if self.ead.filing_wait_days == 0 || self.ead.grant_wait_days < self.ead.filing_wait_days {
            return Err(bad(
                "ead.grant_wait_days",
                "must be positive and not shorter than ead.filing_wait_days",
            ));
        }
        Ok(())
    }

    /// The court list: the file of `courts.file`, else the one shipped with the binary.
    pub fn load_courts(&self) -> Result<Vec<crate::domain::courts::Court>, ConfigError> {
        let text = list_text(&self.courts.file, "courts.file", DEFAULT_COURTS_CSV)?;
        crate::domain::courts::parse_courts(&text).map_err(|e| bad("courts.file", e))
    }

    /// The office list: the file of `offices.file`, else the one shipped with the binary.
    pub fn load_offices(&self) -> Result<Vec<crate::domain::offices::Office>, ConfigError> {
        let text = list_text(&self.offices.file, "offices.file", DEFAULT_OFFICES_CSV)?;
        crate::domain::offices::parse_offices(&text).map_err(|e| bad("offices.file", e))
    }

    pub fn ead_waits(&self) -> crate::domain::ead_clock::EadWaits {
        crate::domain::ead_clock::EadWaits {
            filing_wait_days: self.ead.filing_wait_days,
            grant_wait_days: self.ead.grant_wait_days,
        }
    }

    pub fn bind_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.server
            .bind
            .parse()
            .map_err(|_| bad("server.bind", "must be HOST:PORT, e.g. 127.0.0.1:8080"))
    }

    pub fn database_kind(&self) -> Result<DatabaseKind, ConfigError> {
        database_kind(&self.database.url)
    }

    /// The embedded default: SQLite under `data/`, where a JWT secret may be generated.
    pub fn is_dev_database(&self) -> bool {
        match self.database_kind() {
            Ok(DatabaseKind::Sqlite(path)) => {
                use std::path::Component;
                let first = path.components().find(|c| !matches!(c, Component::CurDir));
                matches!(first, Some(Component::Normal(p)) if p == "data")
            }
            _ => false,
        }
    }

    pub fn org_time_zone(&self) -> Result<Tz, ConfigError> {
        self.reminders.time_zone.parse().map_err(|_| {
            bad(
                "reminders.time_zone",
                "not an IANA time zone, e.g. America/New_York",
            )
        })
    }

    /// The organisation's zone; validated at load, so the fallback is never used in practice.
    pub fn org_tz(&self) -> Tz {
        self.org_time_zone().unwrap_or(chrono_tz::America::New_York)
    }

    pub fn send_time(&self) -> Result<NaiveTime, ConfigError> {
        NaiveTime::parse_from_str(&self.reminders.send_time, "%H:%M")
            .map_err(|_| bad("reminders.send_time", "must be HH:MM, e.g. 08:00"))
    }
}

pub fn database_kind(url: &str) -> Result<DatabaseKind, ConfigError> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        if path.is_empty() {
            return Err(bad("database.url", "sqlite:// needs a file path"));
        }
        Ok(DatabaseKind::Sqlite(PathBuf::from(path)))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(DatabaseKind::Postgres)
    } else {
        Err(bad(
            "database.url",
            "must start with sqlite:// or postgres://",
        ))
    }
}

fn from_config_error(e: config::ConfigError) -> ConfigError {
    // The config crate's messages already name the key ("... for key `auth.x`"); pull it out.
    let text = e.to_string();
    // A misspelt key stops start-up naming it: "unknown field `x`, expected one of ... for key
    // `auth`" is the key `auth.x`.
    if let Some(rest) = text.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or_default();
        let section = text
            .rsplit_once("for key `")
            .and_then(|(_, k)| k.split('`').next())
            .map(|k| k.trim_start_matches(&format!("{}.", ENV_PREFIX.to_lowercase())))
            .filter(|k| !k.is_empty());
        let expected = rest
            .split_once("expected ")
            .map(|(_, e)| e.split(" for key").next().unwrap_or(e))
            .unwrap_or_default();
        return ConfigError {
            key: match section {
                Some(section) => format!("{section}.{name}"),
                None => name.to_string(),
            },
            message: format!("is not a known setting (expected {expected})"),
        };
    }
    let key = text
        .split("key `")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .map(|k| {
            k.trim_start_matches(&format!("{}.", ENV_PREFIX.to_lowercase()))
                .to_string()
        })
        .or_else(|| {
            text.strip_prefix("missing field `")
                .and_then(|rest| rest.split('`').next())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "configuration".to_string());
    ConfigError { key, message: text }
}

/// The text of a data list: the configured file, else the copy compiled in.
fn list_text(file: &Option<PathBuf>, key: &str, shipped: &str) -> Result<String, ConfigError> {
    match file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| bad(key, format!("cannot read {}: {e}", path.display()))),
        None => Ok(shipped.to_string()),
    }
}
