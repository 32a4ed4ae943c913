//! What a caseworker must not see, what page scripts must not read, and that names are text.

use serde_json::{json, Value};

use super::Browser;
use crate::browser_both;
use crate::helpers::{client_body, create_case, create_client, id, TestApp, USER_PASSWORD};

browser_both!(
    caseworker_sees_no_admin_pages_nor_others_cases,
    markup_in_a_name_is_text,
    no_token_is_readable_by_page_scripts,
    an_ended_session_says_so,
    sign_out_is_on_every_page_and_ends_the_session,
    another_session_is_listed_and_ended_from_the_account_page,
    the_back_and_forward_buttons_walk_the_pages_visited,
);

const NOT_FOUND: &str = "This page does not exist, or it is not shared with you.";
const ADMIN_LINKS: [&str; 4] = ["Users", "Reminders", "Audit log", "Closures"];

async fn caseworker_sees_no_admin_pages_nor_others_cases(app: &TestApp, b: &Browser) {
    let admin = app.admin_token().await;
    app.create_user("cw@test.org", "caseworker", USER_PASSWORD)
        .await;
    let client = create_client(app, &admin, &client_body("Amina", "Haidari")).await;
    // A case nobody assigned the caseworker to.
    let case = create_case(app, &admin, &id(&client), json!({})).await;

    b.sign_in_at("/admin/users", "cw@test.org", USER_PASSWORD, "Not found")
        .await;
    b.find_text("main", NOT_FOUND).await;
    let links = b.nav_links().await;
    assert!(
        links.iter().any(|l| l == "Agenda"),
        "the nav is there: {links:?}"
    );
    for admin_link in ADMIN_LINKS {
        assert!(
            !links.iter().any(|l| l == admin_link),
            "no {admin_link} link: {links:?}"
        );
    }

    // A full load of the case's address: the session is restored from the cookie, and the case
    // is "Not found" as if it did not exist.
    b.goto(&format!("/cases/{}", id(&case))).await;
    b.heading("Not found").await;
    b.find_text("main", NOT_FOUND).await;
    let page = b.js("return document.body.textContent;", vec![]).await;
    let reference = case["reference"].as_str().expect("reference");
    assert!(
        !page.as_str().unwrap_or_default().contains(reference),
        "nothing of the case shows"
    );
}

async fn markup_in_a_name_is_text(app: &TestApp, b: &Browser) {
    let admin = app.admin_token().await;
    let name = "<img src=x onerror=alert(1)>";
    let client = create_client(app, &admin, &client_body(name, "Haidari")).await;
    b.sign_in_at(
        &format!("/clients/{}", id(&client)),
        "admin@test.org",
        crate::helpers::ADMIN_PASSWORD,
        &format!("{name} Haidari"),
    )
    .await;
    b.find_text("main", name).await;
    // The text is there literally and no element was made of it. (The CSP would also block the
    // inline handler; the element check is what proves the page used text, not markup.)
    let imgs = b
        .js(
            "return document.querySelectorAll('img[src=\"x\"], [onerror]').length;",
            vec![],
        )
        .await;
    assert_eq!(imgs, json!(0), "no img element from the name");
    assert!(b.client.get_alert_text().await.is_err(), "no alert is open");
    b.nav("Clients", "Clients").await;
    b.find_text("ul#client-results", name).await;
    let imgs = b
        .js(
            "return document.querySelectorAll('img[src=\"x\"]').length;",
            vec![],
        )
        .await;
    assert_eq!(imgs, json!(0), "no img element in the list either");
}

