-- Appointments outside court: a check-in at an ICE field office, an asylum interview at a USCIS
-- asylum office, biometrics at an application support centre (codes of config/offices.csv).
ALTER TABLE hearings ADD COLUMN office_code TEXT;

-- Orders of Supervision (Form I-220B; INA 241(a)(3), 8 CFR 241.5): the release of a person not
-- removed within the removal period, on conditions, chiefly reporting to an ICE field office
-- every interval_days. Check-ins themselves are hearings of kind ice_check_in.
CREATE TABLE supervision_orders (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    ordered_on DATE NOT NULL,
    field_office_code TEXT NOT NULL,
    interval_days INTEGER NOT NULL,
    conditions TEXT,
    ended_on DATE,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- a case's orders in date order (listing, the check-in rule, the field office in force)
CREATE INDEX supervision_orders_case ON supervision_orders (case_id, ordered_on);
