-- Multi-factor sign-in (TOTP, RFC 6238) and its recovery codes; the pending second step of a
-- sign-in. Secrets are never logged; recovery codes and challenge tokens are stored hashed.

-- Set when a TOTP enrolment is confirmed, cleared when it is removed: read on every request
-- (with the rest of the user) to decide whether `auth.mfa = "required"` lets the caller in.
ALTER TABLE users ADD COLUMN mfa_enrolled_at TIMESTAMP;

CREATE TABLE mfa_totp (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    -- Base32 shared secret: the server must know it to compute codes, so it cannot be hashed.
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    -- The 30-second step of the last code accepted: a code is good once (a replay, or a code
    -- of an earlier step, is refused).
    last_step BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE mfa_recovery_codes (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX mfa_recovery_codes_user ON mfa_recovery_codes (user_id);

CREATE TABLE mfa_challenges (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    used_at TIMESTAMP
);
CREATE INDEX mfa_challenges_user ON mfa_challenges (user_id);
