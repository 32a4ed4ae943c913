//! Browser tests: the real server and the web client it serves, driven through headless Chromium
//! by WebDriver (fantoccini + `/usr/bin/chromedriver`), on SQLite and (with TEST_DATABASE_URL)
//! PostgreSQL. They locate things only by what docs/ui-contract names: form ids, input names,
//! headings and button texts.
//!
//! Gated by `BROWSER_TESTS=1` (CI sets it): without it each test says so and passes, so that a
//! machine without Chromium still runs the rest of the suite. Each test starts its own
//! chromedriver on a free port (killed, with the browser, when the test ends). Screenshots go to
//! `<target dir>/browser-screenshots/`: one on any failure, and the agenda and case pages at 1280 and
//! 390 px on every run.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use asylum_tracker::config::Settings;
use fantoccini::elements::{Element, ElementRef};
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::helpers::{spawn_app_with, Backend, TestApp};

mod access;
mod admin;
mod caseworker;
mod custody;
mod erasure;
mod family;
mod lawyer;
mod mfa;
mod notes;
mod signin;
mod supervision;

pub const SKIPPED: &str = "skipped: set BROWSER_TESTS=1 to run browser tests";

/// How long any one wait may take: generous, because CI runs these beside the rest of the suite
/// on two cores.
const WAIT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(100);

/// Desktop and phone widths of the screenshots (and of the no-horizontal-scrolling check).
pub const DESKTOP: (u32, u32) = (1280, 900);
pub const PHONE: (u32, u32) = (390, 844);

/// At most two browsers at once: each Chromium is several processes, and the machine has two cores.
static BROWSERS: Semaphore = Semaphore::const_new(2);

const AXE: &str = include_str!("vendor/axe.min.js");
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub fn enabled() -> bool {
    std::env::var("BROWSER_TESTS").is_ok_and(|v| v == "1")
}

/// One test per backend from `async fn name(app: &TestApp, b: &Browser)`. The gate is checked
/// before anything starts (no database is created for a skipped test); a failure saves a
/// screenshot and then fails the test with the original panic.
///
/// `browser_both!(settings = tweak; name, ...)`: the same, the app's settings changed first by
/// `fn tweak(&mut Settings)` of the calling module.
#[macro_export]
macro_rules! browser_both {
    (settings = $tweak:ident; $($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    $crate::browser::run_with(stringify!($name), $crate::helpers::Backend::Sqlite, super::$tweak, |app, b| {
                        Box::pin(super::$name(app, b))
                    })
                    .await;
                }
                #[actix_web::test]
                #[cfg_attr(no_test_database, ignore = "needs TEST_DATABASE_URL (a PostgreSQL server)")]
                async fn postgres() {
                    $crate::browser::run_with(stringify!($name), $crate::helpers::Backend::Postgres, super::$tweak, |app, b| {
                        Box::pin(super::$name(app, b))
                    })
                    .await;
                }
            }
        )*
    };
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    $crate::browser::run(stringify!($name), $crate::helpers::Backend::Sqlite, |app, b| {
                        Box::pin(super::$name(app, b))
                    })
                    .await;
                }
                #[actix_web::test]
                #[cfg_attr(no_test_database, ignore = "needs TEST_DATABASE_URL (a PostgreSQL server)")]
                async fn postgres() {
                    $crate::browser::run(stringify!($name), $crate::helpers::Backend::Postgres, |app, b| {
                        Box::pin(super::$name(app, b))
                    })
                    .await;
                }
            }
        )*
    };
}

type Journey<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;

/// Runs one journey: the app (its public URL is its own address, so that links in e-mails open
/// in the test's browser), a browser, the journey, a screenshot if it failed.
pub async fn run<F>(name: &str, backend: Backend, journey: F)
where
    F: for<'a> FnOnce(&'a TestApp, &'a Browser) -> Journey<'a>,
{
    run_with(name, backend, |_| {}, journey).await;
}

