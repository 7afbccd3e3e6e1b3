-- Detection over history in bounded time: the detect stage reads per column and day,
-- the latest post per account and the rows of its windows (the last completed quarter,
-- the probe window, today's links), never every observation. These indexes serve those
-- reads (store/reads.rs, store/links.rs); each is used by a query that would otherwise
-- scan its whole table.
-- Keep in step with ../sqlite/0015_detect_reads.sql.

-- Item dates of the last completed quarter, per column and day.
CREATE INDEX column_items_day ON column_items (published_on, column_id);
-- The item page a link was seen on (link_item_pages joins on the item's URL).
CREATE INDEX column_items_url ON column_items (url);
-- Posts of the weeks account_weekly_minimum judges; the latest original per account.
CREATE INDEX account_posts_at ON account_posts (published_at);
CREATE INDEX account_posts_original ON account_posts (account_id, original, published_at);
-- Probes of the window.
CREATE INDEX probes_at ON probes (at);
-- Links seen today.
CREATE INDEX link_sources_seen ON link_sources (last_seen);
