-- Group-chat alerts ([[notify.webhook]]): what each robot was sent, the notifications
-- table's shape with a robot in place of the (week, address). A robot is its `name`, or
-- its kind and a digest of its URL: the URL holds the robot's key and is never stored.
-- `body` is the JSON posted, kept so that a retry sends what was composed (DingTalk's
-- signature is added at each attempt). A message is recorded, with the events it tells,
-- before it is posted; an event (`opened:ID`, `rectified:ID`, `overdue:ID`) is told to a
-- robot once. `webhook_cursors` is the instant up to which a robot's changes were looked
-- at, so a cycle whose alerts were never composed is caught up by the next.
-- Keep in step with ../postgres/0016_webhooks.sql.
CREATE TABLE webhook_messages (
    id          INTEGER PRIMARY KEY,
    robot       TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
);
CREATE INDEX webhook_messages_queued ON webhook_messages (robot, id) WHERE status = 'queued';

CREATE TABLE webhook_events (
    robot       TEXT NOT NULL,
    event_key   TEXT NOT NULL,
    message_id  INTEGER NOT NULL REFERENCES webhook_messages (id),
    PRIMARY KEY (robot, event_key)
);

CREATE TABLE webhook_cursors (
    robot       TEXT PRIMARY KEY,
    through     TEXT NOT NULL
);
