//! Every write the service acknowledged (2xx), kept so that the end of the run can look for
//! each of them through the API.

use std::collections::BTreeMap;

/// What one case should hold at the end.
#[derive(Default)]
pub struct CaseWrites {
    /// The case itself was opened by a client of this run (and acknowledged).
    pub opened: bool,
    pub filings: Vec<String>,
    /// Hearing id -> its acknowledged local times in order: the one it was added with, then each
    /// acknowledged move. At the end the last is its time and the others its history.
    pub hearings: BTreeMap<String, Vec<String>>,
    /// Manual deadline id -> whether it was acknowledged as met.
    pub deadlines: BTreeMap<String, bool>,
    pub notes: Vec<String>,
}

impl CaseWrites {
    /// The acknowledged writes this case stands for.
    pub fn writes(&self) -> u64 {
        let hearings: usize = self.hearings.values().map(Vec::len).sum();
        let met = self.deadlines.values().filter(|m| **m).count();
        (usize::from(self.opened)
            + self.filings.len()
            + hearings
            + self.deadlines.len()
            + met
            + self.notes.len()) as u64
    }

    fn merge(&mut self, other: CaseWrites) {
        self.opened |= other.opened;
        self.filings.extend(other.filings);
        self.hearings.extend(other.hearings);
        self.deadlines.extend(other.deadlines);
        self.notes.extend(other.notes);
    }
}

#[derive(Default)]
pub struct Ledger {
    pub clients: Vec<String>,
    pub cases: BTreeMap<String, CaseWrites>,
}

impl Ledger {
    pub fn case(&mut self, id: &str) -> &mut CaseWrites {
        self.cases.entry(id.to_string()).or_default()
    }

    /// Acknowledged writes in all.
    pub fn writes(&self) -> u64 {
        self.clients.len() as u64 + self.cases.values().map(CaseWrites::writes).sum::<u64>()
    }

    pub fn merge(&mut self, other: Ledger) {
        self.clients.extend(other.clients);
        for (id, writes) in other.cases {
            self.cases.entry(id).or_default().merge(writes);
        }
    }
}
