//! Clients: who sees them (creator, assignment, admin), identifiers, search, paging and audit.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::both;
use crate::helpers::{
    all_at_once, anon, audit_rows, body, client_body, create_case, create_client, error_fields, id,
    ids, invalid, list_ids, problem, search_ids, sees_client, team, user_id, TestApp,
};

both!(
    client_visibility_follows_creator_and_cases,
    a_number_forms_are_normalised_or_refused,
    duplicate_a_number_is_409_without_naming_the_other_client,
    concurrent_duplicate_a_numbers_are_409_not_500,
    invalid_client_fields_name_field_and_allowed_values,
    search_finds_native_accented_and_a_number_but_never_invisible,
    search_folds_accents_and_either_name_order,
    migrate_gives_older_clients_their_search_tokens,
    pagination_returns_each_client_exactly_once,
    client_writes_and_full_reads_are_audited,
);

async fn client_visibility_follows_creator_and_cases(app: TestApp) {
    let t = team(&app).await;
    let path = |id: &str| format!("/api/v1/clients/{id}");
    // The team's client (admin-created, with a case): insiders see it, outsiders get 404.
    let tc = t.client_id().to_string();
    for token in t.insiders() {
        assert!(sees_client(&app, token, &tc, "Haidari").await);
    }
    for token in t.outsiders() {
        assert!(!sees_client(&app, token, &tc, "Haidari").await);
        assert!(!sees_client(&app, token, &tc, "201-234-567").await);
        let patch = json!({"given_name": "Changed"});
        problem(app.patch(&path(&tc), token, &patch).await, 404).await;
    }
    let unchanged = body(app.get(&path(&tc), &t.admin).await, 200).await;
    assert_eq!(unchanged["given_name"], "Amina", "refused PATCH");
    // A 404 for an invisible client is the 404 of an absent one.
    let absent = problem(app.get(&path("no-such-id"), &t.other_lawyer).await, 404).await;
    let hidden = problem(app.get(&path(&tc), &t.other_lawyer).await, 404).await;
    assert_eq!(absent, hidden);

    // A caseworker's own client, while it has no case: the creator and admins see it.
    let own = create_client(&app, &t.other_caseworker, &client_body("Farid", "Noori")).await;
    let own_id = id(&own);
    assert_eq!(own["created_by"], t.other_caseworker_id);
    assert!(sees_client(&app, &t.other_caseworker, &own_id, "noori").await);
    assert!(sees_client(&app, &t.admin, &own_id, "noori").await);
    let patch = json!({"phone": "+1 (915) 555-0100"});
    let res = app.patch(&path(&own_id), &t.other_caseworker, &patch).await;
    body(res, 200).await;
    for token in [&t.lawyer, &t.caseworker, &t.other_lawyer] {
        assert!(!sees_client(&app, token, &own_id, "noori").await);
    }
    // Once an admin opens a case for it without the creator, the creator loses it at once.
    let lawyers = json!({"lawyer_ids": [t.lawyer_id]});
    let case = create_case(&app, &t.admin, &own_id, lawyers).await;
    assert!(!sees_client(&app, &t.other_caseworker, &own_id, "noori").await);
    assert!(sees_client(&app, &t.lawyer, &own_id, "noori").await);
    // Assignment to the case grants it back at once; unassignment removes it at once.
    let (case_id, other) = (id(&case), &t.other_caseworker_id);
    let assignment = format!("/api/v1/cases/{case_id}/assignments/{other}");
    let role = json!({"role": "caseworker"});
    body(app.put(&assignment, &t.admin, &role).await, 200).await;
    assert!(sees_client(&app, &t.other_caseworker, &own_id, "noori").await);
    body(app.delete(&assignment, &t.lawyer).await, 204).await;
    assert!(!sees_client(&app, &t.other_caseworker, &own_id, "noori").await);

    // A case opened by the creator keeps the client visible to them (they are assigned).
    let mine = create_client(&app, &t.caseworker, &client_body("Lina", "Sadat")).await;
    create_case(&app, &t.caseworker, &id(&mine), json!({})).await;
    assert!(sees_client(&app, &t.caseworker, &id(&mine), "sadat").await);
    assert!(!sees_client(&app, &t.other_caseworker, &id(&mine), "sadat").await);
    assert!(sees_client(&app, &t.admin, &id(&mine), "sadat").await);
    // No token: 401 everywhere.
    for (method, p) in [
        ("GET", "/api/v1/clients".to_string()),
        ("POST", "/api/v1/clients".to_string()),
        ("POST", "/api/v1/clients/search".to_string()),
        ("GET", path(&tc)),
        ("PATCH", path(&tc)),
    ] {
        problem(anon(&app, method, &p).await, 401).await;
    }
}

