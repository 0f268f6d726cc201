-- Setup problems the bot found on a chat platform (a permission it lacks in a channel), told to
-- the managers once: a row here is "already told", across restarts and replicas.
CREATE TABLE platform_warnings (
    platform   TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    permission TEXT NOT NULL,
    warned_at  TEXT NOT NULL,
    PRIMARY KEY (platform, channel_id, permission)
);

-- The destination of each outbox action (a customer's DM, a staff channel): one lane's actions
-- go out in order, lanes side by side. Rows from before have none and form one lane.
ALTER TABLE outbox ADD COLUMN lane TEXT;
CREATE INDEX outbox_pending_by_lane ON outbox (platform, lane, id) WHERE delivered_at IS NULL;
