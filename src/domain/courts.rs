//! Owns the immigration court list: the `Court` type and the parsing and checking of the court CSV
//! (`config/immigration-courts.csv`), which stays data because courts open, move and close.
//!
//! Pure: the caller reads the file; every problem is reported with its line so an administrator
//! editing the CSV can fix it.

use chrono_tz::Tz;
use serde::Serialize;

use super::place_list::{parse_rows, serialize_tz, Fields};

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

/// The court with this code, if any.
pub fn court_by_code<'a>(courts: &'a [Court], code: &str) -> Option<&'a Court> {
    courts.iter().find(|court| court.code == code)
}

/// Parses the court CSV: checks the header, each row's field count, slug format and uniqueness,
/// the IANA time zone, `detained_only` (`true`/`false`) and that no required field is empty.
/// Errors are one line naming the CSV line, e.g. `line 5: unknown time zone "America/Denvr" ...`.
pub fn parse_courts(csv_text: &str) -> Result<Vec<Court>, String> {
    let courts = parse_rows(csv_text, &COURTS_CSV_HEADER, "court list", parse_row)?;
    if courts.is_empty() {
        return Err("the court list has no courts".to_string());
    }
    Ok(courts)
}

fn parse_row(row: &Fields) -> Result<Court, String> {
    let time_zone = row.time_zone(4)?;
    let detained_only = match row.get(5) {
        v if v.eq_ignore_ascii_case("true") => true,
        v if v.eq_ignore_ascii_case("false") => false,
        other => {
            return Err(format!(
                "detained_only must be true or false, not \"{other}\""
            ))
        }
    };

    Ok(Court {
        code: row.get(0).to_string(),
        name: row.get(1).to_string(),
        city: row.get(2).to_string(),
        state: row.get(3).to_string(),
        time_zone,
        detained_only,
    })
}
