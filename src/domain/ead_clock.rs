//! The asylum EAD clock (8 CFR 208.7): days run from the I-589 filing, stop and resume on recorded
//! dates, and give the earliest dates to file (day 150) and to be granted (day 180) a work permit.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    Stop,
    Resume,
}

impl ClockKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockKind::Stop => "stop",
            ClockKind::Resume => "resume",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "stop" => Some(ClockKind::Stop),
            "resume" => Some(ClockKind::Resume),
            _ => None,
        }
    }
}

/// A recorded stop or resume, in the order recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockEvent {
    pub kind: ClockKind,
    pub on: NaiveDate,
}

/// Clock days before an EAD may be filed / granted (settings `ead.filing_wait_days`, `ead.grant_wait_days`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EadWaits {
    pub filing_wait_days: u32,
    pub grant_wait_days: u32,
}

impl Default for EadWaits {
    fn default() -> Self {
        EadWaits {
            filing_wait_days: 150,
            grant_wait_days: 180,
        }
    }
}

/// The clock as of a date (the `GET .../ead-clock` body, less the events).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EadClock {
    pub started_on: NaiveDate,
    pub as_of: NaiveDate,
    pub days_elapsed: i64,
    pub stopped_days: i64,
    pub running: bool,
    pub earliest_filing_on: Option<NaiveDate>,
    pub earliest_grant_on: Option<NaiveDate>,
}

/// A stop `[start, end)`; `end` is `None` while it is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

/// Turns recorded events into stops, tolerating data that [`validate_events`] would refuse (it may
/// predate a corrected filing date): events are taken in date order (ties in recorded order), a stop
/// before the filing counts from the filing, a second stop while stopped and a resume while running
/// are ignored. Each choice keeps the earlier stop, so dates come out later, never earlier.
pub fn stops(filed_on: NaiveDate, events: &[ClockEvent]) -> Vec<Stop> {
    let mut sorted = events.to_vec();
    sorted.sort_by_key(|e| e.on); // stable: same-day events keep their recorded order
    let mut out: Vec<Stop> = Vec::new();
    for e in sorted {
        let on = e.on.max(filed_on);
        let open = out.last().is_some_and(|s| s.end.is_none());
        match (e.kind, open) {
            (ClockKind::Stop, false) => out.push(Stop {
                start: on,
                end: None,
            }),
            (ClockKind::Resume, true) => {
                if let Some(last) = out.last_mut() {
                    last.end = Some(on);
                }
            }
            _ => {}
        }
    }
    out
}

/// The day the clock count reaches `wait` given the stops, or `None` if it is stopped before then or
/// the date would overflow. Stops after that day do not delay it: days elapsed as of D are
/// `(D - filed) - days stopped up to D`, and this is the first D where that equals `wait`.
fn reach(filed_on: NaiveDate, stops: &[Stop], wait: u32) -> Option<NaiveDate> {
    let mut remaining = i64::from(wait);
    let mut cursor = filed_on;
    for s in stops {
        let run = (s.start - cursor).num_days();
        if remaining <= run {
            break;
        }
        remaining -= run;
        cursor = s.end?; // an open stop: the date cannot be known yet
    }
    cursor.checked_add_days(Days::new(u64::try_from(remaining).ok()?))
}

/// The clock as of `as_of`, counting only events on or before `as_of`. Before the filing date the
/// clock has not started: 0 days elapsed, 0 stopped, not running (the projected dates are still
/// given, as nothing has stopped the clock). The earliest dates are never rolled for weekends or
/// holidays (rolling would delay the client), and are `None` while the clock is stopped as of `as_of`.
pub fn ead_clock(
    filed_on: NaiveDate,
    events: &[ClockEvent],
    as_of: NaiveDate,
    waits: &EadWaits,
) -> EadClock {
    let known: Vec<ClockEvent> = events.iter().copied().filter(|e| e.on <= as_of).collect();
    let stops = stops(filed_on, &known);
    let stopped_now = stops.last().is_some_and(|s| s.end.is_none());
    let stopped_days: i64 = stops
        .iter()
        .map(|s| {
            (s.end.unwrap_or(as_of).min(as_of) - s.start)
                .num_days()
                .max(0)
        })
        .sum();
    let since_filing = (as_of - filed_on).num_days().max(0);
    let project = |wait| {
        if stopped_now {
            None
        } else {
            reach(filed_on, &stops, wait)
        }
    };
    EadClock {
        started_on: filed_on,
        as_of,
        days_elapsed: since_filing - stopped_days,
        stopped_days,
        running: as_of >= filed_on && !stopped_now,
        earliest_filing_on: project(waits.filing_wait_days),
        earliest_grant_on: project(waits.grant_wait_days),
    }
}

