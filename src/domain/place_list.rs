//! What the place lists have in common (the court CSV, the office CSV): a fixed header, one row per
//! place keyed by a unique slug, an IANA time zone, and errors that name the CSV line, because an
//! administrator edits these files by hand.
//!
//! Pure: the caller reads the file.

use std::collections::HashSet;

use chrono_tz::Tz;
use serde::Serializer;

/// The rows of a place list, after the checks every list shares: the exact header, each row's
/// field count, no empty field, the slug (first column) well formed and unique. `what` names the
/// list in messages ("court list"). `row` turns a checked row into the caller's type.
pub fn parse_rows<T>(
    csv_text: &str,
    header: &[&str],
    what: &str,
    row: impl Fn(&Fields) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        // Field counts are checked here, to give a message that names the line and the header.
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());

    let found = reader
        .headers()
        .map_err(|e| format!("the {what} cannot be read: {e}"))?;
    if found.iter().ne(header.iter().copied()) {
        return Err(format!(
            "line 1: the header must be exactly `{}`",
            header.join(",")
        ));
    }

    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("the {what} cannot be read: {e}"))?;
        let line = record.position().map_or(0, |p| p.line());
        let fields = check_row(&record, header).map_err(|p| format!("line {line}: {p}"))?;
        let slug = fields.get(0).to_string();
        let parsed = row(&fields).map_err(|p| format!("line {line}: {p}"))?;
        if !seen.insert(slug.clone()) {
            return Err(format!("line {line}: duplicate slug \"{slug}\""));
        }
        out.push(parsed);
    }
    Ok(out)
}

/// A row whose field count, non-empty fields and slug were checked.
pub struct Fields<'a> {
    record: &'a csv::StringRecord,
}

impl Fields<'_> {
    /// The field at `i` (trimmed; present, since the count was checked).
    pub fn get(&self, i: usize) -> &str {
        self.record.get(i).unwrap_or_default()
    }

    /// The field at `i` as an IANA time zone.
    pub fn time_zone(&self, i: usize) -> Result<Tz, String> {
        self.get(i).parse().map_err(|_| {
            format!(
                "unknown time zone \"{}\" (use an IANA name such as America/Chicago)",
                self.get(i)
            )
        })
    }
}

fn check_row<'a>(record: &'a csv::StringRecord, header: &[&str]) -> Result<Fields<'a>, String> {
    if record.len() != header.len() {
        return Err(format!(
            "expected {} fields ({}), found {}",
            header.len(),
            header.join(","),
            record.len()
        ));
    }
    let fields = Fields { record };
    for (i, name) in header.iter().enumerate() {
        if fields.get(i).is_empty() {
            return Err(format!("`{name}` is empty"));
        }
    }
    let slug = fields.get(0);
    if !is_valid_slug(slug) {
        return Err(format!(
            "slug \"{slug}\" must be lowercase letters, digits and single dashes, \
             not starting or ending with a dash"
        ));
    }
    Ok(fields)
}

/// A slug is part of the API contract and of URLs' query strings, so it stays plain:
/// `[a-z0-9]+(-[a-z0-9]+)*`.
fn is_valid_slug(slug: &str) -> bool {
    slug.split('-').all(|part| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// Serialises a zone as its IANA name (`America/Denver`).
pub fn serialize_tz<S: Serializer>(tz: &Tz, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(tz.name())
}
