-- How each read of a column, home page and account source ended: the rules need the
-- latest outcomes (two consecutive failures, an empty list, what the home page shows).
-- Keep in step with ../postgres/0003_reads.sql.

CREATE TABLE column_crawls (
    id          INTEGER PRIMARY KEY,
    column_id   INTEGER NOT NULL REFERENCES columns (id),
    at          TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    status      INTEGER,
    detail      TEXT,
    items_found INTEGER NOT NULL DEFAULT 0,
    new_items   INTEGER NOT NULL DEFAULT 0,
    pages       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (column_id, at)
);

CREATE TABLE home_reads (
    id          INTEGER PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites (id),
    at          TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    status      INTEGER,
    detail      TEXT,
    dates       TEXT NOT NULL,
    UNIQUE (site_id, at)
);

CREATE TABLE account_checks (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    at          TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    detail      TEXT,
    posts_found INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, at)
);
