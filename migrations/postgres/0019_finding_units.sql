-- Which units a finding belongs to (a column with several 保障单位 is each one's): the
-- console's visibility and unit filter read this relation, never the joined `unit` text.
-- Filled by the store when it opens a finding (and when a confirmation changes its
-- unit), in the same transaction; here backfilled from `findings.unit`, split on 、 as
-- the store splits it (unit names never hold 、: the catalog splits cells on it).
-- The indexes serve the console's 问题列表 and 总览 at 100,000 findings.
-- Keep in step with ../sqlite/0019_finding_units.sql.
CREATE TABLE finding_units (
    finding_id     BIGINT NOT NULL REFERENCES findings (id),
    unit           TEXT NOT NULL,
    PRIMARY KEY (finding_id, unit)
);
CREATE INDEX finding_units_unit ON finding_units (unit, finding_id);

INSERT INTO finding_units (finding_id, unit)
SELECT DISTINCT id, btrim(name) FROM findings, unnest(string_to_array(unit, '、')) AS name
WHERE unit IS NOT NULL AND btrim(name) <> ''
ON CONFLICT DO NOTHING;

-- 问题列表 is read from this index alone (SQLite never touches the rows, whose evidence
-- is long): every filter, both sort orders and the 整改超期 test are over these columns.
CREATE INDEX findings_list ON findings (opened_at, opened_on, resolved_at, resolved_on, resolution, kind);
-- The open ones by opening day: 整改超期 (opened before a cut-off) without reading rows.
CREATE INDEX findings_open_since ON findings (opened_on, opened_at, resolved_at) WHERE resolved_at IS NULL;
-- 总览's counts of open findings by unit and kind.
CREATE INDEX findings_open_unit ON findings (unit, kind) WHERE resolved_at IS NULL;
