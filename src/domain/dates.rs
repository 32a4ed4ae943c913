//! The dates a person may enter: `YYYY-MM-DD`, from 1900-01-01 to 2199-12-31. Checked once, by
//! deserialising into [`Day`], so that no absurd date (year 1 or 262142) reaches a rule, a
//! query, a feed or an e-mail.

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use serde::{Deserialize, Deserializer};

/// The first date accepted.
pub const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// The last date accepted.
pub const LATEST: NaiveDate = match NaiveDate::from_ymd_opt(2199, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// What a date that is not accepted is told (a request naming the field adds the field).
pub const DATE_MESSAGE: &str = "must be a date YYYY-MM-DD between 1900-01-01 and 2199-12-31";

/// What a well-formed date outside the range is told (a query answers it 422, a malformed one
/// 400).
pub const RANGE_MESSAGE: &str = "must be between 1900-01-01 and 2199-12-31 (a date YYYY-MM-DD)";

/// What a local time that is not accepted is told.
pub const LOCAL_TIME_MESSAGE: &str =
    "must be a local time YYYY-MM-DDTHH:MM between 1900-01-01 and 2199-12-31";

/// For `#[schema(pattern = ...)]` next to `format = Date`: years 1900 to 2199 (the format says the
/// rest).
pub const DATE_PATTERN: &str = "^(?:19|20|21)[0-9]{2}-";

/// A date between [`EARLIEST`] and [`LATEST`], written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(NaiveDate);

impl Day {
    /// `YYYY-MM-DD` exactly (four-digit year, two-digit month and day) within the range. A real
    /// date outside it (`0001-01-01`, `262142-01-01`) gets [`RANGE_MESSAGE`], anything else
    /// [`DATE_MESSAGE`].
    pub fn parse(s: &str) -> Result<Day, &'static str> {
        let b = s.as_bytes();
        let shaped = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") else {
            // A year beyond chrono's reach (`262142-01-01`) is out of range, not malformed.
            let far_year = s
                .trim_start_matches(['+', '-'])
                .split_once('-')
                .is_some_and(|(y, rest)| {
                    y.len() > 4
                        && y.bytes().all(|c| c.is_ascii_digit())
                        && rest.len() == 5
                        && rest.as_bytes()[2] == b'-'
                });
            return Err(if far_year {
                RANGE_MESSAGE
            } else {
                DATE_MESSAGE
            });
        };
        match Day::new(d) {
            Some(day) if shaped => Ok(day),
            Some(_) => Err(DATE_MESSAGE),
            None => Err(RANGE_MESSAGE),
        }
    }

    /// The date when it is within the range.
    pub fn new(d: NaiveDate) -> Option<Day> {
        in_range(d).then_some(Day(d))
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }
}

/// Whether a date is one the API accepts.
pub fn in_range(d: NaiveDate) -> bool {
    (EARLIEST..=LATEST).contains(&d)
}

/// A local wall-clock time `YYYY-MM-DDTHH:MM` whose date is within the range.
pub fn parse_local_time(s: &str) -> Result<NaiveDateTime, &'static str> {
    let (date, time) = s.split_once('T').ok_or(LOCAL_TIME_MESSAGE)?;
    let day = Day::parse(date).map_err(|_| LOCAL_TIME_MESSAGE)?;
    let tb = time.as_bytes();
    if tb.len() != 5 || tb[2] != b':' {
        return Err(LOCAL_TIME_MESSAGE);
    }
    let t = chrono::NaiveTime::parse_from_str(time, "%H:%M").map_err(|_| LOCAL_TIME_MESSAGE)?;
    Ok(day.date().and_time(t))
}

impl PartialEq<NaiveDate> for Day {
    fn eq(&self, other: &NaiveDate) -> bool {
        self.0 == *other
    }
}

impl PartialOrd<NaiveDate> for Day {
    fn partial_cmp(&self, other: &NaiveDate) -> Option<std::cmp::Ordering> {
        self.0.partial_cmp(other)
    }
}

impl From<Day> for NaiveDate {
    fn from(d: Day) -> NaiveDate {
        d.0
    }
}

impl std::ops::Deref for Day {
    type Target = NaiveDate;
    fn deref(&self) -> &NaiveDate {
        &self.0
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Day, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Day;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a date YYYY-MM-DD")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Day, E> {
                Day::parse(s).map_err(E::custom)
            }
        }
        d.deserialize_str(Visitor)
    }
}

impl serde::Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// In the OpenAPI document a `Day` is a date string, years 1900 to 2199.
impl utoipa::PartialSchema for Day {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Date,
            )))
            .pattern(Some("^(?:19|20|21)[0-9]{2}-"))
            .into()
    }
}

impl utoipa::ToSchema for Day {}

/// The UTC instant of a local time in a zone; a time skipped or repeated by a DST change is
/// refused rather than guessed, since the notice must be read again.
pub fn local_to_utc(local: &str, tz: chrono_tz::Tz) -> Result<(String, NaiveDateTime), String> {
    let naive = parse_local_time(local).map_err(str::to_string)?;
    let shown = naive.format("%Y-%m-%dT%H:%M");
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok((shown.to_string(), t.naive_utc())),
        chrono::LocalResult::None => Err(format!(
            "{shown} does not exist in {}: the clocks jump forward over it (daylight saving time); check the notice",
            tz.name()
        )),
        chrono::LocalResult::Ambiguous(..) => Err(format!(
            "{shown} happens twice in {}: the clocks fall back over it (daylight saving time); check the notice",
            tz.name()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_skipped_or_repeated_by_dst_are_refused() {
        let ny = chrono_tz::America::New_York;
        let (local, utc) = local_to_utc("2026-12-03T09:00", ny).unwrap();
        assert_eq!(local, "2026-12-03T09:00");
        assert_eq!(utc.to_string(), "2026-12-03 14:00:00");
        assert!(local_to_utc("2026-03-08T02:30", ny)
            .unwrap_err()
            .contains("does not exist"));
        assert!(local_to_utc("2026-11-01T01:30", ny)
            .unwrap_err()
            .contains("happens twice"));
        assert!(local_to_utc("2026-12-03 09:00", ny).is_err());
    }
}
