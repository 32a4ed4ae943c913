//! The words of reminder e-mails (pure). E-mail is not a safe channel: a message names the case
//! by its reference and at most the family-name initial; never a full name, an A-number, a date
//! of birth, an address or a phone number.

use chrono::NaiveDate;
use html_escape::encode_text;

/// What a deadline reminder or missed alert says.
#[derive(Debug, Clone)]
pub struct DeadlineNote {
    pub kind: String,
    pub title: Option<String>,
    pub due_on: NaiveDate,
    pub rule: String,
    pub explanation: String,
    pub alternative_due_on: Option<NaiveDate>,
    pub case_reference: String,
    pub family_initial: Option<char>,
    pub link: String,
}

/// What a hearing reminder says.
#[derive(Debug, Clone)]
pub struct HearingNote {
    pub kind: String,
    pub starts_at_local: String,
    pub time_zone: String,
    /// The court's name, or the office's name, city and state.
    pub place: Option<String>,
    pub case_reference: String,
    pub family_initial: Option<char>,
    pub link: String,
}

/// One e-mail: subject, plain text, HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub fn kind_label(kind: &str) -> String {
    match kind {
        "one_year_filing" => "One-year asylum filing".into(),
        "ead_earliest_filing" => "Earliest EAD (I-765) filing".into(),
        "ead_earliest_grant" => "Earliest EAD grant".into(),
        "bia_appeal" => "BIA appeal".into(),
        "motion_to_reconsider" => "Motion to reconsider".into(),
        "motion_to_reopen" => "Motion to reopen".into(),
        "petition_for_review" => "Petition for review".into(),
        "voluntary_departure" => "Voluntary departure".into(),
        "ead_renewal_window" => "EAD renewal window opens".into(),
        "pre_hearing_filing" => "Pre-hearing filings".into(),
        // Names no one: e-mails and calendar feeds carry the kind, never who the child is.
        "derivative_age_out" => "I-589 before a derivative child turns 21".into(),
        "bond_appeal" => "BIA appeal of a bond decision".into(),
        "zadvydas_review" => "Post-order custody review (six months)".into(),
        "master_calendar" => "Master calendar hearing".into(),
        "individual" => "Individual (merits) hearing".into(),
        "asylum_interview" => "Asylum interview".into(),
        "biometrics" => "Biometrics appointment".into(),
        "ice_check_in" => "ICE check-in".into(),
        "other" => "Deadline entered by hand".into(),
        other => other.replace('_', " "),
    }
}

/// "today", "tomorrow", "in 7 days", "2 days ago".
pub fn relative(day: NaiveDate, today: NaiveDate) -> String {
    match (day - today).num_days() {
        0 => "today".into(),
        1 => "tomorrow".into(),
        n if n > 1 => format!("in {n} days"),
        -1 => "yesterday".into(),
        n => format!("{} days ago", -n),
    }
}

fn who(reference: &str, initial: Option<char>) -> String {
    match initial {
        Some(c) => format!("case {reference} ({c}.)"),
        None => format!("case {reference}"),
    }
}

fn html_page(heading: &str, rows: &[(&str, String)], link: &str) -> String {
    let mut out = format!("<html><body><h2>{}</h2><table>", encode_text(heading));
    for (k, v) in rows {
        out.push_str(&format!(
            "<tr><th align=\"left\">{}</th><td>{}</td></tr>",
            encode_text(k),
            encode_text(v)
        ));
    }
    out.push_str(&format!(
        "</table><p><a href=\"{}\">Open the case</a></p></body></html>",
        html_escape::encode_double_quoted_attribute(link)
    ));
    out
}

fn label(n: &DeadlineNote) -> String {
    n.title.clone().unwrap_or_else(|| kind_label(&n.kind))
}

