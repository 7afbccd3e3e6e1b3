-- A digest of the item URLs each column crawl listed (sorted, joined, SHA-256), so two
-- columns of one site that list the very same items can be told apart from the store:
-- one of them is probably reading a sidebar (可能误取侧栏). NULL when nothing was listed.
-- Keep in step with ../postgres/0009_crawl_items_digest.sql.

ALTER TABLE column_crawls ADD COLUMN items_digest TEXT;
-- The same for the last full read behind a page's validators, carried over on a 304.
ALTER TABLE page_validators ADD COLUMN items_digest TEXT;
