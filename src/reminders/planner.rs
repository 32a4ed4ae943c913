//! Which reminders an item needs, and when (pure: no I/O, "now" is an argument).
//!
//! A reminder for a deadline or hearing on day D with lead L is due at `send_time` on D - L in the
//! organisation's zone. Moments already past when the item (at its current date) came to exist
//! are not sent in a burst: only the nearest of them, once, right away. An item whose day is
//! already past gets none.

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

#[derive(Debug, Clone)]
pub struct Ladder {
    /// Days before the item, in any order; duplicates are ignored.
    pub leads: Vec<u32>,
    pub send_time: NaiveTime,
    pub time_zone: Tz,
}

/// The moment reminders are planned at and the ladders they follow.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Today in the organisation's zone: deadline status and alert suppression.
    pub today: NaiveDate,
    /// Now, UTC: when re-planned reminders count from.
    pub now: NaiveDateTime,
    pub deadline_ladder: Ladder,
    pub hearing_ladder: Ladder,
}

impl Schedule {
    pub fn at(settings: &crate::config::Settings, now: NaiveDateTime) -> Schedule {
        let tz = settings.org_tz();
        let send_time = settings.send_time().unwrap_or_default();
        let ladder = |leads: &[u32]| Ladder {
            leads: leads.to_vec(),
            send_time,
            time_zone: tz,
        };
        let deadline_ladder = ladder(&settings.reminders.deadline_lead_days);
        Schedule {
            today: deadline_ladder.today(now),
            now,
            hearing_ladder: ladder(&settings.reminders.hearing_lead_days),
            deadline_ladder,
        }
    }
}

/// One planned reminder: which lead, and when it is due (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    pub lead_days: u32,
    pub due_at: NaiveDateTime,
}

impl Ladder {
    /// `send_time` on `day` in the ladder's zone, as UTC. A send time skipped by a DST change
    /// moves an hour later; a repeated one takes its first occurrence.
    pub fn moment(&self, day: NaiveDate) -> NaiveDateTime {
        let local = day.and_time(self.send_time);
        match self.time_zone.from_local_datetime(&local) {
            chrono::LocalResult::Single(t) => t.naive_utc(),
            chrono::LocalResult::Ambiguous(first, _) => first.naive_utc(),
            chrono::LocalResult::None => {
                let later = local + chrono::Duration::hours(1);
                self.time_zone
                    .from_local_datetime(&later)
                    .earliest()
                    .map(|t| t.naive_utc())
                    .unwrap_or(later)
            }
        }
    }

    /// Today in the ladder's zone, at the UTC instant `now`.
    pub fn today(&self, now: NaiveDateTime) -> NaiveDate {
        self.time_zone.from_utc_datetime(&now).date_naive()
    }
}

/// The reminders for an item on `day` that came to exist (at this date) at `since`.
pub fn plan(day: NaiveDate, ladder: &Ladder, since: NaiveDateTime) -> Vec<Planned> {
    if day < ladder.today(since) {
        return Vec::new();
    }
    let mut leads = ladder.leads.clone();
    leads.sort_unstable();
    leads.dedup();
    let all: Vec<Planned> = leads
        .into_iter()
        .filter_map(|lead| {
            let d = day.checked_sub_days(Days::new(u64::from(lead)))?;
            Some(Planned {
                lead_days: lead,
                due_at: ladder.moment(d),
            })
        })
        .collect();
    let nearest_past = all
        .iter()
        .filter(|p| p.due_at < since)
        .max_by_key(|p| p.due_at)
        .copied();
    let mut out: Vec<Planned> = all.into_iter().filter(|p| p.due_at >= since).collect();
    if let Some(p) = nearest_past {
        out.push(p);
    }
    out.sort_by_key(|p| p.due_at);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ladder(leads: &[u32]) -> Ladder {
        Ladder {
            leads: leads.to_vec(),
            send_time: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            time_zone: chrono_tz::America::New_York,
        }
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn all_leads_ahead_are_planned_at_send_time_in_the_zone() {
        // 2026-12-28 minus 30, 7, 1, 0 days at 08:00 New York (EST, UTC-5) = 13:00Z.
        let p = plan(
            d("2026-12-28"),
            &ladder(&[30, 7, 1, 0]),
            at("2026-11-01 00:00"),
        );
        let got: Vec<_> = p.iter().map(|p| (p.lead_days, p.due_at)).collect();
        assert_eq!(
            got,
            vec![
                (30, at("2026-11-28 13:00")),
                (7, at("2026-12-21 13:00")),
                (1, at("2026-12-27 13:00")),
                (0, at("2026-12-28 13:00")),
            ]
        );
    }

    #[test]
    fn passed_moments_collapse_to_the_nearest_one() {
        // Created 2026-12-25: the 30- and 7-day moments passed; only the 7-day one goes, once.
        let p = plan(
            d("2026-12-28"),
            &ladder(&[30, 7, 1, 0]),
            at("2026-12-25 15:00"),
        );
        let leads: Vec<u32> = p.iter().map(|p| p.lead_days).collect();
        assert_eq!(leads, vec![7, 1, 0]);
        assert!(p[0].due_at < at("2026-12-25 15:00"), "due at once");
    }

    #[test]
    fn an_item_already_past_gets_nothing() {
        assert!(plan(
            d("2026-12-01"),
            &ladder(&[30, 7, 1, 0]),
            at("2026-12-02 12:00")
        )
        .is_empty());
    }

    #[test]
    fn summer_time_shifts_the_utc_moment() {
        // 08:00 EDT is 12:00Z.
        let p = plan(d("2027-07-08"), &ladder(&[7]), at("2027-01-01 00:00"));
        assert_eq!(p[0].due_at, at("2027-07-01 12:00"));
    }

    #[test]
    fn a_send_time_in_the_spring_gap_moves_an_hour_later() {
        let l = Ladder {
            send_time: NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
            ..ladder(&[0])
        };
        // 2027-03-14 02:30 does not exist in New York; 03:30 EDT = 07:30Z.
        assert_eq!(l.moment(d("2027-03-14")), at("2027-03-14 07:30"));
    }
}
