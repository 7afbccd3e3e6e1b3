-- The office console's people: accounts with a role (admin, office, unit) and, for unit
-- users, their unit; sessions (the cookie's token is stored only as its SHA-256, so a
-- copy of the database opens no session); and login attempts, counted to hold the rate
-- limit (5 failures per account, 20 per address, in 15 minutes) across workers.
-- Keep in step with ../postgres/0018_console.sql.
CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL,
    unit           TEXT,
    password_hash  TEXT NOT NULL,
    disabled_at    TEXT,
    created_at     TEXT NOT NULL,
    password_at    TEXT NOT NULL
);
CREATE TABLE sessions (
    token_sha256   TEXT PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (id),
    csrf           TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    addr           TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE login_attempts (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    addr           TEXT NOT NULL,
    at             TEXT NOT NULL,
    ok             INTEGER NOT NULL
);
CREATE INDEX login_attempts_name ON login_attempts (name, at);
CREATE INDEX login_attempts_addr ON login_attempts (addr, at);
-- Every step taken on a finding in the console, with who and when (全过程留痕):
-- 整改反馈 (feedback, with text and an optional link), 二次检查 asked (recheck), 误报
-- (dismiss, its reason in text) and taking that back (undismiss).
CREATE TABLE finding_actions (
    id             INTEGER PRIMARY KEY,
    finding_id     INTEGER NOT NULL REFERENCES findings (id),
    action         TEXT NOT NULL,
    user_name      TEXT NOT NULL,
    text           TEXT,
    link           TEXT,
    at             TEXT NOT NULL
);
CREATE INDEX finding_actions_finding ON finding_actions (finding_id, at);
