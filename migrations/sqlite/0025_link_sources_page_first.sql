-- link_sources' unique key in page order, (page_url, link_url) instead of (link_url,
-- page_url). The link stage writes a page's links together, as it reads the page: keyed
-- page first, each chunk of sources lands on a few index pages; keyed link first, it
-- lands on nearly every page of the index, and SQLite writes each of them to the WAL
-- again for every chunk, a cost that grows with the table (20,000 pages × 20 links:
-- 26 s of inserts instead of 5.5 s). The key is the same pair, so ON CONFLICT (link_url,
-- page_url) still names it. The pages of a few links (store/links.rs,
-- pages_of_links_since) are read through link_sources_seen: today's rows only.
-- PostgreSQL keeps (link_url, page_url): its shared buffers absorb the scattered inserts,
-- and its lookups by link use that key.
CREATE TABLE link_sources_by_page (
    id          INTEGER PRIMARY KEY,
    link_url    TEXT NOT NULL,
    page_url    TEXT NOT NULL,
    site_id     INTEGER REFERENCES sites (id),
    anchor      TEXT,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    UNIQUE (page_url, link_url)
);
INSERT INTO link_sources_by_page (id, link_url, page_url, site_id, anchor, first_seen, last_seen)
    SELECT id, link_url, page_url, site_id, anchor, first_seen, last_seen FROM link_sources;
DROP TABLE link_sources;
ALTER TABLE link_sources_by_page RENAME TO link_sources;
CREATE INDEX link_sources_seen ON link_sources (last_seen);