/// As [`run`], the settings changed by `tweak` first (e.g. `auth.mfa = "required"`).
pub async fn run_with<F>(
    name: &str,
    backend: Backend,
    tweak: impl FnOnce(&mut Settings),
    journey: F,
) where
    F: for<'a> FnOnce(&'a TestApp, &'a Browser) -> Journey<'a>,
{
    if !enabled() {
        println!("{SKIPPED}");
        return;
    }
    let port = free_port();
    let app = spawn_app_with(backend, |s| {
        // A port picked just before binding it: the server must know its own address for the
        // links it mails, and port 0 would be known only after the build.
        s.server.bind = format!("127.0.0.1:{port}");
        s.server.public_url = format!("http://127.0.0.1:{port}");
        tweak(s);
    })
    .await;
    let label = format!(
        "{name}-{}",
        match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    );
    let b = Browser::start(&app.address, &label).await;
    let outcome = AssertUnwindSafe(journey(&app, &b)).catch_unwind().await;
    if let Err(panic) = outcome {
        b.screenshot("failure").await;
        if let Ok(url) = b.client.current_url().await {
            eprintln!("browser test {label} failed at {url}");
        }
        b.close().await;
        std::panic::resume_unwind(panic);
    }
    b.close().await;
}

use crate::helpers::free_port;

/// A chromedriver process in its own process group; dropping it kills the group (chromedriver
/// and any browser it started), so a failed test leaves nothing running.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn screenshot_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is `<target dir>/tmp`: its parent honours CARGO_TARGET_DIR.
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent()
        .map(|t| t.join("browser-screenshots"))
        .unwrap_or_else(|| PathBuf::from("target/browser-screenshots"))
}

pub struct Browser {
    pub client: Client,
    base: String,
    label: String,
    _driver: Driver,
    _permit: SemaphorePermit<'static>,
}

