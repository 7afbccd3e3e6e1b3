-- Why an episode closed: `rectified` (整改: the problem no longer holds where govwatch
-- looked) or `unwatched` (不再监测: none of its pages was read for twice
-- `[links] full_every_days`, so govwatch stopped looking; not counted as 整改). NULL on
-- an open episode; episodes closed before this migration were rectified.
-- `link_pages.missing_reads`: reads in a row that answered 404/410 (a page gone after
-- two, as page_scans counts them for content).
-- Keep in step with ../postgres/0014_resolution.sql.
ALTER TABLE findings ADD COLUMN resolution TEXT;
UPDATE findings SET resolution = 'rectified' WHERE resolved_at IS NOT NULL;
ALTER TABLE link_pages ADD COLUMN missing_reads INTEGER NOT NULL DEFAULT 0;
