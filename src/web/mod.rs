//! The web client: the files under `src/web/assets`, embedded in release builds (read from disk
//! in debug builds, so an edit needs only a reload), served under `/assets/`, and `index.html` for
//! any other page a browser asks for (history routing: e-mail links such as `/cases/{id}` open
//! the right page after sign-in).

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::Embed;

use crate::http::body;

#[derive(Embed)]
#[folder = "src/web/assets/"]
// The type-checking configuration is for development, not for browsers.
#[exclude = "jsconfig.json"]
#[exclude = "tsconfig.json"]
struct Assets;

/// No inline script or style, no eval, nothing from elsewhere, never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
    manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Paths that belong to the API or operations: never answered with the client's page.
const NOT_PAGES: [&str; 5] = ["/api/", "/calendar/", "/assets/", "/health", "/ready"];

/// The default service: assets, the client's page, or the API's own 404/405.
pub async fn fallback(
    req: HttpRequest,
    doc: Option<web::Data<utoipa::openapi::OpenApi>>,
) -> HttpResponse {
    if req.method() == Method::GET || req.method() == Method::HEAD {
        if let Some(path) = req.path().strip_prefix("/assets/") {
            if let Some(res) = asset(&req, path) {
                return res;
            }
        } else if wants_page(&req) {
            if let Some(res) = asset(&req, "index.html") {
                return res;
            }
        }
    }
    body::not_found(req, doc).await
}

/// A browser navigation: a path outside the API that accepts HTML.
fn wants_page(req: &HttpRequest) -> bool {
    let path = req.path();
    let accepts_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    accepts_html && !NOT_PAGES.iter().any(|p| path.starts_with(p))
}

fn asset(req: &HttpRequest, path: &str) -> Option<HttpResponse> {
    let file = Assets::get(path)?;
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mime = file.metadata.mimetype();
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    // Revalidate every time: a deployment must never leave a stale client behind.
    res.insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::ETAG, etag));
    if mime.starts_with("text/html") {
        res.insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY));
    }
    if fresh {
        return Some(res.finish());
    }
    let content_type = if mime.starts_with("text/") || mime.ends_with("javascript") {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    };
    res.insert_header((
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type).ok()?,
    ));
    Some(res.body(file.data.into_owned()))
}

/// The paths `index.html` refers to (`src` and `href` under `/assets/`): a test fetches each.
pub fn referenced_assets() -> Vec<String> {
    let Some(file) = Assets::get("index.html") else {
        return Vec::new();
    };
    let html = String::from_utf8_lossy(&file.data).into_owned();
    html.split(['"', '\''])
        .filter(|s| s.starts_with("/assets/"))
        .map(str::to_string)
        .collect()
}

/// Every embedded file's path, for tests that read them all.
pub fn files() -> Vec<String> {
    Assets::iter().map(|p| p.into_owned()).collect()
}