async fn a_number_forms_are_normalised_or_refused(app: TestApp) {
    let admin = app.admin_token().await;
    // Each accepted form on a new client; the number is cleared after each, so that the same
    // number in another form is no duplicate.
    for (input, stored) in [
        ("A123456789", "A123456789"),
        ("123-456-789", "A123456789"),
        ("12345678", "A012345678"),
        ("a 987.654.321", "A987654321"),
        ("A1234567", "A001234567"),
    ] {
        let mut c = client_body("Ana", "Number");
        c["a_number"] = json!(input);
        let created = create_client(&app, &admin, &c).await;
        assert_eq!(created["a_number"], stored, "{input}");
        let path = format!("/api/v1/clients/{}", id(&created));
        assert_eq!(
            body(app.get(&path, &admin).await, 200).await["a_number"],
            stored
        );
        let clear = json!({"a_number": null});
        let cleared = body(app.patch(&path, &admin, &clear).await, 200).await;
        assert!(cleared["a_number"].is_null());
    }
    for bad in "000000000 A000-000-00 1234567890 A12345678901 A12B45678 ABC 123456".split(' ') {
        let mut c = client_body("Ana", "Refused");
        c["a_number"] = json!(bad);
        let p = problem(app.post("/api/v1/clients", &admin, &c).await, 422).await;
        assert_eq!(error_fields(&p), vec!["a_number"], "{bad}");
        assert!(
            !p.to_string().contains(bad),
            "refused A-number echoed: {bad}"
        );
    }
    // A PATCH sets a number in any form and refuses a bad one.
    let c = create_client(&app, &admin, &client_body("Ana", "Clear")).await;
    let path = format!("/api/v1/clients/{}", id(&c));
    let set = json!({"a_number": "076-543-210"});
    let set = body(app.patch(&path, &admin, &set).await, 200).await;
    assert_eq!(set["a_number"], "A076543210");
    let bad = json!({"a_number": "0"});
    assert_eq!(
        invalid(app.patch(&path, &admin, &bad).await).await,
        ["a_number"]
    );
    let kept = body(app.get(&path, &admin).await, 200).await;
    assert_eq!(
        kept["a_number"], "A076543210",
        "a refused PATCH changed nothing"
    );
}

async fn duplicate_a_number_is_409_without_naming_the_other_client(app: TestApp) {
    let admin = app.admin_token().await;
    let mut first = client_body("Mariam", "Qaderi");
    first["a_number"] = json!("A123456789");
    first["native_name"] = json!("مریم قادری");
    let first = create_client(&app, &admin, &first).await;
    let mut second = client_body("Yusuf", "Rahimi");
    second["a_number"] = json!("123-456-789");
    let p = problem(app.post("/api/v1/clients", &admin, &second).await, 409).await;
    assert_eq!(error_fields(&p), vec!["a_number"]);
    let text = p.to_string();
    for secret in ["Mariam", "Qaderi", "مریم", &id(&first)] {
        assert!(!text.contains(secret), "409 reveals {secret}: {text}");
    }
    // Nothing was created; the same number by PATCH is a 409 too.
    assert_eq!(list_ids(&app, "/api/v1/clients", &admin).await.len(), 1);
    second["a_number"] = json!("A987654321");
    let other = create_client(&app, &admin, &second).await;
    let path = format!("/api/v1/clients/{}", id(&other));
    let dup = json!({"a_number": "12345-6789"});
    let p = problem(app.patch(&path, &admin, &dup).await, 409).await;
    assert!(!p.to_string().contains("Qaderi"));
    // Saving a client's own number again is no conflict.
    let same = json!({"a_number": "987-654-321"});
    let saved = body(app.patch(&path, &admin, &same).await, 200).await;
    assert_eq!(saved["a_number"], "A987654321");
}

async fn concurrent_duplicate_a_numbers_are_409_not_500(app: TestApp) {
    let admin = app.admin_token().await;
    // Requests that race past the duplicate check: the losers still get a 409, never a 500.
    for round in 0..3 {
        let mut c = client_body("Race", &format!("Round{round}"));
        c["a_number"] = json!(format!("A55500000{round}"));
        let statuses = all_at_once(8, || app.post("/api/v1/clients", &admin, &c)).await;
        assert_eq!(
            statuses,
            [201, 409, 409, 409, 409, 409, 409, 409],
            "round {round}"
        );
    }
    assert_eq!(list_ids(&app, "/api/v1/clients", &admin).await.len(), 3);
}

