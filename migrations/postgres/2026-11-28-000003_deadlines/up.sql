-- Materialised deadlines (computed rows replaced on each recompute; manual rows kept) and the
-- closure days by executive order that give alternative dates.
CREATE TABLE deadlines (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    source TEXT NOT NULL,               -- computed | manual
    trigger_key TEXT NOT NULL,          -- what produced it ("hearing:<id>", ...); manual:<id>
    title TEXT,                         -- manual deadlines
    due_on DATE NOT NULL,
    alternative_due_on DATE,
    alternative_reason TEXT,
    rule TEXT NOT NULL,
    explanation TEXT NOT NULL,
    met_on DATE,                        -- the recorded act that met it (computed)
    manual_status TEXT,                 -- met | waived, set by a person
    status_note TEXT,
    status_by TEXT REFERENCES users (id),
    status_at TIMESTAMP,
    resolution TEXT,                    -- met | waived | NULL: manual_status, else met when met_on
    never_missed BOOLEAN NOT NULL,      -- earliest-date kinds are permissions, never "missed"
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- one computed row per (case, kind, trigger): recompute keeps ids stable
CREATE UNIQUE INDEX deadlines_case_kind_trigger ON deadlines (case_id, kind, trigger_key);
-- the agenda and the reminder planner: range scans by date
CREATE INDEX deadlines_due ON deadlines (due_on, id);
CREATE INDEX deadlines_open_due ON deadlines (resolution, due_on);

CREATE TABLE closures (
    id TEXT PRIMARY KEY NOT NULL,
    day DATE NOT NULL,
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX closures_day ON closures (day);

INSERT INTO closures (id, day, reason, created_at) VALUES
 ('seed-2018-12-05', '2018-12-05', 'national day of mourning for President George H. W. Bush', '2026-11-28 00:00:00'),
 ('seed-2018-12-24', '2018-12-24', 'Christmas Eve closure by executive order', '2026-11-28 00:00:00'),
 ('seed-2019-12-24', '2019-12-24', 'Christmas Eve closure by executive order', '2026-11-28 00:00:00'),
 ('seed-2020-12-24', '2020-12-24', 'Christmas Eve closure by executive order', '2026-11-28 00:00:00'),
 ('seed-2024-12-24', '2024-12-24', 'Christmas Eve closure by executive order', '2026-11-28 00:00:00'),
 ('seed-2025-01-09', '2025-01-09', 'national day of mourning for President Jimmy Carter', '2026-11-28 00:00:00'),
 ('seed-2025-12-24', '2025-12-24', 'Christmas Eve closure by executive order', '2026-11-28 00:00:00'),
 ('seed-2025-12-26', '2025-12-26', 'day after Christmas closure by executive order', '2026-11-28 00:00:00');
