-- govwatch schema, PostgreSQL. Keep in step with ../sqlite/0001_foundation.sql:
-- the same tables, columns and unique keys; only the types differ.
-- Times are UTC instants (TIMESTAMPTZ), days are local days (DATE).

-- The catalog, synced from config/catalog on every start. Rows are never deleted:
-- an entry that goes away gets removed_at; its history stays in catalog_changes.
CREATE TABLE units (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    level       TEXT,
    spec        TEXT NOT NULL,
    first_seen  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    removed_at  TIMESTAMPTZ
);

CREATE TABLE sites (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    url         TEXT NOT NULL,
    unit        TEXT,
    spec        TEXT NOT NULL,
    first_seen  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    removed_at  TIMESTAMPTZ
);

CREATE TABLE columns (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    site        TEXT NOT NULL,
    name        TEXT NOT NULL,
    url         TEXT NOT NULL,
    class       TEXT NOT NULL,
    quota       BIGINT,
    units       TEXT NOT NULL,
    spec        TEXT NOT NULL,
    first_seen  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    removed_at  TIMESTAMPTZ
);

CREATE TABLE accounts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    unit        TEXT NOT NULL,
    platform    TEXT NOT NULL,
    operator    TEXT,
    status      TEXT NOT NULL,
    spec        TEXT NOT NULL,
    first_seen  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    removed_at  TIMESTAMPTZ
);

CREATE TABLE catalog_changes (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity  TEXT NOT NULL,
    key     TEXT NOT NULL,
    change  TEXT NOT NULL,
    spec    TEXT,
    at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX catalog_changes_key ON catalog_changes (entity, key);

-- Observations: appended, never rewritten except to widen last_seen.
CREATE TABLE fetch_attempts (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url             TEXT NOT NULL,
    host            TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    subject_key     TEXT,
    at              TIMESTAMPTZ NOT NULL,
    duration_ms     BIGINT NOT NULL,
    outcome         TEXT NOT NULL,
    status          BIGINT,
    detail          TEXT,
    charset         TEXT,
    charset_source  TEXT,
    bytes           BIGINT,
    UNIQUE (url, purpose, at)
);
CREATE INDEX fetch_attempts_subject ON fetch_attempts (subject_key, at);

CREATE TABLE column_items (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    column_id     BIGINT NOT NULL REFERENCES columns (id),
    url           TEXT NOT NULL,
    title         TEXT NOT NULL,
    published_on  DATE,
    date_source   TEXT,
    first_seen    TIMESTAMPTZ NOT NULL,
    last_seen     TIMESTAMPTZ NOT NULL,
    UNIQUE (column_id, url)
);
CREATE INDEX column_items_published ON column_items (column_id, published_on);

CREATE TABLE account_posts (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    BIGINT NOT NULL REFERENCES accounts (id),
    post_key      TEXT NOT NULL,
    title         TEXT,
    url           TEXT,
    published_at  TIMESTAMPTZ NOT NULL,
    original      BOOLEAN,
    first_seen    TIMESTAMPTZ NOT NULL,
    UNIQUE (account_id, post_key)
);
CREATE INDEX account_posts_published ON account_posts (account_id, published_at);

CREATE TABLE probes (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     BIGINT NOT NULL REFERENCES sites (id),
    at          TIMESTAMPTZ NOT NULL,
    outcome     TEXT NOT NULL,
    status      BIGINT,
    latency_ms  BIGINT,
    detail      TEXT,
    UNIQUE (site_id, at)
);

CREATE TABLE link_checks (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url         TEXT NOT NULL,
    cycle       TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    outcome     TEXT NOT NULL,
    status      BIGINT,
    final_url   TEXT,
    detail      TEXT,
    UNIQUE (url, cycle)
);

CREATE TABLE link_sources (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    link_url    TEXT NOT NULL,
    page_url    TEXT NOT NULL,
    site_id     BIGINT REFERENCES sites (id),
    anchor      TEXT,
    first_seen  TIMESTAMPTZ NOT NULL,
    last_seen   TIMESTAMPTZ NOT NULL,
    UNIQUE (link_url, page_url)
);

-- Findings are episodes: opened by the first check that sees the problem, confirmed
-- while it lasts, resolved (是否整改: rectified) by the first check that no longer does.
CREATE TABLE findings (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            TEXT NOT NULL,
    subject_key     TEXT NOT NULL,
    unit            TEXT,
    opened_at       TIMESTAMPTZ NOT NULL,
    opened_on       DATE NOT NULL,
    last_confirmed  TIMESTAMPTZ NOT NULL,
    resolved_at     TIMESTAMPTZ,
    resolved_on     DATE,
    sentence        TEXT NOT NULL,
    evidence        TEXT NOT NULL,
    UNIQUE (kind, subject_key, opened_at)
);
-- At most one open episode per problem.
CREATE UNIQUE INDEX findings_open ON findings (kind, subject_key) WHERE resolved_at IS NULL;
CREATE INDEX findings_opened ON findings (opened_on);

CREATE TABLE notifications (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    period      TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    status      TEXT NOT NULL,
    eml_path    TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    sent_at     TIMESTAMPTZ,
    attempts    BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT,
    UNIQUE (period, recipient)
);