async fn invalid_client_fields_name_field_and_allowed_values(app: TestApp) {
    let token = app.token_for("cw@test.org", "caseworker").await;
    let mut c = client_body("Ana", "Ruiz");
    c["manner_of_entry"] = json!("swam");
    let p = problem(app.post("/api/v1/clients", &token, &c).await, 422).await;
    assert_eq!(error_fields(&p), vec!["manner_of_entry"]);
    let message = p["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("without_inspection, parole, visa, other"),
        "{p}"
    );
    // Every mistake at once, each field named once.
    let bad = json!({"given_name": " ", "family_name": "Ruiz", "last_arrival_on": "2099-01-01",
                     "nationality": "ZZ", "languages": ["es", "spanish"], "email": "nope"});
    let mut fields = invalid(app.post("/api/v1/clients", &token, &bad).await).await;
    fields.sort();
    let expected = [
        "email",
        "given_name",
        "languages[1]",
        "last_arrival_on",
        "nationality",
    ];
    assert_eq!(fields, expected);
    let partial = json!({"family_name": "X"});
    let fields = invalid(app.post("/api/v1/clients", &token, &partial).await).await;
    assert_eq!(fields, ["given_name", "last_arrival_on"]);
    let bad_date = json!({"given_name": "X", "family_name": "Y", "last_arrival_on": "2025-02-30"});
    let fields = invalid(app.post("/api/v1/clients", &token, &bad_date).await).await;
    assert_eq!(fields, ["last_arrival_on"]);
    let unknown = json!({"given_name": "X", "family_name": "Y", "last_arrival_on": "2025-02-03",
                         "a_numbr": "A123456789"});
    let fields = invalid(app.post("/api/v1/clients", &token, &unknown).await).await;
    assert_eq!(fields, ["a_numbr"]);
    assert!(
        list_ids(&app, "/api/v1/clients", &token).await.is_empty(),
        "nothing created"
    );
    // Valid values are normalised: country upper-cased, language tags canonical.
    let mut ok = client_body("Ana", "Ruiz");
    ok["nationality"] = json!("hn");
    ok["languages"] = json!(["es", "en-us"]);
    ok["manner_of_entry"] = json!("without_inspection");
    let created = create_client(&app, &token, &ok).await;
    assert_eq!(created["nationality"], "HN");
    assert_eq!(created["languages"], json!(["es", "en-US"]));
}

async fn search_finds_native_accented_and_a_number_but_never_invisible(app: TestApp) {
    let admin = app.admin_token().await;
    let lawyer = app.token_for("law@test.org", "lawyer").await;
    let mut wang = client_body("Xiuying", "Wang");
    wang["native_name"] = json!("王秀英");
    wang["a_number"] = json!("A055512345");
    let w = id(&create_client(&app, &lawyer, &wang).await);
    let mut jose = client_body("José", "Núñez");
    jose["a_number"] = json!("A066612345");
    let j = id(&create_client(&app, &lawyer, &jose).await);
    // An admin's client with look-alike names, invisible to the lawyer.
    let mut hidden = client_body("Josefina", "Wang");
    hidden["native_name"] = json!("王秀兰");
    hidden["a_number"] = json!("A077712345");
    let h = id(&create_client(&app, &admin, &hidden).await);
    for (q, want) in [
        ("秀英", &w),
        ("王秀", &w),
        ("josé", &j),
        ("JOSÉ", &j),
        ("núñez", &j),
        ("wang", &w),
        ("055-512-345", &w),
        ("55512345", &w),
    ] {
        assert_eq!(
            search_ids(&app, &lawyer, q).await,
            vec![want.clone()],
            "{q}"
        );
    }
    // Never the invisible client: not by name, native name nor its exact A-number.
    for q in ["josefina", "王秀兰", "077-712-345", "A077712345"] {
        assert!(search_ids(&app, &lawyer, q).await.is_empty(), "{q}");
    }
    // The admin finds all.
    let found: HashSet<String> = search_ids(&app, &admin, "wang").await.into_iter().collect();
    assert_eq!(found, HashSet::from([w.clone(), h.clone()]));
    assert_eq!(search_ids(&app, &admin, "077-712-345").await, vec![h]);
    // A typed % or _ is not a wildcard.
    assert!(search_ids(&app, &admin, "%").await.is_empty());
    assert!(search_ids(&app, &admin, "_").await.is_empty());
    // Summaries never carry the A-number or other identifying details.
    let list = body(app.get("/api/v1/clients", &lawyer).await, 200).await;
    let q = json!({"q": "055-512-345"});
    let search = body(app.post("/api/v1/clients/search", &lawyer, &q).await, 200).await;
    for page in [&list, &search] {
        assert!(!ids(page).is_empty());
        for item in page["items"].as_array().unwrap() {
            for field in ["a_number", "date_of_birth", "phone", "email", "address"] {
                assert!(item.get(field).is_none(), "{field} in a summary: {item}");
            }
        }
        assert!(!page.to_string().contains("055512345"));
    }
    let blank = json!({"q": "  "});
    let fields = invalid(app.post("/api/v1/clients/search", &lawyer, &blank).await).await;
    assert_eq!(fields, ["q"]);
}

