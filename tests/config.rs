//! Configuration: layers, and one clear line naming the key for a missing or invalid value.
//! (Environment variables are process-wide, so every case runs in one test, in order.)

use asylum_tracker::config::{MfaMode, Settings};

fn with_env<T>(vars: &[(&str, &str)], f: impl FnOnce() -> T) -> T {
    for (k, v) in vars {
        std::env::set_var(k, v);
    }
    let out = f();
    for (k, _) in vars {
        std::env::remove_var(k);
    }
    out
}

fn error_of(vars: &[(&str, &str)]) -> String {
    with_env(vars, || {
        Settings::load(None)
            .expect_err("must be refused")
            .to_string()
    })
}

#[test]
fn layers_and_errors_name_the_key() {
    // The embedded default loads and is the dev SQLite setup, which may generate its secret.
    let s = Settings::load(None).unwrap();
    assert_eq!(s.server.bind, "127.0.0.1:8080");
    assert_eq!(s.database.url, "sqlite://data/asylum-tracker.db");
    assert!(s.is_dev_database());
    assert_eq!(s.reminders.deadline_lead_days, vec![30, 7, 1, 0]);
    // Every account adds a second factor unless a deployment says otherwise.
    assert_eq!(s.auth.mfa, MfaMode::Required);
    let s = with_env(&[("ASYLUM_TRACKER__AUTH__MFA", "optional")], || {
        Settings::load(None).unwrap()
    });
    assert_eq!(s.auth.mfa, MfaMode::Optional);

    // Environment overrides, lists included.
    let s = with_env(
        &[
            ("ASYLUM_TRACKER__REMINDERS__DEADLINE_LEAD_DAYS", "14,2"),
            ("ASYLUM_TRACKER__SERVER__BIND", "127.0.0.1:0"),
        ],
        || Settings::load(None).unwrap(),
    );
    assert_eq!(s.reminders.deadline_lead_days, vec![14, 2]);
    assert_eq!(s.server.bind, "127.0.0.1:0");

    // The per-address limits: defaults, and overrides from the environment.
    let d = Settings::load(None).unwrap();
    assert_eq!(d.limits.sign_in_per_minute, 30);
    assert_eq!(d.limits.refresh_per_minute, 60);
    assert_eq!(d.server.trusted_proxy_header, None);
    // Retention: a year of whole audit snapshots, 90 days of SMTP answers on finished reminders.
    assert_eq!(d.audit.retention_days, 365);
    assert_eq!(d.reminders.retention_days, 90);
    let s = with_env(
        &[
            ("ASYLUM_TRACKER__AUDIT__RETENTION_DAYS", "730"),
            ("ASYLUM_TRACKER__REMINDERS__RETENTION_DAYS", "30"),
        ],
        || Settings::load(None).unwrap(),
    );
    assert_eq!(
        (s.audit.retention_days, s.reminders.retention_days),
        (730, 30)
    );
    let s = with_env(
        &[
            ("ASYLUM_TRACKER__LIMITS__SIGN_IN_PER_MINUTE", "5"),
            ("ASYLUM_TRACKER__LIMITS__MFA_PER_MINUTE", "6"),
            (
                "ASYLUM_TRACKER__SERVER__TRUSTED_PROXY_HEADER",
                "X-Forwarded-For",
            ),
        ],
        || Settings::load(None).unwrap(),
    );
    assert_eq!(s.limits.sign_in_per_minute, 5);
    assert_eq!(s.limits.mfa_per_minute, 6);
    assert_eq!(
        s.server.trusted_proxy_header.as_deref(),
        Some("X-Forwarded-For")
    );

    let pg = ("ASYLUM_TRACKER__DATABASE__URL", "postgres://u@localhost/db");
    let e = error_of(&[pg]);
    assert!(e.contains("auth.jwt_secret"), "{e}");
    let e = error_of(&[pg, ("ASYLUM_TRACKER__AUTH__JWT_SECRET", "short")]);
    assert!(e.contains("auth.jwt_secret") && e.contains("32"), "{e}");
    // A SQLite file outside data/ is not the dev default either.
    let e = error_of(&[("ASYLUM_TRACKER__DATABASE__URL", "sqlite:///tmp/x.db")]);
    assert!(e.contains("auth.jwt_secret"), "{e}");

    let cases = [
        (
            "ASYLUM_TRACKER__REMINDERS__TIME_ZONE",
            "Mars/Base",
            "reminders.time_zone",
        ),
        (
            "ASYLUM_TRACKER__REMINDERS__SEND_TIME",
            "8 o'clock",
            "reminders.send_time",
        ),
        ("ASYLUM_TRACKER__SERVER__BIND", "localhost", "server.bind"),
        (
            "ASYLUM_TRACKER__SERVER__PUBLIC_URL",
            "ftp://x",
            "server.public_url",
        ),
        ("ASYLUM_TRACKER__DATABASE__URL", "mysql://x", "database.url"),
        ("ASYLUM_TRACKER__MAIL__TRANSPORT", "smtp", "mail.smtp_url"),
        (
            "ASYLUM_TRACKER__MAIL__TRANSPORT",
            "pigeon",
            "mail.transport",
        ),
        (
            "ASYLUM_TRACKER__MAIL__TIMEOUT_SECONDS",
            "0",
            "mail.timeout_seconds",
        ),
        (
            "ASYLUM_TRACKER__MAIL__TIMEOUT_SECONDS",
            "forever",
            "mail.timeout_seconds",
        ),
        (
            "ASYLUM_TRACKER__AUTH__ACCESS_TOKEN_MINUTES",
            "soon",
            "auth.access_token_minutes",
        ),
        (
            "ASYLUM_TRACKER__EAD__GRANT_WAIT_DAYS",
            "100",
            "ead.grant_wait_days",
        ),
        (
            "ASYLUM_TRACKER__LIMITS__SIGN_IN_PER_MINUTE",
            "0",
            "limits.sign_in_per_minute",
        ),
        (
            "ASYLUM_TRACKER__LIMITS__REFRESH_PER_MINUTE",
            "lots",
            "limits.refresh_per_minute",
        ),
        (
            "ASYLUM_TRACKER__LIMITS__PASSWORD_RESET_PER_MINUTE",
            "0",
            "limits.password_reset_per_minute",
        ),
        (
            "ASYLUM_TRACKER__SERVER__TRUSTED_PROXY_HEADER",
            "not a header",
            "server.trusted_proxy_header",
        ),
        (
            "ASYLUM_TRACKER__SERVER__TRUSTED_PROXY_HEADER",
            "Forwarded",
            "server.trusted_proxy_header",
        ),
        (
            "ASYLUM_TRACKER__AUDIT__RETENTION_DAYS",
            "0",
            "audit.retention_days",
        ),
        (
            "ASYLUM_TRACKER__AUDIT__RETENTION_DAYS",
            "36501",
            "audit.retention_days",
        ),
        (
            "ASYLUM_TRACKER__AUDIT__RETENTION_DAYS",
            "a year",
            "audit.retention_days",
        ),
        (
            "ASYLUM_TRACKER__REMINDERS__RETENTION_DAYS",
            "0",
            "reminders.retention_days",
        ),
    ];
    for (var, value, key) in cases {
        let e = error_of(&[(var, value)]);
        assert!(e.contains(key), "{var}={value}: {e}");
        assert_eq!(e.lines().count(), 1, "one line: {e}");
    }
    // A --config file that does not exist is named too.
    let e = Settings::load(Some(std::path::Path::new("/nonexistent/x.toml")))
        .unwrap_err()
        .to_string();
    assert!(e.contains("--config"), "{e}");

    unknown_keys_stop_start_up();
}

/// A misspelt key stops start-up naming it, from a file or from the environment (run inside the
/// test above: the environment is process-wide).
fn unknown_keys_stop_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.toml");
    std::fs::write(
        &file,
        "[auth]\njwt_secrte = \"0123456789012345678901234567890123\"\n",
    )
    .unwrap();
    let e = Settings::load(Some(&file)).unwrap_err().to_string();
    assert!(e.contains("auth.jwt_secrte"), "{e}");
    assert_eq!(e.lines().count(), 1, "one line: {e}");
    std::fs::write(&file, "[sever]\nbind = \"127.0.0.1:1\"\n").unwrap();
    let e = Settings::load(Some(&file)).unwrap_err().to_string();
    assert!(e.contains("sever"), "{e}");
    let e = error_of(&[("ASYLUM_TRACKER__REMINDERS__POLL_SECONDZ", "5")]);
    assert!(e.contains("reminders.poll_secondz"), "{e}");
    let e = error_of(&[("ASYLUM_TRACKER__MALE__FROM", "x@example.org")]);
    assert!(e.contains("male"), "{e}");
}
