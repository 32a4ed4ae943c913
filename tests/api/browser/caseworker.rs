//! A caseworker's day: a client with a native name, a defensive case at El Paso, the I-589 and the
//! EAD dates it starts, a hearing on the agenda in the court's own time zone.

use chrono::{Days, Local};

use super::Browser;
use crate::browser_both;
use crate::helpers::{TestApp, USER_PASSWORD};

browser_both!(caseworker_client_case_filing_hearing);

async fn caseworker_client_case_filing_hearing(app: &TestApp, b: &Browser) {
    app.create_user("cw@test.org", "caseworker", USER_PASSWORD)
        .await;
    // The browser's local date is the client's "today"; this process shares its time zone.
    let today = Local::now().date_naive();

    b.sign_in_at("/", "cw@test.org", USER_PASSWORD, "Agenda")
        .await;
    b.axe("agenda").await;

    b.nav("Clients", "Clients").await;
    b.follow("main", "New client").await;
    b.heading("New client").await;
    b.fill("client-form", "given_name", "Xiaoming").await;
    b.fill("client-form", "family_name", "Wang").await;
    b.fill("client-form", "native_name", "王小明").await;
    b.fill(
        "client-form",
        "last_arrival_on",
        &(today - Days::new(200)).to_string(),
    )
    .await;
    b.click("form#client-form", "Create client").await;
    b.heading("Xiaoming Wang").await;
    // The native name is shown as typed (CJK fonts are installed for the screenshots).
    b.find_text("main", "王小明").await;
    assert!(
        b.path().await.starts_with("/clients/"),
        "on the client's page"
    );

    b.fill("case-form", "kind", "defensive").await;
    b.fill("case-form", "court_code", "el-paso").await;
    b.click("form#case-form", "Open case").await;
    let h1 = wait_case_heading(b).await;
    b.find_text("dl#case-facts", "El Paso Immigration Court")
        .await;
    b.find_text(
        "section#ead-clock",
        "The clock starts when the I-589 is filed.",
    )
    .await;

    // The I-589 starts the clock: day 150 and day 180 from the filing (no stops).
    let filed = today - Days::new(10);
    b.fill("filing-form", "form", "I-589").await;
    b.fill("filing-form", "filed_on", &filed.to_string()).await;
    b.click("form#filing-form", "Save filing").await;
    let filing = filed + Days::new(150);
    let grant = filed + Days::new(180);
    b.find_text(
        "#ead-filing",
        &format!("Earliest EAD filing: {}", filing.format("%a %Y-%m-%d")),
    )
    .await;
    b.find_text(
        "#ead-grant",
        &format!("Earliest EAD grant: {}", grant.format("%a %Y-%m-%d")),
    )
    .await;
    b.find_text("section#ead-clock", "of 150 days").await;
    b.find_text(
        "ol#timeline li.timeline-item[data-type=\"filing\"]",
        "I-589",
    )
    .await;

    // A hearing at 09:00 El Paso time: the agenda shows it in America/Denver, whatever the
    // browser's own zone.
    let day = today + Days::new(10);
    b.fill("hearing-form", "kind", "master_calendar").await;
    b.fill("hearing-form", "starts_at_local", &format!("{day}T09:00"))
        .await;
    b.click("form#hearing-form", "Save hearing").await;
    let when = format!("{} 09:00 America/Denver", day.format("%a %Y-%m-%d"));
    b.find_text("ol#timeline li.timeline-item[data-type=\"hearing\"]", &when)
        .await;
    b.heading(&h1).await;
    b.axe("case").await;
    b.at_both_widths("case").await;

    b.nav("Agenda", "Agenda").await;
    let reference = h1.trim_start_matches("Case ").to_string();
    let row = b
        .find_text("ul#agenda li.agenda-item[data-kind=\"hearing\"]", &when)
        .await;
    // Screenshots before the row's assertions, so that every run saves them.
    b.at_both_widths("agenda").await;
    let text = row.text().await.expect("row text");
    assert!(text.contains(&reference), "the row names the case: {text}");
    assert!(
        text.contains("Xiaoming Wang"),
        "the row names the client: {text}"
    );
    assert!(
        text.contains("王小明"),
        "the row has the native name: {text}"
    );

    // The master calendar hearing ten days out made a pre-hearing filing deadline 15 days before
    // it (EOIR Policy Manual, Appendix C), already past: it is on the agenda, first, marked.
    let first = b
        .js(
            "const li = document.querySelector('ul#agenda li.agenda-item');
             return li && [li.dataset.kind, li.dataset.overdue || null, li.textContent];",
            vec![],
        )
        .await;
    assert_eq!(
        first[0], "deadline",
        "an overdue deadline comes first: {first}"
    );
    assert_eq!(first[1], "true", "it is marked overdue: {first}");
    let first_text = first[2].as_str().unwrap_or_default();
    assert!(
        first_text.contains("Overdue") && first_text.contains(&reference),
        "it says so, with its case: {first_text}"
    );

    // A missed deadline can still be marked met (filed late), from the case page.
    b.follow("ul#agenda", &reference).await;
    b.heading(&h1).await;
    let li = "ul#deadlines li.deadline[data-kind=\"pre_hearing_filing\"][data-status=\"missed\"]";
    b.click(li, "Mark met").await;
    b.fill_in(
        &format!("{li} form.deadline-mark-form"),
        "note",
        "Evidence filed two days late",
    )
    .await;
    b.click(&format!("{li} form.deadline-mark-form"), "Save")
        .await;
    b.find("ul#deadlines li.deadline[data-kind=\"pre_hearing_filing\"][data-status=\"met\"]")
        .await;
}

/// Waits for the case page (`<h1>Case C-…</h1>`) and returns its heading.
async fn wait_case_heading(b: &Browser) -> String {
    b.until(
        "the case page",
        "const h = [...document.querySelectorAll('h1')].find((h) => h.getClientRects().length > 0);
         return h && /^Case \\S+$/.test(h.textContent.trim()) && location.pathname.startsWith('/cases/')
           ? h.textContent.trim() : null;",
        vec![],
    )
    .await
    .as_str()
    .expect("heading")
    .to_string()
}
