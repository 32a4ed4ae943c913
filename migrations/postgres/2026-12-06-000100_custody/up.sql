-- Issue 12: custody. A period in immigration detention, from detained_on until released_on (open
-- while null: the case is then "detained"), with the bond facts (INA 236(a)(2); 8 CFR 1236.1(d))
-- and how the client was released. An IJ's bond redetermination starts `bond_appeal` (8 CFR
-- 1003.19(f), 1003.38(b)); an open period under a final order starts `zadvydas_review`
-- (8 CFR 241.13; Zadvydas v. Davis, 533 U.S. 678 (2001)); both with trigger `custody:<id>`.
CREATE TABLE custody_periods (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    detained_on DATE NOT NULL,
    facility TEXT,                      -- the detention centre, as the team names it
    released_on DATE,
    release_basis TEXT,                 -- bond | parole | order_of_supervision | recognizance | other; set exactly when released_on is
    bond_amount_usd INTEGER,            -- whole US dollars, as set by ICE or the IJ
    bond_hearing_on DATE,
    bond_decided_on DATE,               -- the IJ's custody redetermination
    bond_decision TEXT,                 -- granted | denied | no_jurisdiction; set exactly when bond_decided_on is
    bond_posted_on DATE,
    bond_appeal_filed_on DATE,          -- meets bond_appeal
    note TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- a case's periods in date order (listing, the facts a recompute loads)
CREATE INDEX custody_periods_case ON custody_periods (case_id, detained_on);
-- at most one open period per case; also serves the `detained` EXISTS of case lists and agenda rows
CREATE UNIQUE INDEX custody_periods_open ON custody_periods (case_id) WHERE released_on IS NULL;
