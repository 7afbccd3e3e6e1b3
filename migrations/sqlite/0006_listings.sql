-- Listings of accounts seen in the wild (a platform's list, the provincial reporting
-- system's export), imported with `govwatch import listing F`. One listing per name (the
-- file's stem by default): a later import under the same name replaces its rows, so an
-- account that no longer appears stops being account_unregistered.
-- Keep in step with ../postgres/0006_listings.sql.
CREATE TABLE account_listings (
    id           INTEGER PRIMARY KEY,
    listing      TEXT NOT NULL,
    platform     TEXT NOT NULL,
    name         TEXT NOT NULL,
    -- the name without spaces and with full-width letters folded, as matched
    name_key     TEXT NOT NULL,
    unit         TEXT,
    operator     TEXT,
    level        TEXT,
    -- where in the file: `sheet row N`
    row_ref      TEXT NOT NULL,
    imported_at  TEXT NOT NULL,
    UNIQUE (listing, platform, name_key)
);
