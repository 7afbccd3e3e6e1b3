-- 总览's pass rate reads the account findings' days by kind, and a unit's 12-week trend
-- a finding's days by id: both from these indexes alone, never the rows (which hold
-- long evidence).
-- Keep in step with ../sqlite/0022_findings_days.sql.
CREATE INDEX findings_kind_days ON findings (kind, resolved_on, opened_on, subject_key);
CREATE INDEX findings_id_days ON findings (id, opened_on, resolved_on);
