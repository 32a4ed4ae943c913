//! spawn_app: the real Application on port 0, a fresh database (a temp SQLite file, or a new
//! PostgreSQL database when TEST_DATABASE_URL names a server), and an SMTP server in this process.
#![allow(dead_code)] // shared by every test module; each uses a part

use std::net::{IpAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asylum_tracker::config::{MailTransportKind, MfaMode, Settings};
use asylum_tracker::db;
use asylum_tracker::db::{run_db, DbPool};
use asylum_tracker::service::accounts;
use asylum_tracker::startup::Application;
use diesel::{Connection, RunQueryDsl};
use mailin_embedded::{response, Handler, Response, Server};
use serde_json::{json, Value};

pub const JWT_SECRET: &str = "test-secret-that-is-long-enough-0123456789";
pub const ADMIN_PASSWORD: &str = "Correct horse battery staple 42";
pub const USER_PASSWORD: &str = "Sturdy lantern over quiet harbor 7";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one test per backend from `async fn name(app: TestApp)`.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    super::$name($crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await).await;
                }
                #[actix_web::test]
                #[cfg_attr(no_test_database, ignore = "needs TEST_DATABASE_URL (a PostgreSQL server)")]
                async fn postgres() {
                    super::$name($crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await).await;
                }
            }
        )*
    };
}

/// Generates one test per backend from `async fn name(backend: Backend)`, for tests that build
/// their own apps. Without TEST_DATABASE_URL (at build time) the PostgreSQL variants are ignored,
/// so a run without PostgreSQL reports them as ignored rather than passed.
#[macro_export]
macro_rules! each_backend {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await;
                }
                #[actix_web::test]
                #[cfg_attr(no_test_database, ignore = "needs TEST_DATABASE_URL (a PostgreSQL server)")]
                async fn postgres() {
                    super::$name($crate::helpers::Backend::Postgres).await;
                }
            }
        )*
    };
}

/// One received e-mail: the envelope recipients and the raw message.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub raw: String,
}

#[derive(Clone, Default)]
struct Collector {
    store: Arc<Mutex<Vec<Mail>>>,
    to: Vec<String>,
    buf: Vec<u8>,
}

impl Handler for Collector {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.buf.clear();
        response::OK
    }
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.buf.extend_from_slice(buf);
        Ok(())
    }
    fn data_end(&mut self) -> Response {
        let mail = Mail {
            to: std::mem::take(&mut self.to),
            raw: String::from_utf8_lossy(&self.buf).into_owned(),
        };
        if let Ok(mut store) = self.store.lock() {
            store.push(mail);
        }
        response::OK
    }
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        response::OK
    }
}

/// An SMTP server on a free port, in a detached thread (mailin-embedded has no shutdown).
#[derive(Clone)]
pub struct Inbox {
    pub port: u16,
    store: Arc<Mutex<Vec<Mail>>>,
}

impl Inbox {
    pub fn start() -> Inbox {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind smtp");
        let port = listener.local_addr().expect("smtp addr").port();
        let store = Arc::new(Mutex::new(Vec::new()));
        let handler = Collector {
            store: store.clone(),
            ..Default::default()
        };
        std::thread::spawn(move || {
            let mut server = Server::new(handler);
            server
                .with_name("inbox.test")
                .with_tcp_listener(listener)
                // Its threads live as long as the test process (serve never returns): 64 per
                // inbox took a full run past the kernel's memory-map limit (vm.max_map_count)
                // at about 300 tests. 16 sessions: three instances' mail pools of
                // `reminders.concurrency` (4 in tests) connections each, kept open while idle.
                .with_num_threads(16);
            let _ = server.serve();
        });
        Inbox { port, store }
    }

