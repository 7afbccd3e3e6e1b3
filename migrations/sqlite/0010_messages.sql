-- 政民互动: mailboxes (信箱, 留言板) in the catalog, each read of their lists, and the
-- messages they hold: letters read from a mailbox and records imported from internal
-- systems (12345 hotline work orders, a mailbox's back office), one table for both.
-- A message is keyed by (channel, number): a crawled letter's channel is its mailbox's
-- key and its number the letter's URL (or `title:…` for a letter shown without a link);
-- an imported record's channel is its 渠道 and its number its 编号.
-- Keep in step with ../postgres/0010_messages.sql.

CREATE TABLE mailboxes (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    site        TEXT NOT NULL,
    name        TEXT NOT NULL,
    url         TEXT NOT NULL,
    units       TEXT NOT NULL,
    spec        TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    removed_at  TEXT
);

CREATE TABLE mailbox_reads (
    id            INTEGER PRIMARY KEY,
    mailbox_id    INTEGER NOT NULL REFERENCES mailboxes (id),
    at            TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    status        INTEGER,
    detail        TEXT,
    letters_found INTEGER NOT NULL DEFAULT 0,
    pages         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (mailbox_id, at)
);

CREATE TABLE messages (
    id                  INTEGER PRIMARY KEY,
    channel             TEXT NOT NULL,
    number              TEXT NOT NULL,
    mailbox_id          INTEGER REFERENCES mailboxes (id),
    title               TEXT,
    url                 TEXT,
    -- 承办单位: the catalog's name where it maps, else as written
    unit                TEXT,
    category            TEXT,
    status              TEXT,
    withdrawn           INTEGER NOT NULL DEFAULT 0,
    received_on         TEXT NOT NULL,
    -- 0: no received date shown (不公开), received_on is the day first seen (日期不详)
    received_known      INTEGER NOT NULL DEFAULT 1,
    answered_on         TEXT,
    -- 1: answered_on is the day an answered status was first seen (估计)
    answered_estimated  INTEGER NOT NULL DEFAULT 0,
    -- 办理时限 of an imported record; NULL: reply_days working days after received_on
    deadline_on         TEXT,
    reworked            INTEGER NOT NULL DEFAULT 0,
    -- the letter's own page was read (never again once answered)
    page_read           INTEGER NOT NULL DEFAULT 0,
    -- where an imported record came from: `row 12`
    row_ref             TEXT,
    first_seen          TEXT NOT NULL,
    last_seen           TEXT NOT NULL,
    UNIQUE (channel, number)
);
CREATE INDEX messages_received ON messages (received_on);
