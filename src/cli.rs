//! The commands: `serve`, `migrate`, `create-admin`, `send-reminders`, `backup`, `restore`.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::db::{self, run_db};
use crate::error::{AppError, AppResult};
use crate::service::accounts;
use crate::{startup::Application, telemetry};

#[derive(Parser)]
#[command(
    name = "asylum-tracker",
    version,
    about = "Tracks asylum cases, deadlines and reminders"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run pending migrations, then serve HTTP (and the reminder worker).
    Serve {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Run pending migrations and exit.
    Migrate {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Create an active admin. Password from ASYLUM_TRACKER_ADMIN_PASSWORD, else from stdin.
    CreateAdmin {
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// One pass of the reminder worker (plan, claim, send), then exit: for cron.
    SendReminders {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// SQLite: write a consistent copy of the database to FILE (a new file, mode 0600), also
    /// while the service is serving; then check the copy. PostgreSQL: use pg_dump (README).
    Backup {
        #[arg(long)]
        config: Option<PathBuf>,
        file: PathBuf,
    },
    /// SQLite: check FILE (a backup) and copy it to the configured database path, which must not
    /// exist yet (move the damaged one aside, with the service stopped); then migrate it.
    Restore {
        #[arg(long)]
        config: Option<PathBuf>,
        file: PathBuf,
    },
}

pub fn main(cli: Cli) -> ExitCode {
    telemetry::init();
    let config = match &cli.command {
        Command::Serve { config }
        | Command::Migrate { config }
        | Command::SendReminders { config }
        | Command::CreateAdmin { config, .. }
        | Command::Backup { config, .. }
        | Command::Restore { config, .. } => config.clone(),
    };
    let loaded = match &cli.command {
        Command::Migrate { .. } | Command::Backup { .. } | Command::Restore { .. } => {
            Settings::load_database_only(config.as_deref())
        }
        _ => Settings::load(config.as_deref()),
    };
    let settings = match loaded {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let runtime = actix_web::rt::System::new();
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve { .. } => serve(settings).await,
            Command::Migrate { .. } => migrate(settings).await,
            Command::CreateAdmin { email, name, .. } => create_admin(settings, email, name).await,
            Command::SendReminders { .. } => send_reminders(settings).await,
            Command::Backup { file, .. } => backup(settings, file).await,
            Command::Restore { file, .. } => restore(settings, file).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

/// The one line a person at a terminal needs.
fn describe(e: &AppError) -> String {
    match e {
        AppError::Validation { errors, .. } => errors
            .iter()
            .map(|f| format!("{} {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        AppError::Conflict { detail, .. } => detail.clone(),
        other => other.to_string(),
    }
}

async fn serve(settings: Settings) -> AppResult<()> {
    let app = Application::build(settings).await?;
    bootstrap_admin(&app).await?;
    tracing::info!("listening on http://{}", app.address());
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut worker = actix_web::rt::spawn(crate::reminders::worker::run_until(
        app.state.worker(),
        stopping,
    ));
    let grace = std::time::Duration::from_secs(app.state.settings.server.shutdown_seconds);
    let served = app.run_until_stopped().await.map_err(AppError::internal);
    // The server has stopped (its requests done); the worker finishes the tick it is in, so
    // that no reminder stays leased to a process that is gone.
    let _ = stop.send(true);
    if actix_web::rt::time::timeout(grace, &mut worker)
        .await
        .is_err()
    {
        tracing::warn!("the reminder worker did not finish in time; its rows are retried once their lease ends");
        worker.abort();
    }
    served
}

async fn migrate(settings: Settings) -> AppResult<()> {
    let pool = db::build_pool_for(&settings.database, Some(1))?;
    run_db(&pool, db::migrate).await?;
    tracing::info!("migrations are up to date");
    Ok(())
}

/// First run: with no user at all, create `admin@localhost` and leave its password in a file
/// only the owner can read. The password itself is never logged.
async fn bootstrap_admin(app: &Application) -> AppResult<()> {
    let path = Path::new("data/initial-admin-password");
    let created = accounts::bootstrap_admin(&app.state.pool, &app.state.settings).await?;
    if let Some(password) = created {
        crate::fsutil::write_private(path, &format!("{password}\n"))?;
        tracing::info!(path = %path.display(), "first run: created admin@localhost; its password is in this file");
    }
    Ok(())
}

async fn create_admin(settings: Settings, email: String, name: String) -> AppResult<()> {
    let password = match std::env::var("ASYLUM_TRACKER_ADMIN_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("password for {email} (one line on stdin):");
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(AppError::internal)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let pool = db::build_pool_for(&settings.database, Some(1))?;
    run_db(&pool, db::migrate).await?;
    let user = accounts::create_admin(&pool, &settings, email, name, password).await?;
    println!("created admin {} ({})", user.email, user.id);
    Ok(())
}

async fn send_reminders(mut settings: Settings) -> AppResult<()> {
    // Reset mails rebuild their links from it, as in `serve`.
    settings.auth.jwt_secret = Some(crate::startup::jwt_secret(&settings)?);
    let pool = db::build_pool_for(&settings.database, None)?;
    run_db(&pool, db::migrate).await?;
    let worker = crate::reminders::worker::Worker {
        pool,
        mailer: crate::reminders::mail::Mailer::from_settings(
            &settings.mail,
            settings.reminders.concurrency,
        )?,
        courts: std::sync::Arc::new(settings.load_courts().map_err(AppError::internal)?),
        offices: std::sync::Arc::new(settings.load_offices().map_err(AppError::internal)?),
        settings,
    };
    let report = crate::reminders::worker::tick(&worker).await?;
    println!(
        "sent {}, failed tries {}, missed deadlines alerted {}, dropped as stale {}, \
         audit rows reduced to ids {}, reminders past retention reduced {}",
        report.sent,
        report.failed_tries,
        report.missed_alerted,
        report.cancelled,
        report.audit_reduced,
        report.reminders_reduced
    );
    Ok(())
}

/// The configured SQLite file; PostgreSQL has its own tools.
fn sqlite_path(settings: &Settings) -> AppResult<PathBuf> {
    match settings.database_kind().map_err(AppError::internal)? {
        crate::config::DatabaseKind::Sqlite(path) => Ok(path),
        crate::config::DatabaseKind::Postgres => Err(AppError::internal(
            "on PostgreSQL, back up with `pg_dump -Fc` and restore with `pg_restore` (see README)",
        )),
    }
}

/// Opens an SQLite file that must exist, read-only, without the pool's set-up (which would
/// switch a backup into WAL mode and leave files beside it).
fn open_existing(path: &Path) -> AppResult<db::DbConnection> {
    use diesel::Connection;
    if !path.is_file() {
        return Err(AppError::internal(format!(
            "{} is not a file",
            path.display()
        )));
    }
    let uri = format!("file:{}?mode=ro", path.display());
    let conn = diesel::SqliteConnection::establish(&uri)
        .map_err(|e| AppError::internal(format!("cannot open {}: {e}", path.display())))?;
    Ok(db::DbConnection::Sqlite(conn))
}

/// A file `restore` would accept: a sound SQLite database that migrations have run on.
fn check_backup(path: &Path) -> AppResult<Vec<db::backup::TableDigest>> {
    let unusable =
        |e: AppError| AppError::internal(format!("{} is not a usable backup: {e}", path.display()));
    let mut conn = open_existing(path)?;
    db::backup::sqlite_integrity(&mut conn).map_err(unusable)?;
    let digests = db::backup::digests(&mut conn).map_err(unusable)?;
    if !digests
        .iter()
        .any(|d| d.table == "__diesel_schema_migrations")
    {
        return Err(AppError::internal(format!(
            "{} is not an asylum-tracker database",
            path.display()
        )));
    }
    Ok(digests)
}

async fn backup(settings: Settings, file: PathBuf) -> AppResult<()> {
    sqlite_path(&settings)?;
    let pool = db::build_pool_for(&settings.database, Some(1))?;
    let target = file.clone();
    run_db(&pool, move |conn| db::backup::sqlite_backup(conn, &target)).await?;
    let digests = actix_web::web::block(move || check_backup(&file)).await??;
    let rows: i64 = digests.iter().map(|d| d.rows).sum();
    println!(
        "backup written and checked: {} tables, {rows} rows",
        digests.len()
    );
    Ok(())
}

async fn restore(settings: Settings, file: PathBuf) -> AppResult<()> {
    let target = sqlite_path(&settings)?;
    if std::fs::metadata(&target).is_ok_and(|m| m.len() > 0) {
        return Err(AppError::internal(format!(
            "{} exists; stop the service and move it aside first (restore never overwrites)",
            target.display()
        )));
    }
    let digests = {
        let (file, target) = (file.clone(), target.clone());
        actix_web::web::block(move || -> AppResult<_> {
            let digests = check_backup(&file)?;
            if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
                crate::fsutil::create_private_dir(dir)?;
            }
            let _ = std::fs::remove_file(&target);
            let mut conn = open_existing(&file)?;
            db::backup::sqlite_backup(&mut conn, &target)?;
            Ok(digests)
        })
        .await??
    };
    // A backup from an older version gains the newer migrations.
    let pool = db::build_pool_for(&settings.database, Some(1))?;
    run_db(&pool, db::migrate).await?;
    let rows: i64 = digests.iter().map(|d| d.rows).sum();
    println!(
        "restored {} into {}: {} tables, {rows} rows",
        file.display(),
        target.display(),
        digests.len()
    );
    Ok(())
}