impl Browser {
    async fn start(base: &str, label: &str) -> Browser {
        let permit = BROWSERS.acquire().await.expect("browser semaphore");
        let port = free_port();
        let mut command = Command::new(CHROMEDRIVER);
        command
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let driver = Driver(command.spawn().unwrap_or_else(|e| {
            panic!("start {CHROMEDRIVER} (apt-get install chromium-driver): {e}")
        }));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,900", "--lang=en-US"],
            }),
        );
        // chromedriver needs a moment to listen: retry the session until the deadline.
        let webdriver = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let attempt = ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&webdriver)
                .await;
            match attempt {
                Ok(client) => break client,
                Err(e) if started.elapsed() > WAIT => panic!("no WebDriver session: {e}"),
                Err(_) => tokio::time::sleep(POLL).await,
            }
        };
        let b = Browser {
            client,
            base: base.to_string(),
            label: label.to_string(),
            _driver: driver,
            _permit: permit,
        };
        b.resize(DESKTOP).await;
        b
    }

    async fn close(&self) {
        let _ = self.client.clone().close().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Loads a page of the app (a full page load: the client starts afresh).
    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&self.url(path))
            .await
            .unwrap_or_else(|e| panic!("load {path}: {e}"));
    }

    /// Navigates inside the running client, as a link would (history.pushState and the
    /// client's router; no page load).
    pub async fn goto_in_app(&self, path: &str) {
        self.js(
            "const a = document.createElement('a');
             a.href = arguments[0];
             document.querySelector('main').append(a);
             a.click();
             a.remove();
             return true;",
            vec![json!(path)],
        )
        .await;
    }

    /// The path and query of the address bar.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Waits for an element matching `css`.
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .every(POLL)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css} within {WAIT:?}: {e}"))
    }

    /// Runs `script` (with `args`) until it returns something other than null/false/undefined,
    /// and returns that; panics after the timeout, naming `what`.
    pub async fn until(&self, what: &str, script: &str, args: Vec<Value>) -> Value {
        let started = Instant::now();
        loop {
            let got = self
                .client
                .execute(script, args.clone())
                .await
                .unwrap_or_else(|e| panic!("script for {what}: {e}"));
            if !matches!(got, Value::Null | Value::Bool(false)) {
                return got;
            }
            if started.elapsed() > WAIT {
                panic!("timed out after {WAIT:?} waiting for {what}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Runs `script` once and returns its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits for a visible element matching `css` whose text (whitespace collapsed) contains
    /// `text`, and returns it.
    pub async fn find_text(&self, css: &str, text: &str) -> Element {
        let what = format!("{css} containing {text:?}");
        let found = self
            .until(
                &what,
                "const [css, text] = arguments;
                 const norm = (s) => s.replace(/\\s+/g, ' ').trim();
                 return [...document.querySelectorAll(css)]
                   .find((e) => e.getClientRects().length > 0 && norm(e.textContent).includes(text)) || null;",
                vec![json!(css), json!(text)],
            )
            .await;
        self.element(found)
    }

    /// Waits for the page's visible `<h1>` to read exactly `text`.
    pub async fn heading(&self, text: &str) {
        let what = format!("<h1>{text}</h1>");
        self.until(
            &what,
            "const norm = (s) => s.replace(/\\s+/g, ' ').trim();
             // A client's heading carries the native name in a <span lang> beside the name.
             const bare = (h) => { const c = h.cloneNode(true);
               c.querySelectorAll('span[lang]').forEach((s) => s.remove()); return norm(c.textContent); };
             return [...document.querySelectorAll('h1')]
               .some((h) => h.getClientRects().length > 0
                 && (norm(h.textContent) === arguments[0] || bare(h) === arguments[0]));",
            vec![json!(text)],
        )
        .await;
    }

    /// Waits for a visible, enabled button inside `within` (CSS) whose text is exactly `text`.
    pub async fn button(&self, within: &str, text: &str) -> Element {
        self.control(within, text, false).await
    }

    /// As `button`, also accepting a link (for "link or button" in the contract).
    pub async fn control(&self, within: &str, text: &str, or_link: bool) -> Element {
        let what = format!("button {text:?} in {within}");
        let found = self
            .until(
                &what,
                "const [within, text] = arguments;
                 const norm = (s) => s.replace(/\\s+/g, ' ').trim();
                 return [...document.querySelectorAll(within)]
                   .flatMap((s) => [...s.querySelectorAll(arguments[2] ? 'button, a[href]' : 'button, input[type=submit]')])
                   .find((b) => b.getClientRects().length > 0 && !b.disabled
                     && norm(b.textContent || b.value) === text) || null;",
                vec![json!(within), json!(text), json!(or_link)],
            )
            .await;
        self.element(found)
    }

    pub async fn click(&self, within: &str, text: &str) {
        self.reveal(within).await;
        self.button(within, text)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {text:?} in {within}: {e}"));
    }

    /// Follows the visible link inside `within` whose text is exactly `text`.
    pub async fn follow(&self, within: &str, text: &str) {
        let what = format!("link {text:?} in {within}");
        let found = self
            .until(
                &what,
                "const [within, text] = arguments;
                 const norm = (s) => s.replace(/\\s+/g, ' ').trim();
                 return [...document.querySelectorAll(within + ' a[href]')]
                   .find((a) => a.getClientRects().length > 0 && norm(a.textContent) === text) || null;",
                vec![json!(within), json!(text)],
            )
            .await;
        self.element(found)
            .click()
            .await
            .unwrap_or_else(|e| panic!("follow {text:?}: {e}"));
    }

    /// Opens the closed `<details>` around the element matching `css` by clicking its summary,
    /// as a person would before using a form inside it.
    pub async fn reveal(&self, css: &str) {
        self.find(css).await;
        self.js(
            "let d = document.querySelector(arguments[0]).closest('details');
             while (d) { if (!d.open) d.querySelector(':scope > summary').click();
               d = d.parentElement && d.parentElement.closest('details'); }",
            vec![json!(css)],
        )
        .await;
    }

    fn element(&self, v: Value) -> Element {
        let id = v[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("not an element: {v}"));
        Element::from_element_id(self.client.clone(), ElementRef::from(id.to_string()))
    }

    /// Types `value` into the field `name` of `form#form` (after clearing it). Date, time and
    /// select fields get the value set directly, with the input and change events a person's
    /// edit fires: typing into them depends on the browser's locale.
    pub async fn fill(&self, form: &str, name: &str, value: &str) {
        self.fill_in(&format!("form#{form}"), name, value).await;
    }

    /// As `fill`, in the (first) form matching the CSS selector `form`.
    pub async fn fill_in(&self, form: &str, name: &str, value: &str) {
        self.reveal(form).await;
        let css = format!("{form} [name=\"{name}\"]");
        let field = self.find(&css).await;
        let kind = field.attr("type").await.ok().flatten().unwrap_or_default();
        let tag = field.tag_name().await.unwrap_or_default();
        if tag == "select" || matches!(kind.as_str(), "date" | "datetime-local" | "time") {
            let set = self
                .js(
                    "const [css, v] = arguments;
                     const el = document.querySelector(css);
                     el.value = v;
                     el.dispatchEvent(new Event('input', {bubbles: true}));
                     el.dispatchEvent(new Event('change', {bubbles: true}));
                     return el.value;",
                    vec![json!(css), json!(value)],
                )
                .await;
            assert_eq!(set, json!(value), "{css} takes the value {value:?}");
        } else {
            field
                .clear()
                .await
                .unwrap_or_else(|e| panic!("clear {css}: {e}"));
            field
                .send_keys(value)
                .await
                .unwrap_or_else(|e| panic!("type into {css}: {e}"));
        }
    }

    /// Signs in on the page that is showing (the sign-in form), and waits for it to go.
    pub async fn sign_in_here(&self, email: &str, password: &str) {
        self.heading("Sign in").await;
        self.fill("signin-form", "email", email).await;
        self.fill("signin-form", "password", password).await;
        self.click("form#signin-form", "Sign in").await;
        self.until(
            "the sign-in form to go",
            "return document.querySelector('form#signin-form') === null;",
            vec![],
        )
        .await;
    }

    /// Opens `path` signed out (the sign-in page shows), signs in, and waits for `heading`: the
    /// page asked for opens after signing in.
    pub async fn sign_in_at(&self, path: &str, email: &str, password: &str, heading: &str) {
        self.goto(path).await;
        self.sign_in_here(email, password).await;
        self.heading(heading).await;
    }

    /// Follows a link of the main navigation and waits for its page's heading.
    pub async fn nav(&self, link: &str, heading: &str) {
        self.follow("nav[aria-label=\"Main\"]", link).await;
        self.heading(heading).await;
    }

    /// The texts of the main navigation's links.
    pub async fn nav_links(&self) -> Vec<String> {
        self.find("nav[aria-label=\"Main\"]").await;
        let v = self
            .js(
                "return [...document.querySelectorAll('nav[aria-label=\"Main\"] a')]
                   .map((a) => a.textContent.replace(/\\s+/g, ' ').trim());",
                vec![],
            )
            .await;
        serde_json::from_value(v).expect("link texts")
    }

    pub async fn resize(&self, (width, height): (u32, u32)) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("set window size");
        self.until(
            &format!("a viewport {width} px wide"),
            "return window.innerWidth === arguments[0];",
            vec![json!(width)],
        )
        .await;
    }

    /// Saves a PNG of the viewport as `<test>-<backend>-<what>.png`.
    pub async fn screenshot(&self, what: &str) {
        let dir = screenshot_dir();
        let _ = std::fs::create_dir_all(&dir);
        match self.client.screenshot().await {
            Ok(png) => {
                let path = dir.join(format!("{}-{what}.png", self.label));
                if let Err(e) = std::fs::write(&path, png) {
                    eprintln!("could not save {}: {e}", path.display());
                }
            }
            Err(e) => eprintln!("no screenshot for {}: {e}", self.label),
        }
    }

    /// Screenshots of the whole current page at desktop and phone width, asserting that at phone
    /// width nothing scrolls sideways; the window is left at desktop size.
    pub async fn at_both_widths(&self, what: &str) {
        self.whole_page(&format!("{what}-1280"), DESKTOP).await;
        self.resize(PHONE).await;
        let widths = self
            .js(
                "const d = document.documentElement; return [d.scrollWidth, d.clientWidth];",
                vec![],
            )
            .await;
        self.whole_page(&format!("{what}-390"), PHONE).await;
        self.resize(DESKTOP).await;
        let (scroll, client) = (widths[0].as_i64(), widths[1].as_i64());
        assert!(
            scroll.is_some() && scroll <= client,
            "the {what} page scrolls sideways at 390 px: scrollWidth {scroll:?} > clientWidth {client:?}"
        );
    }

    /// A screenshot of the page from its top, the window made as tall as the page (capped), since
    /// WebDriver screenshots only the viewport and a reviewer wants to see the whole page.
    async fn whole_page(&self, what: &str, (width, height): (u32, u32)) {
        self.resize((width, height)).await;
        let tall = self
            .js(
                "window.scrollTo(0, 0); return document.documentElement.scrollHeight;",
                vec![],
            )
            .await
            .as_u64()
            .unwrap_or(u64::from(height));
        let tall = u32::try_from(tall).unwrap_or(height).clamp(height, 6000);
        self.resize((width, tall)).await;
        self.screenshot(what).await;
        self.resize((width, height)).await;
    }

    /// Runs axe-core on the page and asserts that it finds no violation of impact serious or
    /// critical (the list of any it finds is the failure message).
    pub async fn axe(&self, page: &str) {
        // WebDriver scripts are not subject to the page's CSP, so the vendored file can be
        // evaluated as it is (the page itself could not load it: script-src 'self').
        let loaded = self
            .js(
                &format!("{AXE}\n;return typeof window.axe === 'object' && typeof window.axe.run === 'function';"),
                vec![],
            )
            .await;
        assert_eq!(loaded, json!(true), "axe-core loads");
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 window.axe.run(document, {resultTypes: ['violations']})
                   .then((r) => done({ok: r.violations.map((v) => ({
                     id: v.id, impact: v.impact, help: v.help,
                     nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }))}))
                   .catch((e) => done({error: String(e)}));",
                vec![],
            )
            .await
            .expect("axe.run");
        assert!(result["error"].is_null(), "axe.run failed: {result}");
        let serious: Vec<&Value> = result["ok"]
            .as_array()
            .expect("violations")
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(
            serious.is_empty(),
            "axe-core: serious or critical violations on the {page} page:\n{}",
            serde_json::to_string_pretty(&serious).unwrap_or_default()
        );
    }
}

/// A case of the client "Amina Haidari" with `lawyer@test.org` assigned as its lawyer, created by
/// the admin with the extra fields `extra` (kind, court); returns the lawyer's token and the case.
pub async fn lawyers_case(app: &TestApp, extra: serde_json::Value) -> (String, serde_json::Value) {
    use crate::helpers::{client_body, create_case, create_client, id, user_id};
    let admin = app.admin_token().await;
    let lawyer = app.token_for("lawyer@test.org", "lawyer").await;
    let lawyer_id = user_id(app, &lawyer).await;
    let client = create_client(app, &admin, &client_body("Amina", "Haidari")).await;
    let mut fields = extra;
    fields["lawyer_ids"] = json!([lawyer_id]);
    let case = create_case(app, &admin, &id(&client), fields).await;
    (lawyer, case)
}
