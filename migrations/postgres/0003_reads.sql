-- How each read of a column, home page and account source ended: the rules need the
-- latest outcomes (two consecutive failures, an empty list, what the home page shows).
-- Keep in step with ../sqlite/0003_reads.sql.

CREATE TABLE column_crawls (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    column_id   BIGINT NOT NULL REFERENCES columns (id),
    at          TIMESTAMPTZ NOT NULL,
    outcome     TEXT NOT NULL,
    status      BIGINT,
    detail      TEXT,
    items_found BIGINT NOT NULL DEFAULT 0,
    new_items   BIGINT NOT NULL DEFAULT 0,
    pages       BIGINT NOT NULL DEFAULT 0,
    UNIQUE (column_id, at)
);

CREATE TABLE home_reads (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     BIGINT NOT NULL REFERENCES sites (id),
    at          TIMESTAMPTZ NOT NULL,
    outcome     TEXT NOT NULL,
    status      BIGINT,
    detail      TEXT,
    dates       TEXT NOT NULL,
    UNIQUE (site_id, at)
);

CREATE TABLE account_checks (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id),
    at          TIMESTAMPTZ NOT NULL,
    outcome     TEXT NOT NULL,
    detail      TEXT,
    posts_found BIGINT NOT NULL DEFAULT 0,
    UNIQUE (account_id, at)
);
