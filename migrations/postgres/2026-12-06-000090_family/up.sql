-- Issue 12: the client's spouse and children on a case. Either may be included in the I-589 as a
-- derivative (INA 208(b)(3)(A)); a child's 21st birthday before the I-589 is filed is warned
-- about (the computed deadline `derivative_age_out`, trigger `family:<id>`). A member is
-- removed (kept, with when, why and by whom), never deleted.
CREATE TABLE family_members (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    relationship TEXT NOT NULL,         -- spouse | child
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    native_name TEXT,
    date_of_birth DATE,
    a_number TEXT,                      -- normalised: A + 9 digits (not unique: not a client)
    derivative BOOLEAN NOT NULL,        -- included in the I-589 as a derivative
    in_united_states BOOLEAN NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    removed_at TIMESTAMP,
    removed_reason TEXT,
    removed_by TEXT                     -- a users.id
);
-- a case's family list (paged by created_at, id) and the facts a recompute loads
CREATE INDEX family_members_case ON family_members (case_id, created_at, id);

-- The exception to the one-year filing bar a case claims (8 CFR 208.4(a)(4) changed,
-- (a)(5) extraordinary circumstances): a legal argument, not a date. One standing claim per
-- case; a replaced or withdrawn claim is kept with when, why and by whom.
CREATE TABLE one_year_exceptions (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,                 -- changed_circumstances | extraordinary_circumstances
    note TEXT,
    claimed_by TEXT NOT NULL REFERENCES users (id),
    claimed_at TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP,
    withdrawn_reason TEXT,
    withdrawn_by TEXT                   -- a users.id
);
-- the standing claim of a case (GET, PUT and DELETE /cases/{id}/one-year-exception); one at most
CREATE UNIQUE INDEX one_year_exceptions_standing ON one_year_exceptions (case_id)
    WHERE withdrawn_at IS NULL;
