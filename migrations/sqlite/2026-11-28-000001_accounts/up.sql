-- Accounts, sessions, password resets and the audit log.
CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,               -- lower-cased by the service
    name TEXT NOT NULL,
    role TEXT NOT NULL,                -- admin | lawyer | caseworker
    password_hash TEXT NOT NULL,       -- argon2id PHC string
    active BOOLEAN NOT NULL,
    token_version BIGINT NOT NULL DEFAULT 0,  -- bumped to cut every access token at once
    failed_logins INTEGER NOT NULL DEFAULT 0,
    failed_window_start TIMESTAMP,
    locked_until TIMESTAMP,
    time_zone TEXT NOT NULL,
    reminders_enabled BOOLEAN NOT NULL DEFAULT 1,
    reminder_digest BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- login by e-mail
CREATE UNIQUE INDEX users_email ON users (email);
-- "last active admin" checks
CREATE INDEX users_role_active ON users (role, active);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL,          -- SHA-256 of the opaque refresh token
    signed_in_at TIMESTAMP NOT NULL,   -- carried across rotations: the absolute limit counts from here
    last_used_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,                 -- set when rotated; presenting it again is theft
    revoked_at TIMESTAMP
);
-- refresh lookup by hash
CREATE UNIQUE INDEX sessions_token_hash ON sessions (token_hash);
-- revoke every session of a user
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE password_resets (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE UNIQUE INDEX password_resets_token_hash ON password_resets (token_hash);
CREATE INDEX password_resets_user ON password_resets (user_id);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id TEXT,                     -- null for the system (first-run bootstrap, worker)
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    changes TEXT NOT NULL              -- JSON: {"field": {"from": .., "to": ..}} or details
);
-- the admin's filters, each ordered by time for cursor pagination
CREATE INDEX audit_entity ON audit_log (entity_type, entity_id, at, id);
CREATE INDEX audit_actor ON audit_log (actor_id, at, id);
CREATE INDEX audit_at ON audit_log (at, id);