pub fn deadline_reminder(n: &DeadlineNote, today: NaiveDate) -> Composed {
    let what = label(n);
    let when = format!("{} {}", n.due_on.format("%a"), n.due_on);
    let subject = format!(
        "{what} due {when} ({}) - case {}",
        relative(n.due_on, today),
        n.case_reference
    );
    let mut rows = vec![
        ("Deadline", what.clone()),
        ("Due", when.clone()),
        ("Case", who(&n.case_reference, n.family_initial)),
        ("Rule", n.rule.clone()),
        ("How the date was reached", n.explanation.clone()),
    ];
    if let Some(alt) = n.alternative_due_on {
        rows.push((
            "Possible later date",
            format!("{alt} (a closure day may extend it; unsettled, do not rely on it)"),
        ));
    }
    let text = text_body(&rows, &n.link);
    let html = html_page(&format!("{what} due {when}"), &rows, &n.link);
    Composed {
        subject,
        text,
        html,
    }
}

pub fn missed_alert(n: &DeadlineNote, today: NaiveDate) -> Composed {
    let what = label(n);
    let when = format!("{} {}", n.due_on.format("%a"), n.due_on);
    let subject = format!(
        "MISSED: {what} was due {when} ({}) - case {}",
        relative(n.due_on, today),
        n.case_reference
    );
    let rows = vec![
        ("Missed deadline", what.clone()),
        ("Was due", when.clone()),
        ("Case", who(&n.case_reference, n.family_initial)),
        ("Rule", n.rule.clone()),
        ("How the date was reached", n.explanation.clone()),
        (
            "What to do",
            "Check the case now; if it was met or waived, record that.".to_string(),
        ),
    ];
    Composed {
        subject,
        text: text_body(&rows, &n.link),
        html: html_page(&format!("Missed: {what}"), &rows, &n.link),
    }
}

pub fn hearing_reminder(n: &HearingNote, today: NaiveDate) -> Composed {
    let what = kind_label(&n.kind);
    let day: Option<NaiveDate> = n.starts_at_local.get(..10).and_then(|d| d.parse().ok());
    let when = format!("{} {}", n.starts_at_local.replace('T', " "), n.time_zone);
    let rel = day.map(|d| relative(d, today)).unwrap_or_default();
    let subject = format!(
        "{what} {} ({rel}) - case {}",
        n.starts_at_local.replace('T', " "),
        n.case_reference
    );
    let mut rows = vec![
        ("Appointment", what.clone()),
        ("When (local time)", when),
        ("Case", who(&n.case_reference, n.family_initial)),
    ];
    if let Some(c) = &n.place {
        rows.push(("Where", c.clone()));
    }
    Composed {
        subject,
        text: text_body(&rows, &n.link),
        html: html_page(&what, &rows, &n.link),
    }
}

/// What a task reminder says. Not the title: it is free text a user may have filled with a
/// name, so the mail carries what a deadline reminder does (the case, the date, a link).
#[derive(Debug, Clone)]
pub struct TaskNote {
    pub due_on: NaiveDate,
    pub case_reference: String,
    pub family_initial: Option<char>,
    pub link: String,
}

pub fn task_reminder(n: &TaskNote, today: NaiveDate) -> Composed {
    let when = format!("{} {}", n.due_on.format("%a"), n.due_on);
    let subject = format!(
        "Task due {when} ({}) - case {}",
        relative(n.due_on, today),
        n.case_reference
    );
    let rows = vec![
        ("Task", "A task assigned to you (see the case)".to_string()),
        ("Due", when.clone()),
        ("Case", who(&n.case_reference, n.family_initial)),
    ];
    Composed {
        subject,
        text: text_body(&rows, &n.link),
        html: html_page(&format!("Task due {when}"), &rows, &n.link),
    }
}

