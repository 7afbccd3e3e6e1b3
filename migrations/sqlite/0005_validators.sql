-- Validators (ETag, Last-Modified) of each column's first list page, for conditional
-- requests: an unchanged page answers 304 and is not read again.
-- Keep in step with ../postgres/0005_validators.sql.
CREATE TABLE page_validators (
    url            TEXT PRIMARY KEY,
    etag           TEXT,
    last_modified  TEXT,
    items_found    INTEGER NOT NULL DEFAULT 0,
    pages          INTEGER NOT NULL DEFAULT 0,
    updated_at     TEXT NOT NULL
);
