//! The OpenAPI document lists every route the app serves, with the bearer scheme.

use std::collections::BTreeSet;

use crate::both;
use crate::helpers::TestApp;

both!(openapi_lists_every_route);

/// Every `#[get("/..")]`-style route attribute in src/routes, as (METHOD, full path).
fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/routes");
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            let line = line.trim();
            for method in ["get", "post", "put", "patch", "delete"] {
                let prefix = format!("#[{method}(\"");
                if let Some(rest) = line.strip_prefix(&prefix) {
                    let path = rest.split('"').next().unwrap();
                    // Operations routes sit at the root; everything else under /api/v1.
                    let full = if ["/health", "/ready"].contains(&path)
                        || path.starts_with("/calendar/")
                    {
                        path.to_string()
                    } else {
                        format!("/api/v1{path}")
                    };
                    found.insert((method.to_uppercase(), full));
                }
            }
        }
    }
    found
}

async fn openapi_lists_every_route(app: TestApp) {
    let doc: serde_json::Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let served = routes_in_source();
    assert!(served.len() >= 16, "found {} routes", served.len());
    let missing: Vec<_> = served.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the OpenAPI document: {missing:?}"
    );
    // And nothing is documented that is not served.
    for (method, path) in &documented {
        let concrete = path
            .replace("{id}", "00000000-0000-0000-0000-000000000000")
            .replace("{user_id}", "x")
            .replace("{token}", "x");
        let res = app
            .client
            .request(method.parse().unwrap(), app.url(&concrete))
            .send()
            .await
            .unwrap();
        let body: serde_json::Value = res.json().await.unwrap_or_default();
        assert_ne!(
            body["type"], "urn:asylum-tracker:problem:no-route",
            "{method} {path} is documented but routes nowhere"
        );
    }
}