async fn no_token_is_readable_by_page_scripts(app: &TestApp, b: &Browser) {
    app.create_user("cw@test.org", "caseworker", USER_PASSWORD)
        .await;
    b.sign_in_at("/", "cw@test.org", USER_PASSWORD, "Agenda")
        .await;
    let seen: Value = b
        .js(
            "const values = (s) => Object.keys(s).map((k) => k + '=' + s.getItem(k));
             const globals = Object.keys(window)
               .filter((k) => { try { return typeof window[k] === 'string'; } catch (e) { return false; } })
               .map((k) => window[k]);
             return {local: values(localStorage), session: values(sessionStorage),
                     cookie: document.cookie, globals};",
            vec![],
        )
        .await;
    assert_eq!(seen["local"], json!([]), "localStorage is empty: {seen}");
    assert_eq!(
        seen["session"],
        json!([]),
        "sessionStorage is empty: {seen}"
    );
    let cookie = seen["cookie"].as_str().unwrap_or_default();
    assert!(
        !cookie.contains("asylum_refresh"),
        "the refresh cookie is HttpOnly: {cookie}"
    );
    let globals = seen["globals"].to_string();
    assert!(
        !globals.contains("eyJ"),
        "no JWT in a global variable: {globals}"
    );

    // The session lives in that HttpOnly cookie: a reload restores it without signing in.
    b.client.refresh().await.expect("reload");
    b.heading("Agenda").await;
    // WebDriver (not the page) sees the cookie on its path, flagged HttpOnly.
    b.goto("/api/v1/auth/refresh").await;
    let cookies = b.client.get_all_cookies().await.expect("cookies");
    let refresh = cookies
        .iter()
        .find(|c| c.name() == "asylum_refresh")
        .expect("an asylum_refresh cookie for /api/v1/auth");
    assert_eq!(refresh.http_only(), Some(true), "HttpOnly");
}

async fn an_ended_session_says_so(app: &TestApp, b: &Browser) {
    app.create_user("cw@test.org", "caseworker", USER_PASSWORD)
        .await;
    b.sign_in_at("/", "cw@test.org", USER_PASSWORD, "Agenda")
        .await;
    // The session is ended elsewhere (what an admin's deactivation or a sign-out on another
    // device does): the access token and the refresh cookie both stop working.
    app.sql("UPDATE users SET token_version = token_version + 1".into())
        .await;
    app.sql("UPDATE sessions SET revoked_at = last_used_at".into())
        .await;
    b.follow("nav[aria-label=\"Main\"]", "Clients").await;
    b.find_text(
        "#session-ended",
        "Your session has ended. Please sign in again.",
    )
    .await;
    b.heading("Sign in").await;
    // Signing in again opens the page the user was going to.
    b.sign_in_here("cw@test.org", USER_PASSWORD).await;
    b.heading("Clients").await;
}

/// "Sign out" is in the header of every page (ASVS 5.0 7.4.4) and ends the session on the
/// server, not only in the page: no live refresh token is left, and a reload asks to sign in.
async fn sign_out_is_on_every_page_and_ends_the_session(app: &TestApp, b: &Browser) {
    use asylum_tracker::db::schema::sessions;
    use diesel::prelude::*;
    app.create_user("out@test.org", "caseworker", USER_PASSWORD)
        .await;
    b.sign_in_at("/", "out@test.org", USER_PASSWORD, "Agenda")
        .await;
    for page in ["Clients", "Account", "Agenda"] {
        b.follow("nav[aria-label=\"Main\"]", page).await;
        b.heading(page).await;
        b.button("header", "Sign out").await;
    }
    b.click("header", "Sign out").await;
    b.heading("Sign in").await;
    let live = asylum_tracker::db::run_db(&app.pool, |conn| {
        Ok(sessions::table
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::used_at.is_null())
            .count()
            .get_result::<i64>(conn)?)
    })
    .await
    .unwrap();
    assert_eq!(live, 0, "no live session after signing out");
    b.goto("/clients").await;
    b.heading("Sign in").await;
}