    pub fn messages(&self) -> Vec<Mail> {
        self.store.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Waits up to 10 s for at least `n` messages.
    pub async fn wait_for(&self, n: usize) -> Vec<Mail> {
        for _ in 0..200 {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        self.messages()
    }
}

pub struct TestApp {
    pub state: actix_web::web::Data<asylum_tracker::startup::AppState>,
    pub address: String,
    pub backend: Backend,
    pub pool: DbPool,
    pub client: reqwest::Client,
    pub inbox: Inbox,
    pub settings: Settings,
    _guard: DbGuard,
}

/// Keeps the temp directory alive, or drops the PostgreSQL database at the end.
pub enum DbGuard {
    /// For a second instance on a database another TestApp owns.
    Borrowed,
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        server_url: String,
        name: String,
    },
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        if let DbGuard::Postgres { server_url, name } = self {
            let (server_url, name) = (server_url.clone(), name.clone());
            // Blocking work in a plain thread: Drop may run inside the async runtime.
            let _ = std::thread::spawn(move || {
                if let Ok(mut c) = diesel::PgConnection::establish(&server_url) {
                    let _ = diesel::sql_query(format!(
                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                    ))
                    .execute(&mut c);
                }
            })
            .join();
        }
    }
}

pub fn test_settings(database_url: &str, smtp_port: u16) -> Settings {
    let mut s = Settings::load(None).expect("default settings load");
    s.server.bind = "127.0.0.1:0".to_string();
    s.server.workers = Some(1);
    s.server.public_url = "https://tracker.test".to_string();
    s.database.url = database_url.to_string();
    s.database.pool_size = Some(4);
    s.auth.jwt_secret = Some(JWT_SECRET.to_string());
    // The default is `required`, but most tests are about other things than the second factor,
    // so they say `optional` here; tests/api/mfa.rs and tests/api/browser/mfa.rs set `required`.
    s.auth.mfa = MfaMode::Optional;
    // Each open SMTP connection holds one of the test inbox's threads (see `Inbox::start`).
    s.reminders.concurrency = 4;
    s.mail.transport = MailTransportKind::Smtp;
    s.mail.smtp_url = Some(format!("smtp://127.0.0.1:{smtp_port}"));
    // Every test signs in from 127.0.0.1, many far more often than people do: the limits are
    // out of the way here, and tests/api/limits.rs sets its own.
    s.limits.sign_in_per_minute = 1_000_000;
    s.limits.mfa_per_minute = 1_000_000;
    s.limits.password_reset_per_minute = 1_000_000;
    s.limits.refresh_per_minute = 1_000_000;
    s
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let inbox = Inbox::start();
    let (url, guard) = fresh_database(backend);
    spawn_app_on(backend, &url, guard, inbox, tweak).await
}

/// Another instance on an existing database (several instances on one PostgreSQL).
pub async fn spawn_app_on(
    backend: Backend,
    url: &str,
    guard: DbGuard,
    inbox: Inbox,
    tweak: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut settings = test_settings(url, inbox.port);
    tweak(&mut settings);
    let app = Application::build(settings.clone())
        .await
        .expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let pool = app.state.pool.clone();
    let state = app.state.clone();
    actix_web::rt::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    TestApp {
        state,
        address,
        backend,
        pool,
        client,
        inbox,
        settings,
        _guard: guard,
    }
}

/// A database nobody else uses: a new SQLite file, or a new PostgreSQL database.
pub fn fresh_database(backend: Backend) -> (String, DbGuard) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            (url, DbGuard::Sqlite(dir))
        }
        Backend::Postgres => {
            let server_url = std::env::var("TEST_DATABASE_URL")
                .expect("TEST_DATABASE_URL must name a PostgreSQL server for this test");
            let name = format!("asylum_test_{}", uuid::Uuid::new_v4().simple());
            let mut c =
                diesel::PgConnection::establish(&server_url).expect("connect to TEST_DATABASE_URL");
            diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
                .execute(&mut c)
                .expect("create test database");
            let mut url = url::Url::parse(&server_url).expect("TEST_DATABASE_URL is a URL");
            url.set_path(&name);
            (url.to_string(), DbGuard::Postgres { server_url, name })
        }
    }
}

