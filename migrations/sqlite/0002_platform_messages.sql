-- Where each of our messages landed on a chat platform, so edits and reactions find it again
-- after a restart (Discord reactions arrive with the platform's message id only).
CREATE TABLE platform_messages (
    message_id          INTEGER PRIMARY KEY REFERENCES messages (id),
    platform            TEXT NOT NULL,
    channel_id          TEXT NOT NULL,
    platform_message_id TEXT NOT NULL,
    UNIQUE (platform, platform_message_id)
);

-- A customer's direct-message channel on a platform.
CREATE TABLE platform_dm_channels (
    platform   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    PRIMARY KEY (platform, user_id)
);
