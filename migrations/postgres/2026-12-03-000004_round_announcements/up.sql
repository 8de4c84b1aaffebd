-- Rounds the bot still has to announce (post as a round card), written in
-- the import's own transaction: a round imported just before the bot was
-- killed, or whose card Discord would not take for minutes, is announced
-- after the restart or the outage instead of being lost. Only the fetcher
-- of a running bot queues rounds; `etl-bot import` never does.
CREATE TABLE round_announcements (
    round_id BIGINT PRIMARY KEY REFERENCES rounds (id) ON DELETE CASCADE,
    queued_at TEXT NOT NULL,
    -- When the card went out or was given up; NULL while it waits.
    done_at TEXT,
    -- 'posted', or why it was not (too old, refused by Discord).
    outcome TEXT
);
-- The queue: waiting rounds in import order.
CREATE INDEX round_announcements_waiting ON round_announcements (done_at, round_id);
