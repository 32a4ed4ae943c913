//! Owns the immigration court list: the `Court` type and the parsing and checking of the court CSV
//! (`config/immigration-courts.csv`), which stays data because courts open, move and close.
//!
//! Pure: the caller reads the file; every problem is reported with its line so an administrator
//! editing the CSV can fix it.

use std::collections::HashSet;

use chrono_tz::Tz;
use serde::{Serialize, Serializer};

/// The header the court CSV must have, in this order.
pub const COURTS_CSV_HEADER: [&str; 6] = [
    "slug",
    "name",
    "city",
    "state",
    "time_zone",
    "detained_only",
];

/// An immigration court (or the BIA). `code` is the stable slug clients use (`el-paso`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Court {
    pub code: String,
    pub name: String,
    pub city: String,
    pub state: String,
    /// Hearings at this court are noticed in this zone; serialised as its IANA name.
    #[serde(serialize_with = "serialize_tz")]
    pub time_zone: Tz,
    pub detained_only: bool,
}

impl Court {
    /// The IANA name of the court's time zone (`America/Denver`).
    pub fn time_zone_name(&self) -> &'static str {
        self.time_zone.name()
    }
}

fn serialize_tz<S: Serializer>(tz: &Tz, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(tz.name())
}

/// The court with this code, if any.
pub fn court_by_code<'a>(courts: &'a [Court], code: &str) -> Option<&'a Court> {
    courts.iter().find(|court| court.code == code)
}

/// Parses the court CSV: checks the header, each row's field count, slug format and uniqueness,
/// the IANA time zone, `detained_only` (`true`/`false`) and that no required field is empty.
/// Errors are one line naming the CSV line, e.g. `line 5: unknown time zone "America/Denvr" ...`.
pub fn parse_courts(csv_text: &str) -> Result<Vec<Court>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        // Field counts are checked here, to give a message that names the line and the header.
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());

    let header = reader
        .headers()
        .map_err(|e| format!("the court list cannot be read: {e}"))?;
    if header.iter().ne(COURTS_CSV_HEADER.iter().copied()) {
        return Err(format!(
            "line 1: the header must be exactly `{}`",
            COURTS_CSV_HEADER.join(",")
        ));
    }

    let mut courts = Vec::new();
    let mut seen = HashSet::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("the court list cannot be read: {e}"))?;
        let line = record.position().map_or(0, |p| p.line());
        let court = parse_row(&record).map_err(|problem| format!("line {line}: {problem}"))?;
        if !seen.insert(court.code.clone()) {
            return Err(format!("line {line}: duplicate slug \"{}\"", court.code));
        }
        courts.push(court);
    }
    if courts.is_empty() {
        return Err("the court list has no courts".to_string());
    }
    Ok(courts)
}

fn parse_row(record: &csv::StringRecord) -> Result<Court, String> {
    if record.len() != COURTS_CSV_HEADER.len() {
        return Err(format!(
            "expected {} fields ({}), found {}",
            COURTS_CSV_HEADER.len(),
            COURTS_CSV_HEADER.join(","),
            record.len()
        ));
    }
    let field = |i: usize| record.get(i).unwrap_or_default();
    for (i, name) in COURTS_CSV_HEADER.iter().enumerate() {
        if field(i).is_empty() {
            return Err(format!("`{name}` is empty"));
        }
    }

    let code = field(0);
    if !is_valid_slug(code) {
        return Err(format!(
            "slug \"{code}\" must be lowercase letters, digits and single dashes, \
             not starting or ending with a dash"
        ));
    }
    let time_zone: Tz = field(4).parse().map_err(|_| {
        format!(
            "unknown time zone \"{}\" (use an IANA name such as America/Chicago)",
            field(4)
        )
    })?;
    let detained_only = match field(5) {
        v if v.eq_ignore_ascii_case("true") => true,
        v if v.eq_ignore_ascii_case("false") => false,
        other => {
            return Err(format!(
                "detained_only must be true or false, not \"{other}\""
            ))
        }
    };

    Ok(Court {
        code: code.to_string(),
        name: field(1).to_string(),
        city: field(2).to_string(),
        state: field(3).to_string(),
        time_zone,
        detained_only,
    })
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