/// The account page lists the signed-in sessions (this one marked, times as dates, the browser
/// in a few words) and ends another one: its refresh token stops working at once.
async fn another_session_is_listed_and_ended_from_the_account_page(app: &TestApp, b: &Browser) {
    app.create_user("two@test.org", "lawyer", USER_PASSWORD)
        .await;
    // Signed in elsewhere first (through the API: no User-Agent), then in the browser.
    let elsewhere = app.session("two@test.org", USER_PASSWORD).await;
    b.sign_in_at("/account", "two@test.org", USER_PASSWORD, "Account")
        .await;
    let shown = b
        .until(
            "two sessions listed",
            "const items = [...document.querySelectorAll('ul#sessions li.session')];
             if (items.length !== 2) return null;
             return items.map((li) => ({
               current: li.dataset.current === 'true',
               text: li.textContent.replace(/\\s+/g, ' ').trim(),
               ends: [...li.querySelectorAll('button')].map((x) => x.textContent.trim()),
             }));",
            vec![],
        )
        .await;
    let items = shown.as_array().expect("sessions");
    let current: Vec<&Value> = items.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1, "exactly one is this session: {shown}");
    let (this, other) = if items[0]["current"] == true {
        (&items[0], &items[1])
    } else {
        (&items[1], &items[0])
    };
    let this_text = this["text"].as_str().unwrap_or_default();
    assert!(
        this_text.contains("This session") && this_text.contains("Chrome"),
        "this session is marked, with its browser: {this_text}"
    );
    assert_eq!(this["ends"], json!([]), "no End session for this one");
    let other_text = other["text"].as_str().unwrap_or_default();
    assert!(
        other_text.contains("Unknown browser") && !other_text.contains("This session"),
        "the API's sign-in sent no User-Agent: {other_text}"
    );
    assert_eq!(other["ends"], json!(["End session"]));
    // Dates as the rest of the client shows instants: weekday, ISO date, time and zone.
    for text in [this_text, other_text] {
        let dated = b
            .js(
                "return /Signed in \\w{3} \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} \\S+/.test(arguments[0])
                   && /Last used \\w{3} \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} \\S+/.test(arguments[0]);",
                vec![json!(text)],
            )
            .await;
        assert_eq!(dated, json!(true), "unambiguous times: {text}");
    }
    b.axe("account-sessions").await;
    b.at_both_widths("account-sessions").await;

    b.click("li.session[data-current=\"false\"]", "End session")
        .await;
    b.find_text("#sessions-status", "The session has been ended")
        .await;
    b.until(
        "one session left, this one",
        "const items = [...document.querySelectorAll('ul#sessions li.session')];
         return items.length === 1 && items[0].dataset.current === 'true';",
        vec![],
    )
    .await;
    // The other session's refresh token (and its access token) stopped working at once.
    let refresh = app
        .post_anon(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": elsewhere["refresh_token"]}),
        )
        .await;
    assert_eq!(refresh.status(), 401, "the ended session cannot refresh");
    let token = elsewhere["access_token"].as_str().expect("access token");
    assert_eq!(app.get("/api/v1/me", token).await.status(), 401);
    // This one goes on.
    b.nav("Clients", "Clients").await;
}

/// History routing: the browser's back and forward buttons go through the pages visited inside
/// the client (agenda, clients, a case), with their addresses, without signing in again.
async fn the_back_and_forward_buttons_walk_the_pages_visited(app: &TestApp, b: &Browser) {
    let (_, case) = super::lawyers_case(app, json!({})).await;
    let reference = case["reference"].as_str().expect("reference").to_string();
    let case_path = format!("/cases/{}", case["id"].as_str().expect("id"));
    b.sign_in_at("/", "lawyer@test.org", USER_PASSWORD, "Agenda")
        .await;
    b.follow("nav[aria-label=\"Main\"]", "Clients").await;
    b.heading("Clients").await;
    b.goto_in_app(&case_path).await;
    b.heading(&format!("Case {reference}")).await;
    b.client.back().await.expect("back");
    b.heading("Clients").await;
    assert_eq!(b.path().await, "/clients");
    b.client.back().await.expect("back");
    b.heading("Agenda").await;
    assert_eq!(b.path().await, "/");
    b.client.forward().await.expect("forward");
    b.heading("Clients").await;
    b.client.forward().await.expect("forward");
    b.heading(&format!("Case {reference}")).await;
    assert_eq!(b.path().await, case_path);
}
