-- False alarms (误报): an office's word that a finding is not a problem, with who said so
-- and when. A dismissal covers its finding's kind and subject and the hits it showed
-- (`hits`, a JSON array: wrong forms for content_error, kinds of data for privacy_leak,
-- empty for the other kinds), so a later episode with the same hits stays dismissed and
-- a new hit on the same page is a problem again. Undoing keeps the row (undone_at).
-- Keep in step with ../sqlite/0013_dismissals.sql.
CREATE TABLE dismissals (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    finding_id    BIGINT NOT NULL REFERENCES findings (id),
    kind          TEXT NOT NULL,
    subject_key   TEXT NOT NULL,
    hits          TEXT NOT NULL,
    reason        TEXT NOT NULL,
    dismissed_by  TEXT NOT NULL,
    dismissed_at  TIMESTAMPTZ NOT NULL,
    undone_by     TEXT,
    undone_at     TIMESTAMPTZ
);
CREATE INDEX dismissals_subject ON dismissals (kind, subject_key) WHERE undone_at IS NULL;
