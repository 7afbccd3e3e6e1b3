-- 政民互动: mailboxes (信箱, 留言板) in the catalog, each read of their lists, and the
-- messages they hold: letters read from a mailbox and records imported from internal
-- systems (12345 hotline work orders, a mailbox's back office), one table for both.
-- A message is keyed by (channel, number): a crawled letter's channel is its mailbox's
-- key and its number the letter's URL (or `title:…` for a letter shown without a link);
-- an imported record's channel is its 渠道 and its number its 编号.
-- Keep in step with ../sqlite/0010_messages.sql.

CREATE TABLE mailboxes (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    site        TEXT NOT NULL,
    name        TEXT NOT NULL,
    url         TEXT NOT NULL,
    units       TEXT NOT NULL,
    spec        TEXT NOT NULL,
    first_seen  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    removed_at  TIMESTAMPTZ
);

CREATE TABLE mailbox_reads (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mailbox_id    BIGINT NOT NULL REFERENCES mailboxes (id),
    at            TIMESTAMPTZ NOT NULL,
    outcome       TEXT NOT NULL,
    status        BIGINT,
    detail        TEXT,
    letters_found BIGINT NOT NULL DEFAULT 0,
    pages         BIGINT NOT NULL DEFAULT 0,
    UNIQUE (mailbox_id, at)
);

CREATE TABLE messages (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel             TEXT NOT NULL,
    number              TEXT NOT NULL,
    mailbox_id          BIGINT REFERENCES mailboxes (id),
    title               TEXT,
    url                 TEXT,
    -- 承办单位: the catalog's name where it maps, else as written
    unit                TEXT,
    category            TEXT,
    status              TEXT,
    withdrawn           BOOLEAN NOT NULL DEFAULT FALSE,
    received_on         DATE NOT NULL,
    -- false: no received date shown (不公开), received_on is the day first seen (日期不详)
    received_known      BOOLEAN NOT NULL DEFAULT TRUE,
    answered_on         DATE,
    -- true: answered_on is the day an answered status was first seen (估计)
    answered_estimated  BOOLEAN NOT NULL DEFAULT FALSE,
    -- 办理时限 of an imported record; NULL: reply_days working days after received_on
    deadline_on         DATE,
    reworked            BOOLEAN NOT NULL DEFAULT FALSE,
    -- the letter's own page was read (never again once answered)
    page_read           BOOLEAN NOT NULL DEFAULT FALSE,
    -- where an imported record came from: `row 12`
    row_ref             TEXT,
    first_seen          TIMESTAMPTZ NOT NULL,
    last_seen           TIMESTAMPTZ NOT NULL,
    UNIQUE (channel, number)
);
CREATE INDEX messages_received ON messages (received_on);