/// Walks a client list to its end, `limit` per page, creating `mid_walk` after the first page.
async fn walk(app: &TestApp, token: &str, limit: u32, mut mid_walk: Option<Value>) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/clients?limit={limit}&cursor={c}"),
            None => format!("/api/v1/clients?limit={limit}"),
        };
        let page = body(app.get(&path, token).await, 200).await;
        let items = ids(&page);
        assert!(items.len() <= limit as usize);
        seen.extend(items);
        if let Some(new) = mid_walk.take() {
            create_client(app, token, &new).await;
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return seen,
        }
    }
}

async fn pagination_returns_each_client_exactly_once(app: TestApp) {
    let admin = app.admin_token().await;
    let mut created = HashSet::new();
    for i in 0..210 {
        let c = client_body("Page", &format!("Client{i:03}"));
        created.insert(id(&create_client(&app, &admin, &c).await));
    }
    for limit in [200, 37] {
        let seen = walk(&app, &admin, limit, None).await;
        let unique: HashSet<String> = seen.iter().cloned().collect();
        assert_eq!(seen.len(), 210, "limit {limit}");
        assert_eq!(unique, created, "limit {limit}");
    }
    // A client created mid-walk comes once, after the older ones, and nothing repeats.
    let seen = walk(&app, &admin, 200, Some(client_body("Late", "Arrival"))).await;
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicates");
    assert_eq!(seen.len(), 211);
    assert!(created.iter().all(|id| unique.contains(id)));
    // Search pages the same way.
    let q = json!({"q": "client", "limit": 200});
    let first = body(app.post("/api/v1/clients/search", &admin, &q).await, 200).await;
    assert_eq!(ids(&first).len(), 200);
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let q = json!({"q": "client", "limit": 200, "cursor": cursor});
    let second = body(app.post("/api/v1/clients/search", &admin, &q).await, 200).await;
    assert_eq!(ids(&second).len(), 10);
    assert!(second["next_cursor"].is_null());
    let both: HashSet<String> = ids(&first).into_iter().chain(ids(&second)).collect();
    assert_eq!(both, created);
    // Limits outside 1..=200 and foreign cursors are 422.
    for (q, field) in [
        ("limit=201", "limit"),
        ("limit=0", "limit"),
        ("cursor=xyz", "cursor"),
    ] {
        let res = app.get(&format!("/api/v1/clients?{q}"), &admin).await;
        assert_eq!(invalid(res).await, [field]);
    }
}

async fn client_writes_and_full_reads_are_audited(app: TestApp) {
    let admin = app.admin_token().await;
    let cw = app.token_for("cw@test.org", "caseworker").await;
    let cw_id = user_id(&app, &cw).await;
    let mut c = client_body("Rosa", "Lopez");
    c["a_number"] = json!("A044412345");
    let client = id(&create_client(&app, &cw, &c).await);
    let path = format!("/api/v1/clients/{client}");
    let rename = json!({"family_name": "López"});
    body(app.patch(&path, &cw, &rename).await, 200).await;
    body(app.get(&path, &cw).await, 200).await;
    // Lists and searches are not full reads; a refused read writes nothing.
    list_ids(&app, "/api/v1/clients", &cw).await;
    search_ids(&app, &cw, "rosa").await;
    let other = app.token_for("other@test.org", "caseworker").await;
    problem(app.get(&path, &other).await, 404).await;

    let rows = audit_rows(&app, "client", &client).await;
    let actions: Vec<&str> = rows
        .iter()
        .rev()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "update", "read"]);
    for r in &rows {
        assert_eq!(r["actor_id"], cw_id);
        assert_eq!(r["entity_type"], "client");
        assert_eq!(r["entity_id"], client);
    }
    let update = &rows[1];
    assert_eq!(update["changes"]["family_name"]["from"], "Lopez");
    assert_eq!(update["changes"]["family_name"]["to"], "López");
    assert!(
        update["changes"].get("given_name").is_none(),
        "only what changed"
    );
    assert_eq!(rows[2]["changes"]["a_number"]["to"], "A044412345");
    // An admin's read is audited too, with the admin as actor.
    body(app.get(&path, &admin).await, 200).await;
    let rows = audit_rows(&app, "client", &client).await;
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["action"], "read");
    assert_eq!(rows[0]["actor_id"], user_id(&app, &admin).await);
}

