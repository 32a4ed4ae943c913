//! The web client as the server hands it out: the page for browser navigation (history routing),
//! its assets, and the headers every HTML response carries. What the pages do is tested in a real
//! browser (`browser`).

use crate::helpers::TestApp;
use reqwest::header::{ACCEPT, CONTENT_TYPE};

const HTML: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

async fn navigate(app: &TestApp, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header(ACCEPT, HTML)
        .send()
        .await
        .expect("request")
}

fn header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("{name} header missing"))
}

/// `/`, e-mail links and the client's own routes all get the same page, with a strict policy.
async fn browser_paths_get_the_client_page(app: TestApp) {
    let index = navigate(&app, "/").await;
    assert_eq!(index.status(), 200);
    assert!(header(&index, "content-type").starts_with("text/html"));
    let csp = header(&index, "content-security-policy").to_string();
    for part in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(part), "CSP lacks {part}: {csp}");
    }
    assert!(!csp.contains("unsafe"), "CSP allows unsafe sources: {csp}");
    assert_eq!(header(&index, "referrer-policy"), "no-referrer");
    assert_eq!(header(&index, "x-content-type-options"), "nosniff");
    let page = index.text().await.expect("body");
    for path in [
        "/cases/0b5f3c3e-1b7c-4c1e-9a55-1f0d1d7f3a10",
        "/clients/x",
        "/reset-password?token=abc",
        "/account",
        "/admin/users",
        "/admin/reminders",
    ] {
        let res = navigate(&app, path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert!(header(&res, "content-security-policy").contains("frame-ancestors 'none'"));
        assert_eq!(res.text().await.expect("body"), page, "{path}");
    }
}

/// The API keeps its own answers: a browser asking for an unknown API path, a feed or a JSON
/// client asking for a page path gets the problem+json 404, never the page.
async fn api_paths_never_get_the_page(app: TestApp) {
    for path in ["/api/v1/nope", "/calendar/nope.ics", "/assets/nope.js"] {
        let res = navigate(&app, path).await;
        assert_eq!(res.status(), 404, "{path}");
        assert!(header(&res, "content-type").starts_with("application/problem+json"));
    }
    let json = app
        .client
        .get(app.url("/cases/x"))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .expect("request");
    assert_eq!(json.status(), 404);
    assert!(header(&json, "content-type").starts_with("application/problem+json"));
    let post = app
        .client
        .post(app.url("/account"))
        .header(ACCEPT, HTML)
        .send()
        .await
        .expect("request");
    assert_eq!(post.status(), 404, "only GET and HEAD get the page");
    // Every API response says nosniff too.
    let health = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(header(&health, "x-content-type-options"), "nosniff");
}

/// Everything the page refers to is served with its type, and revalidated by ETag.
async fn the_pages_assets_are_served(app: TestApp) {
    for path in asylum_tracker::web::referenced_assets() {
        let res = app.client.get(app.url(&path)).send().await.expect("asset");
        assert_eq!(res.status(), 200, "{path}");
        let kind = header(&res, "content-type").to_string();
        if path.ends_with(".js") {
            assert!(kind.contains("javascript"), "{path}: {kind}");
        } else if path.ends_with(".css") {
            assert!(kind.starts_with("text/css"), "{path}: {kind}");
        }
        let etag = header(&res, "etag").to_string();
        let again = app
            .client
            .get(app.url(&path))
            .header("if-none-match", &etag)
            .send()
            .await
            .expect("asset");
        assert_eq!(again.status(), 304, "{path}");
    }
    let index = app
        .client
        .get(app.url("/assets/index.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(index.status(), 200);
    assert!(header(&index, CONTENT_TYPE.as_str()).starts_with("text/html"));
}

crate::both!(
    browser_paths_get_the_client_page,
    api_paths_never_get_the_page,
    the_pages_assets_are_served
);

/// The policy forbids inline script and style; the files must not need them (a browser would
/// refuse them silently). Checked on the files themselves.
#[test]
fn the_client_needs_no_inline_script_or_style() {
    let files = asylum_tracker::web::files();
    assert!(files.iter().any(|f| f == "index.html"), "{files:?}");
    for name in files.iter().filter(|f| f.ends_with(".html")) {
        let path = format!("{}/src/web/assets/{name}", env!("CARGO_MANIFEST_DIR"));
        let html = std::fs::read_to_string(&path).expect("read html");
        let lower = html.to_lowercase();
        for (i, _) in lower.match_indices("<script") {
            let tag = &lower[i..i + lower[i..].find('>').unwrap_or(0)];
            assert!(tag.contains(" src="), "{name}: inline script {tag}");
        }
        assert!(!lower.contains("<style"), "{name}: a <style> block");
        assert!(!lower.contains(" style="), "{name}: a style attribute");
        assert!(
            !lower.contains(" onclick=") && !lower.contains(" onload="),
            "{name}: an inline handler"
        );
    }
    for name in files.iter().filter(|f| f.ends_with(".js")) {
        let path = format!("{}/src/web/assets/{name}", env!("CARGO_MANIFEST_DIR"));
        let js = std::fs::read_to_string(&path).expect("read js");
        for banned in [
            "eval(",
            "new Function(",
            "localStorage",
            "sessionStorage",
            "document.write(",
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
        ] {
            assert!(!js.contains(banned), "{name} uses {banned}");
        }
    }
}