impl TestApp {
    /// The database URL this app runs on.
    pub fn database_url(&self) -> String {
        self.settings.database.url.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_anon(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .patch(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn delete(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    /// Creates a user straight through the library (no HTTP), returning its id.
    pub async fn create_user(&self, email: &str, role: &str, password: &str) -> String {
        let account = accounts::prepare(
            &self.state.hasher,
            email,
            "Test User",
            role,
            password,
            "America/New_York",
        )
        .await
        .expect("valid account");
        run_db(&self.pool, move |conn| {
            Ok(accounts::create(conn, None, &account)?.id)
        })
        .await
        .expect("create user")
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_anon(
            "/api/v1/auth/login",
            &json!({"email": email, "password": password}),
        )
        .await
    }

    /// Logs in and returns the whole token pair.
    pub async fn session(&self, email: &str, password: &str) -> Value {
        let res = self.login(email, password).await;
        assert_eq!(res.status(), 200, "login of {email}");
        res.json().await.expect("token pair")
    }

    /// An admin's access token (creating the admin on first use).
    pub async fn admin_token(&self) -> String {
        self.token_for("admin@test.org", "admin").await
    }

    /// Creates a user of `role` if needed and returns an access token.
    pub async fn token_for(&self, email: &str, role: &str) -> String {
        let password = if role == "admin" {
            ADMIN_PASSWORD
        } else {
            USER_PASSWORD
        };
        let exists = {
            let email = email.to_string();
            run_db(&self.pool, move |conn| db::users::email_taken(conn, &email))
                .await
                .expect("lookup")
        };
        if !exists {
            self.create_user(email, role, password).await;
        }
        self.session(email, password).await["access_token"]
            .as_str()
            .expect("access token")
            .to_string()
    }

    /// Runs raw SQL on the app's database (to move time: expire locks and sessions).
    pub async fn sql(&self, statement: String) {
        run_db(&self.pool, move |conn| {
            diesel::sql_query(statement).execute(conn)?;
            Ok(())
        })
        .await
        .expect("sql");
    }
}

/// Asserts a problem+json response of `status` and returns its body.
pub async fn problem(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert_eq!(ct, "application/problem+json", "content type");
    let body: Value = res.json().await.expect("problem body");
    assert_eq!(body["status"], status, "status member");
    assert!(body["type"]
        .as_str()
        .is_some_and(|t| t.starts_with("urn:asylum-tracker:problem:")));
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    body
}

/// The token of the reset link in a raw reset e-mail.
pub fn reset_link_token(raw: &str) -> String {
    // Quoted-printable may fold long lines ("=\r\n") and encode '=' as "=3D".
    let unfolded = raw.replace("=\r\n", "").replace("=3D", "=");
    let link = "https://tracker.test/reset-password?token=";
    let start = unfolded.find(link).expect("link in mail");
    unfolded[start + link.len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// The fields named in a 422's `errors`.
pub fn error_fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["field"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts the status and returns the JSON body (printing it when the status is wrong).
pub async fn body(res: reqwest::Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let text = res.text().await.expect("body");
    assert_eq!(got, status, "status; body: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("JSON body")
    }
}

/// A request without any token (for the 401 rows of the role matrix), with a JSON body.
pub async fn anon(app: &TestApp, method: &str, path: &str) -> reqwest::Response {
    app.client
        .request(method.parse().expect("method"), app.url(path))
        .json(&json!({}))
        .send()
        .await
        .expect("request")
}

/// The smallest valid client body.
pub fn client_body(given: &str, family: &str) -> Value {
    json!({"given_name": given, "family_name": family, "last_arrival_on": "2025-12-01"})
}

/// POSTs a client (201 asserted) and returns it.
pub async fn create_client(app: &TestApp, token: &str, client: &Value) -> Value {
    body(app.post("/api/v1/clients", token, client).await, 201).await
}

/// POSTs a case (201 asserted) and returns it. `extra` is merged into the body.
pub async fn create_case(app: &TestApp, token: &str, client_id: &str, extra: Value) -> Value {
    let mut req = json!({"client_id": client_id, "kind": "affirmative"});
    if let (Some(r), Some(e)) = (req.as_object_mut(), extra.as_object()) {
        r.extend(e.clone());
    }
    body(app.post("/api/v1/cases", token, &req).await, 201).await
}

/// The id of the token's user.
pub async fn user_id(app: &TestApp, token: &str) -> String {
    body(app.get("/api/v1/me", token).await, 200).await["id"]
        .as_str()
        .expect("id")
        .to_string()
}

/// The `id` member of a JSON object.
pub fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

/// Asserts a 422 and returns the fields it names.
pub async fn invalid(res: reqwest::Response) -> Vec<String> {
    error_fields(&problem(res, 422).await)
}

/// Whether `token` sees client `id`: asserts that the full read (200 or 404), the list and a
/// search for `q` all agree, and returns the answer.
pub async fn sees_client(app: &TestApp, token: &str, id: &str, q: &str) -> bool {
    let res = app.get(&format!("/api/v1/clients/{id}"), token).await;
    let seen = res.status() == 200;
    if !seen {
        problem(res, 404).await;
    }
    let listed = list_ids(app, "/api/v1/clients?limit=200", token).await;
    assert_eq!(
        listed.iter().any(|i| i == id),
        seen,
        "list agrees with read"
    );
    let found = search_ids(app, token, q).await;
    assert_eq!(
        found.iter().any(|i| i == id),
        seen,
        "search agrees with read"
    );
    seen
}

/// Whether `token` sees case `id`: asserts that the case, the case list and every sub-resource
/// list (filings, clock events, decisions, hearings) agree (200 or 404), and returns the answer.
pub async fn sees_case(app: &TestApp, token: &str, id: &str) -> bool {
    let case = format!("/api/v1/cases/{id}");
    let res = app.get(&case, token).await;
    let seen = res.status() == 200;
    if !seen {
        problem(res, 404).await;
    }
    let listed = list_ids(app, "/api/v1/cases?limit=200", token).await;
    assert_eq!(listed.iter().any(|i| i == id), seen, "case list agrees");
    for sub in ["filings", "clock-events", "decisions", "hearings"] {
        let res = app.get(&format!("{case}/{sub}"), token).await;
        let status = if seen { 200 } else { 404 };
        assert_eq!(res.status().as_u16(), status, "{sub} agrees with the case");
    }
    seen
}

/// A case's assignments as (user id, role) pairs.
pub fn roles(case: &Value) -> Vec<(String, String)> {
    let pair = |a: &Value| {
        let text = |k: &str| a[k].as_str().expect(k).to_string();
        (text("user_id"), text("role"))
    };
    case["assignments"]
        .as_array()
        .expect("assignments")
        .iter()
        .map(pair)
        .collect()
}

/// A case's `status` as `token` reads it.
pub async fn status_of(app: &TestApp, path: &str, token: &str) -> Value {
    body(app.get(path, token).await, 200).await["status"].clone()
}

/// The statuses of `n` copies of one request sent at once.
pub async fn all_at_once<F, Fut>(n: usize, send: F) -> Vec<u16>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = reqwest::Response>,
{
    let responses = futures_util::future::join_all((0..n).map(|_| send())).await;
    let mut statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    statuses.sort();
    statuses
}

/// The ids of a list body's items.
pub fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().expect("item id").to_string())
        .collect()
}

/// GETs a list (200 asserted) and returns its item ids.
pub async fn list_ids(app: &TestApp, path: &str, token: &str) -> Vec<String> {
    ids(&body(app.get(path, token).await, 200).await)
}

/// Client search (200 asserted): the ids found.
pub async fn search_ids(app: &TestApp, token: &str, q: &str) -> Vec<String> {
    let res = app
        .post("/api/v1/clients/search", token, &json!({"q": q}))
        .await;
    ids(&body(res, 200).await)
}

/// The audit rows of one entity, newest first (as admin).
pub async fn audit_rows(app: &TestApp, entity_type: &str, entity_id: &str) -> Vec<Value> {
    let admin = app.admin_token().await;
    let path = format!("/api/v1/audit?entity_type={entity_type}&entity_id={entity_id}&limit=200");
    body(app.get(&path, &admin).await, 200).await["items"]
        .as_array()
        .expect("items")
        .clone()
}

/// The actions of an entity's audit rows, oldest first.
pub async fn audit_actions(app: &TestApp, entity_type: &str, entity_id: &str) -> Vec<String> {
    let mut actions: Vec<String> = audit_rows(app, entity_type, entity_id)
        .await
        .iter()
        .map(|r| r["action"].as_str().unwrap_or_default().to_string())
        .collect();
    actions.reverse();
    actions
}

/// The people of the role matrix: an admin, a lawyer and a caseworker assigned to `case`, and a
/// lawyer and a caseworker who are not; `client` is the case's client (opened by the admin).
pub struct Team {
    pub admin: String,
    pub lawyer: String,
    pub caseworker: String,
    pub other_lawyer: String,
    pub other_caseworker: String,
    pub lawyer_id: String,
    pub caseworker_id: String,
    pub other_lawyer_id: String,
    pub other_caseworker_id: String,
    pub client: Value,
    pub case: Value,
}

impl Team {
    /// The tokens of those who see the case.
    pub fn insiders(&self) -> [&str; 3] {
        [&self.admin, &self.lawyer, &self.caseworker]
    }
    /// The tokens of those who do not.
    pub fn outsiders(&self) -> [&str; 2] {
        [&self.other_lawyer, &self.other_caseworker]
    }
    pub fn case_id(&self) -> &str {
        self.case["id"].as_str().expect("case id")
    }
    pub fn client_id(&self) -> &str {
        self.client["id"].as_str().expect("client id")
    }
}

/// Sets up a `Team` around a defensive case at `el-paso`.
pub async fn team(app: &TestApp) -> Team {
    let admin = app.admin_token().await;
    let lawyer = app.token_for("lawyer@test.org", "lawyer").await;
    let caseworker = app.token_for("cw@test.org", "caseworker").await;
    let other_lawyer = app.token_for("other-lawyer@test.org", "lawyer").await;
    let other_caseworker = app.token_for("other-cw@test.org", "caseworker").await;
    let lawyer_id = user_id(app, &lawyer).await;
    let caseworker_id = user_id(app, &caseworker).await;
    let mut c = client_body("Amina", "Haidari");
    c["a_number"] = json!("A201234567");
    let client = create_client(app, &admin, &c).await;
    let case = create_case(
        app,
        &admin,
        client["id"].as_str().expect("id"),
        json!({"kind": "defensive", "court_code": "el-paso",
               "lawyer_ids": [lawyer_id], "caseworker_ids": [caseworker_id]}),
    )
    .await;
    Team {
        other_lawyer_id: user_id(app, &other_lawyer).await,
        other_caseworker_id: user_id(app, &other_caseworker).await,
        admin,
        lawyer,
        caseworker,
        other_lawyer,
        other_caseworker,
        lawyer_id,
        caseworker_id,
        client,
        case,
    }
}

/// The audit actions recorded about a user, oldest first (an admin's view).
pub async fn user_audit_actions(app: &TestApp, user_id: &str) -> Vec<String> {
    let admin = app.admin_token().await;
    let audit = body(
        app.get(
            &format!("/api/v1/audit?entity_type=user&entity_id={user_id}&limit=100"),
            &admin,
        )
        .await,
        200,
    )
    .await;
    audit["items"]
        .as_array()
        .expect("audit items")
        .iter()
        .map(|r| r["action"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Enrols the token's account in TOTP through the API (start, then confirm with the current
/// code); returns the secret, for computing codes, and the recovery codes.
pub async fn enrol_totp(app: &TestApp, token: &str) -> (String, Vec<String>) {
    let started = body(
        app.post("/api/v1/me/mfa/totp", token, &json!({})).await,
        201,
    )
    .await;
    let secret = started["secret"].as_str().expect("secret").to_string();
    let now = chrono::Utc::now().timestamp() as u64;
    let code = asylum_tracker::auth::totp::code_at(&secret, now).expect("code");
    let confirmed = body(
        app.post("/api/v1/me/mfa/totp/confirm", token, &json!({"code": code}))
            .await,
        200,
    )
    .await;
    let codes = confirmed["recovery_codes"]
        .as_array()
        .expect("recovery codes")
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    (secret, codes)
}

/// A free port for a server a test must name before it binds it (a child process, chromedriver,
/// links in mail). Taken below the kernel's ephemeral range (32768 and up on Linux), from which
/// every outgoing connection takes its local port: a port picked there by binding port 0 could
/// be taken by a burst test's client connections between the pick and the bind ("Address
/// already in use"). Distinct within the test process; checked free when picked.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    // Test binaries that run one after another start at different places.
    let start = std::process::id().wrapping_mul(7919);
    for _ in 0..12_000 {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = 20_000 + (start.wrapping_add(n) % 12_000) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port from 20000 to 31999");
}
