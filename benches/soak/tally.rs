//! What the clients saw: latencies by kind of request (HdrHistogram, microseconds), and every
//! answer that was not a success, counted and sampled.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;

/// At most this many failures are kept word for word per kind of failure.
const SAMPLES: usize = 5;

#[derive(Default)]
pub struct Tally {
    pub latency: BTreeMap<&'static str, Histogram<u64>>,
    /// Any 5xx, 503 included.
    pub server_errors: u64,
    /// 503: a connection not had within `database.timeout_seconds`, or the hasher's queue.
    pub unavailable: u64,
    /// 4xx the workload does not expect (a bench bug or a service bug: either way, look).
    pub unexpected: u64,
    /// No answer: refused, reset, or over the client's time-out.
    pub transport: u64,
    pub server_error_samples: Vec<String>,
    pub other_samples: Vec<String>,
}

fn histogram() -> Histogram<u64> {
    // 1 µs to 10 minutes at 3 significant digits.
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds")
}

impl Tally {
    pub fn record(&mut self, kind: &'static str, took: Duration) {
        let us = (took.as_micros() as u64).clamp(1, 600_000_000);
        self.latency
            .entry(kind)
            .or_insert_with(histogram)
            .record(us)
            .expect("within bounds");
    }

    pub fn failed(&mut self, kind: &'static str, status: Option<u16>, detail: &str) {
        let line = format!(
            "{kind}: {} {}",
            status.map_or("no answer".to_string(), |s| s.to_string()),
            detail.chars().take(300).collect::<String>()
        );
        match status {
            Some(s) if s >= 500 => {
                self.server_errors += 1;
                if s == 503 {
                    self.unavailable += 1;
                }
                if self.server_error_samples.len() < SAMPLES {
                    self.server_error_samples.push(line);
                }
                return;
            }
            Some(_) => self.unexpected += 1,
            None => self.transport += 1,
        }
        if self.other_samples.len() < SAMPLES {
            self.other_samples.push(line);
        }
    }

    pub fn merge(&mut self, other: Tally) {
        for (kind, h) in other.latency {
            self.latency
                .entry(kind)
                .or_insert_with(histogram)
                .add(&h)
                .expect("same bounds");
        }
        self.server_errors += other.server_errors;
        self.unavailable += other.unavailable;
        self.unexpected += other.unexpected;
        self.transport += other.transport;
        for s in other.server_error_samples {
            if self.server_error_samples.len() < SAMPLES {
                self.server_error_samples.push(s);
            }
        }
        for s in other.other_samples {
            if self.other_samples.len() < SAMPLES {
                self.other_samples.push(s);
            }
        }
    }

    pub fn requests(&self) -> u64 {
        self.latency.values().map(|h| h.len()).sum()
    }

    /// All kinds together.
    pub fn overall(&self) -> Histogram<u64> {
        let mut all = histogram();
        for h in self.latency.values() {
            all.add(h).expect("same bounds");
        }
        all
    }
}