/// Why a new clock event is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockError {
    BeforeFiling {
        on: NaiveDate,
        filed_on: NaiveDate,
    },
    AlreadyStopped {
        since: NaiveDate,
    },
    NoOpenStop,
    ResumeBeforeStop {
        on: NaiveDate,
        stopped_on: NaiveDate,
    },
    OutOfOrder {
        on: NaiveDate,
        last_on: NaiveDate,
    },
}

impl ClockError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ClockError::BeforeFiling { .. } => "before_filing",
            ClockError::AlreadyStopped { .. } => "already_stopped",
            ClockError::NoOpenStop => "no_open_stop",
            ClockError::ResumeBeforeStop { .. } => "resume_before_stop",
            ClockError::OutOfOrder { .. } => "out_of_order",
        }
    }
}

impl fmt::Display for ClockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClockError::BeforeFiling { on, filed_on } => write!(
                f,
                "the clock event on {on} is before the I-589 filing date {filed_on}, when the clock starts"
            ),
            ClockError::AlreadyStopped { since } => {
                write!(f, "the clock is already stopped since {since}; record a resume first")
            }
            ClockError::NoOpenStop => write!(f, "a resume needs an open stop, and the clock is running"),
            ClockError::ResumeBeforeStop { on, stopped_on } => {
                write!(f, "the resume on {on} is before the stop it ends, on {stopped_on}")
            }
            ClockError::OutOfOrder { on, last_on } => write!(
                f,
                "the clock event on {on} is before the last recorded event, on {last_on}; events must be recorded in date order"
            ),
        }
    }
}

impl std::error::Error for ClockError {}

/// Checks that `new` may follow `existing` (assumed valid, in recorded order): not before the
/// I-589 filing, not before the last event, a stop only while running, a resume only while stopped
/// and not before its stop. Same-day events are allowed (a zero-day stop changes nothing).
pub fn validate_events(
    filed_on: NaiveDate,
    existing: &[ClockEvent],
    new: ClockEvent,
) -> Result<(), ClockError> {
    if new.on < filed_on {
        return Err(ClockError::BeforeFiling {
            on: new.on,
            filed_on,
        });
    }
    let open_stop = existing
        .last()
        .filter(|e| e.kind == ClockKind::Stop)
        .map(|e| e.on);
    match (new.kind, open_stop) {
        (ClockKind::Stop, Some(since)) => return Err(ClockError::AlreadyStopped { since }),
        (ClockKind::Resume, None) => return Err(ClockError::NoOpenStop),
        (ClockKind::Resume, Some(stopped_on)) if new.on < stopped_on => {
            return Err(ClockError::ResumeBeforeStop {
                on: new.on,
                stopped_on,
            })
        }
        _ => {}
    }
    match existing.iter().map(|e| e.on).max() {
        Some(last_on) if new.on < last_on => Err(ClockError::OutOfOrder {
            on: new.on,
            last_on,
        }),
        _ => Ok(()),
    }
}

/// Checks a whole recorded sequence, event by event, with [`validate_events`].
pub fn validate_sequence(filed_on: NaiveDate, events: &[ClockEvent]) -> Result<(), ClockError> {
    for (i, e) in events.iter().enumerate() {
        validate_events(filed_on, &events[..i], *e)?;
    }
    Ok(())
}