/// One morning e-mail with all of a user's reminders of the day.
pub fn digest(parts: &[Composed], today: NaiveDate) -> Composed {
    let subject = format!(
        "{} reminder{} for {} {}",
        parts.len(),
        if parts.len() == 1 { "" } else { "s" },
        today.format("%a"),
        today
    );
    let text = parts
        .iter()
        .map(|p| format!("* {}\n\n{}", p.subject, p.text))
        .collect::<Vec<_>>()
        .join("\n----\n\n");
    let html = format!(
        "<html><body><h2>{}</h2>{}</body></html>",
        encode_text(&subject),
        parts
            .iter()
            .map(|p| {
                let inner = p
                    .html
                    .trim_start_matches("<html><body>")
                    .trim_end_matches("</body></html>");
                format!("<hr/>{inner}")
            })
            .collect::<String>()
    );
    Composed {
        subject,
        text,
        html,
    }
}

/// To admins: reminders that could not be delivered after every try.
pub fn failure_notice(lines: &[String]) -> Composed {
    let subject = format!(
        "{} reminder{} could not be delivered",
        lines.len(),
        if lines.len() == 1 { "" } else { "s" }
    );
    let text = format!(
        "These reminders failed after every try and were not delivered. Tell the people concerned \
         another way, then retry them from the reminders view (POST /api/v1/reminders/{{id}}/retry).\n\n{}\n",
        lines.iter().map(|l| format!("- {l}")).collect::<Vec<_>>().join("\n")
    );
    let html = format!(
        "<html><body><h2>{}</h2><ul>{}</ul></body></html>",
        encode_text(&subject),
        lines
            .iter()
            .map(|l| format!("<li>{}</li>", encode_text(l)))
            .collect::<String>()
    );
    Composed {
        subject,
        text,
        html,
    }
}

/// To a user whose second factor an administrator removed (a lost phone, or not them).
pub fn mfa_reset() -> Composed {
    Composed {
        subject: "Your asylum-tracker sign-in changed".to_string(),
        text: "An administrator removed the authenticator app from your asylum-tracker account, \
               and every session of the account was ended. Sign in with your password and add \
               an authenticator again.\n\n\
               If you did not ask for this, tell your administrator at once.\n"
            .to_string(),
        html: String::new(),
    }
}

/// A password-reset link (plain text only: `html` is empty, so that the link appears once).
pub fn password_reset(link: &str) -> Composed {
    Composed {
        subject: "Reset your asylum-tracker password".to_string(),
        text: format!(
            "Someone asked to reset the password of your asylum-tracker account.\n\n\
             To choose a new password, open this link within one hour:\n{link}\n\n\
             Only the newest link works: a new request replaces this one.\n\n\
             If you did not ask for this, ignore this e-mail; your password stays as it is.\n"
        ),
        html: String::new(),
    }
}

fn text_body(rows: &[(&str, String)], link: &str) -> String {
    let mut out = String::new();
    for (k, v) in rows {
        out.push_str(&format!("{k}: {v}\n"));
    }
    out.push_str(&format!("\nOpen the case: {link}\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note() -> DeadlineNote {
        DeadlineNote {
            kind: "bia_appeal".into(),
            title: None,
            due_on: "2026-12-28".parse().unwrap(),
            rule: "8 CFR 1003.38(b)".into(),
            explanation: "30 days after ...".into(),
            alternative_due_on: None,
            case_reference: "C-2026-0042".into(),
            family_initial: Some('P'),
            link: "https://x.test/cases/1".into(),
        }
    }

    #[test]
    fn subject_follows_the_contract_example() {
        let m = deadline_reminder(&note(), "2026-12-21".parse().unwrap());
        assert_eq!(
            m.subject,
            "BIA appeal due Mon 2026-12-28 (in 7 days) - case C-2026-0042"
        );
        assert!(m.text.contains("8 CFR 1003.38(b)"));
        assert!(m.text.contains("https://x.test/cases/1"));
        assert!(m.text.contains("(P.)"));
    }

    #[test]
    fn html_is_escaped() {
        let mut n = note();
        n.explanation = "<script>".into();
        assert!(deadline_reminder(&n, "2026-12-21".parse().unwrap())
            .html
            .contains("&lt;script&gt;"));
    }
}
