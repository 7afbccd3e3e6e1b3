-- Each finding's kind and days beside each of its units, so that 总览's open findings
-- per unit and a unit's 12-week trend read one index of this relation instead of
-- looking each finding up (13,000 lookups for eight units at 100,000 findings). The
-- store writes them with the units and again when it resolves the finding; a
-- finding's kind and opening day never change.
-- Keep in step with ../sqlite/0024_finding_units_days.sql.
ALTER TABLE finding_units
    ADD COLUMN kind TEXT,
    ADD COLUMN opened_on DATE,
    ADD COLUMN resolved_on DATE;
UPDATE finding_units u SET kind = f.kind, opened_on = f.opened_on, resolved_on = f.resolved_on
FROM findings f WHERE f.id = u.finding_id;
CREATE INDEX finding_units_days ON finding_units (unit, resolved_on, opened_on, kind);
-- The open ones per unit (the partial index holds `resolved_on` for SQLite to read it
-- alone).
CREATE INDEX finding_units_open ON finding_units (unit, kind, resolved_on) WHERE resolved_on IS NULL;
-- A finding naming no unit has none stored (blanks and 、 alone name none): 总览 counts
-- those as the open findings whose unit is NULL, one index range.
UPDATE findings SET unit = NULL WHERE btrim(unit, E' \t\n\r　、') = '';
