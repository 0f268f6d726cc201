-- Every message and outbox row says which chat platform delivers it, and chat users are
-- qualified by their platform (`discord:123`; jsonl and console ids stay bare, as `local`).
ALTER TABLE messages ADD COLUMN platform TEXT NOT NULL DEFAULT 'local';
ALTER TABLE outbox ADD COLUMN platform TEXT NOT NULL DEFAULT 'local';
CREATE INDEX outbox_pending_by_platform ON outbox (platform, delivered_at, id);

-- A database the Discord adapter wrote (it alone records platform messages and DM channels):
-- its rows belong to Discord and its customers are Discord users. Ids that already carry a
-- prefix (`stripe:` for dispute cases) are left as they are.
CREATE TEMPORARY TABLE written_by_discord AS
    SELECT 1 AS yes WHERE EXISTS (SELECT 1 FROM platform_messages WHERE platform = 'discord')
                       OR EXISTS (SELECT 1 FROM platform_dm_channels WHERE platform = 'discord');
UPDATE messages SET platform = 'discord' WHERE EXISTS (SELECT 1 FROM written_by_discord);
UPDATE outbox SET platform = 'discord' WHERE EXISTS (SELECT 1 FROM written_by_discord);
UPDATE cases SET customer = 'discord:' || customer
    WHERE EXISTS (SELECT 1 FROM written_by_discord) AND customer NOT LIKE '%:%';
UPDATE customer_emails SET customer = 'discord:' || customer
    WHERE EXISTS (SELECT 1 FROM written_by_discord) AND customer NOT LIKE '%:%';
UPDATE messages SET recipient = 'dm:discord:' || substr(recipient, 4)
    WHERE platform = 'discord' AND recipient LIKE 'dm:%' AND substr(recipient, 4) NOT LIKE '%:%';
UPDATE outbox SET action_json = replace(action_json, '"to":"dm:', '"to":"dm:discord:')
    WHERE platform = 'discord' AND delivered_at IS NULL AND action_json NOT LIKE '%"to":"dm:stripe:%';
DROP TABLE written_by_discord;
