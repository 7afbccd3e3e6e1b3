-- 总览's 12-week trend counts the findings open at each week's end as those opened by
-- then less those resolved by then: two passes over indexes grouped by day (opening
-- days already have `findings_opened`), never the rows.
-- Keep in step with ../sqlite/0021_findings_resolved.sql.
CREATE INDEX findings_resolved ON findings (resolved_on);
