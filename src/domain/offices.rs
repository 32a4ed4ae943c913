//! Owns the list of government offices people are summoned to outside court: ICE Enforcement and
//! Removal Operations field offices (Order of Supervision check-ins, 8 CFR 241.5(a)), USCIS asylum
//! offices (interviews, 8 CFR 208.9) and application support centres (biometrics, 8 CFR 103.16).
//! It stays data (`config/offices.csv`) because offices open, move and close.
//!
//! Pure: the caller reads the file; every problem is reported with its line.

use chrono_tz::Tz;
use serde::Serialize;

use super::place_list::{parse_rows, serialize_tz, Fields};
pub use super::vocab::OfficeKind;

/// The header the office CSV must have, in this order.
pub const OFFICES_CSV_HEADER: [&str; 6] = ["slug", "kind", "name", "city", "state", "time_zone"];

/// An office. `code` is the stable slug clients use (`ero-new-york`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Office {
    pub code: String,
    pub kind: OfficeKind,
    pub name: String,
    pub city: String,
    pub state: String,
    /// Appointments at this office are noticed in this zone; serialised as its IANA name.
    #[serde(serialize_with = "serialize_tz")]
    #[schema(value_type = String, example = "America/New_York")]
    pub time_zone: Tz,
}

impl Office {
    /// Where, for e-mails and calendar feeds: "ERO New York Field Office, New York, NY".
    pub fn place(&self) -> String {
        format!("{}, {}, {}", self.name, self.city, self.state)
    }
}

/// The office with this code, if any.
pub fn office_by_code<'a>(offices: &'a [Office], code: &str) -> Option<&'a Office> {
    offices.iter().find(|o| o.code == code)
}

/// Parses the office CSV: the checks every place list has (header, field count, no empty field,
/// slug format and uniqueness), the kind and the IANA zone; at least one office of each kind, so
/// that no appointment kind is left without a place.
pub fn parse_offices(csv_text: &str) -> Result<Vec<Office>, String> {
    let offices = parse_rows(csv_text, &OFFICES_CSV_HEADER, "office list", parse_row)?;
    for kind in OfficeKind::ALL {
        if !offices.iter().any(|o| o.kind == *kind) {
            return Err(format!(
                "the office list has no office of kind {}",
                kind.as_str()
            ));
        }
    }
    Ok(offices)
}

fn parse_row(row: &Fields) -> Result<Office, String> {
    let kind = OfficeKind::parse(row.get(1))
        .ok_or_else(|| format!("kind \"{}\" {}", row.get(1), OfficeKind::allowed()))?;
    Ok(Office {
        code: row.get(0).to_string(),
        kind,
        name: row.get(2).to_string(),
        city: row.get(3).to_string(),
        state: row.get(4).to_string(),
        time_zone: row.time_zone(5)?,
    })
}
