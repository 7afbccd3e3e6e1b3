-- 内容安全: the latest scan of every page the cycle reads for its text (错敏词, personal
-- data), one row per page. A page is scanned again only when its text or the word
-- lists change (content_hash, lexicon); an unchanged page only moves read_at, which is
-- what confirms its findings. `hits` is the scan as JSON and holds masked numbers and
-- masked contexts only: never a full 身份证号, mobile or card number.
-- Keep in step with ../sqlite/0011_content.sql.

CREATE TABLE page_scans (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    page_url      TEXT NOT NULL UNIQUE,
    site_id       BIGINT REFERENCES sites (id),
    -- home, column or item
    role          TEXT NOT NULL,
    -- the column's name for column and item pages
    column_name   TEXT,
    title         TEXT,
    published_on  DATE,
    content_hash  TEXT NOT NULL,
    lexicon       TEXT NOT NULL,
    hits          TEXT NOT NULL,
    -- word hits plus personal data found: 0 for a clean page
    hit_count     BIGINT NOT NULL DEFAULT 0,
    first_seen    TIMESTAMPTZ NOT NULL,
    scanned_at    TIMESTAMPTZ NOT NULL,
    read_at       TIMESTAMPTZ NOT NULL,
    -- reads in a row that answered 404/410 (a page gone after two)
    missing_reads BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX page_scans_read ON page_scans (read_at);