/// Search folds accents and case and matches the words of a query against any of the names, in
/// either order; a native name by its characters; an A-number in any form; never an invisible
/// client.
async fn search_folds_accents_and_either_name_order(app: TestApp) {
    let admin = app.admin_token().await;
    let lawyer = app.token_for("law@test.org", "lawyer").await;
    let mut garcia = client_body("María José", "García Núñez");
    garcia["a_number"] = json!("A012345678");
    let g = id(&create_client(&app, &lawyer, &garcia).await);
    let mut zhang = client_body("Wei", "Zhang");
    zhang["native_name"] = json!("张伟");
    let z = id(&create_client(&app, &lawyer, &zhang).await);
    let mut wang = client_body("Xiuying", "Wang");
    wang["native_name"] = json!("王秀英");
    let w = id(&create_client(&app, &lawyer, &wang).await);
    // Look-alikes the lawyer may not see.
    let mut hidden = client_body("Maria", "Garcia");
    hidden["a_number"] = json!("A098765432");
    create_client(&app, &admin, &hidden).await;
    create_client(&app, &admin, &client_body("Zhang", "Wei")).await;
    for (q, want) in [
        ("garcia", &g),
        ("GARCÍA", &g),
        ("Garcia", &g),
        ("maria", &g),
        ("MARÍA JOSÉ", &g),
        ("nunez garcia", &g),
        ("José García", &g),
        ("García, María", &g),
        ("Zhang Wei", &z),
        ("Wei Zhang", &z),
        ("zhang", &z),
        ("张伟", &z),
        ("秀英", &w),
        ("王秀英", &w),
        ("xiuying wang", &w),
        ("A012345678", &g),
        ("A-012-345-678", &g),
        ("012 345 678", &g),
        ("a 012345678", &g),
    ] {
        assert_eq!(
            search_ids(&app, &lawyer, q).await,
            vec![want.clone()],
            "{q}"
        );
    }
    // Every word must match: a wrong given name finds nobody.
    assert!(search_ids(&app, &lawyer, "pedro garcia").await.is_empty());
    // The admin sees both orders of the look-alikes too.
    assert_eq!(search_ids(&app, &admin, "wei zhang").await.len(), 2);
    assert_eq!(search_ids(&app, &admin, "garcía maría").await.len(), 2);
    assert!(search_ids(&app, &lawyer, "A-098-765-432").await.is_empty());
    // A renamed client is found by its new name only.
    body(
        app.patch(
            &format!("/api/v1/clients/{z}"),
            &lawyer,
            &json!({"family_name": "Zhāng-Lǐ"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        search_ids(&app, &lawyer, "zhang li wei").await,
        vec![z.clone()]
    );
    assert_eq!(search_ids(&app, &lawyer, "li").await, vec![z.clone()]);
}

/// Clients written before the search tokens existed get them from `migrate` (the tokens are
/// folded in Rust, which a SQL migration cannot do on SQLite).
async fn migrate_gives_older_clients_their_search_tokens(app: TestApp) {
    let lawyer = app.token_for("law@test.org", "lawyer").await;
    let g = id(&create_client(&app, &lawyer, &client_body("Íñigo", "Gómez")).await);
    // As before the migration: no tokens, the old lower-cased key.
    app.sql("DELETE FROM client_name_tokens".to_string()).await;
    app.sql("UPDATE clients SET search_key = 'íñigo gómez'".to_string())
        .await;
    assert!(search_ids(&app, &lawyer, "gomez inigo").await.is_empty());
    asylum_tracker::db::run_db(&app.pool, asylum_tracker::db::migrate)
        .await
        .expect("migrate");
    assert_eq!(
        search_ids(&app, &lawyer, "gomez inigo").await,
        vec![g.clone()]
    );
    // Running it again changes nothing.
    asylum_tracker::db::run_db(&app.pool, asylum_tracker::db::migrate)
        .await
        .expect("migrate again");
    assert_eq!(search_ids(&app, &lawyer, "Íñigo").await, vec![g]);
}
