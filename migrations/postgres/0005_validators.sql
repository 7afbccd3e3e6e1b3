-- Validators (ETag, Last-Modified) of each column's first list page, for conditional
-- requests: an unchanged page answers 304 and is not read again.
-- Keep in step with ../sqlite/0005_validators.sql.
CREATE TABLE page_validators (
    url            TEXT PRIMARY KEY,
    etag           TEXT,
    last_modified  TEXT,
    items_found    BIGINT NOT NULL DEFAULT 0,
    pages          BIGINT NOT NULL DEFAULT 0,
    updated_at     TIMESTAMPTZ NOT NULL
);
