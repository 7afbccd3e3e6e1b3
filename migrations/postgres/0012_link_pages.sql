-- When the link stage last read each page for its links: the rotation over every known
-- page reads the least recently read first, each at least every `[links] full_every_days`.
-- Keep in step with ../sqlite/0012_link_pages.sql.
CREATE TABLE link_pages (
    page_url   TEXT PRIMARY KEY,
    last_read  TIMESTAMPTZ NOT NULL
);
