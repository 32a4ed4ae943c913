-- Clients, cases, assignments and the facts of a case (filings, clock events, hearings, decisions).
CREATE TABLE clients (
    id TEXT PRIMARY KEY NOT NULL,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    native_name TEXT,
    a_number TEXT,                      -- normalised: A + 9 digits
    date_of_birth DATE,
    nationality TEXT,                   -- ISO 3166-1 alpha-2
    languages TEXT NOT NULL,            -- JSON array of BCP 47 tags
    interpreter_needed BOOLEAN NOT NULL,
    phone TEXT,
    email TEXT,
    address TEXT,
    last_arrival_on DATE NOT NULL,
    arrival_place TEXT,
    manner_of_entry TEXT,
    search_key TEXT NOT NULL,           -- lower-cased (Unicode) names, for substring search
    created_by TEXT NOT NULL REFERENCES users (id),
    archived BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- A-number lookups and uniqueness (several NULLs allowed)
CREATE UNIQUE INDEX clients_a_number ON clients (a_number);
-- the "creator while the client has no case" visibility rule
CREATE INDEX clients_created_by ON clients (created_by);
-- list order and cursor
CREATE INDEX clients_created ON clients (created_at, id);

CREATE TABLE case_counters (
    year INTEGER PRIMARY KEY NOT NULL,
    last INTEGER NOT NULL
);

CREATE TABLE cases (
    id TEXT PRIMARY KEY NOT NULL,
    reference TEXT NOT NULL,            -- C-2026-0042: used in e-mails and feeds instead of names
    client_id TEXT NOT NULL REFERENCES clients (id),
    kind TEXT NOT NULL,                 -- affirmative | defensive
    court_code TEXT,
    status TEXT NOT NULL,
    closed BOOLEAN NOT NULL,
    opened_on DATE NOT NULL,
    closed_on DATE,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX cases_reference ON cases (reference);
-- a client's cases; the client visibility subquery
CREATE INDEX cases_client ON cases (client_id);
-- list filters, each with the cursor order
CREATE INDEX cases_created ON cases (created_at, id);
CREATE INDEX cases_status ON cases (status, created_at, id);
CREATE INDEX cases_court ON cases (court_code, created_at, id);

CREATE TABLE case_assignments (
    case_id TEXT NOT NULL REFERENCES cases (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,                 -- lawyer | caseworker
    assigned_by TEXT REFERENCES users (id),
    assigned_at TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
-- the visibility filter: (user, case)
CREATE INDEX case_assignments_user ON case_assignments (user_id, case_id);

CREATE TABLE filings (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    form TEXT NOT NULL,
    filed_on DATE NOT NULL,
    receipt_number TEXT,
    approved_on DATE,
    valid_until DATE,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX filings_case ON filings (case_id, filed_on);

CREATE TABLE clock_events (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,                 -- stop | resume
    occurred_on DATE NOT NULL,
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX clock_events_case ON clock_events (case_id, occurred_on);

CREATE TABLE hearings (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    starts_at_local TEXT NOT NULL,      -- YYYY-MM-DDTHH:MM as on the notice
    time_zone TEXT NOT NULL,            -- IANA
    starts_at TIMESTAMP NOT NULL,       -- the UTC instant
    court_code TEXT,
    judge TEXT,
    location TEXT,
    outcome TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX hearings_case ON hearings (case_id, starts_at);
-- the caller's hearings in a time range
CREATE INDEX hearings_starts_at ON hearings (starts_at, id);

CREATE TABLE hearing_changes (
    id TEXT PRIMARY KEY NOT NULL,
    hearing_id TEXT NOT NULL REFERENCES hearings (id),
    previous_starts_at_local TEXT NOT NULL,
    previous_time_zone TEXT NOT NULL,
    previous_starts_at TIMESTAMP NOT NULL,
    changed_by TEXT NOT NULL REFERENCES users (id),
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX hearing_changes_hearing ON hearing_changes (hearing_id, changed_at);

CREATE TABLE decisions (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    authority TEXT NOT NULL,
    decided_on DATE NOT NULL,
    voluntary_departure_days INTEGER,
    appeal_waived BOOLEAN NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX decisions_case ON decisions (case_id, decided_on);
