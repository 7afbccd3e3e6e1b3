-- When the next request to each platform source (weibo, wechat_mp) may start, shared by
-- every worker on one database, so `[sources.*] min_interval_s` holds across workers:
-- a worker books a start with one upsert that moves next_at_ms to
-- max(next_at_ms, now) + interval and returns the booked start. Milliseconds since
-- 1970-01-01 UTC, so both databases do the arithmetic in one statement the same way.
-- Keep in step with ../sqlite/0009_platform_pacing.sql.
CREATE TABLE platform_pacing (
    platform   TEXT PRIMARY KEY,
    next_at_ms BIGINT NOT NULL
);
