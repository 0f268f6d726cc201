-- Live conversations (CONTRACTS section 4, "Case threads and live conversations").
-- One row per case that has a staff thread: its card (the case's first post in the agents'
-- channel), whether people or the bot speak to the customer, and the agent who took it over.
CREATE TABLE case_threads (
    case_id         INTEGER PRIMARY KEY REFERENCES cases (id),
    card_message_id INTEGER NOT NULL REFERENCES messages (id),
    -- the status line last shown on the card, so it is edited only when it changes
    card_status     TEXT,
    live            TEXT NOT NULL DEFAULT 'off',
    agent           TEXT,
    agent_name      TEXT,
    -- the customer's first message not answered by an agent yet (the idle reminder counts from it)
    waiting_since   TEXT
);
-- What the bot waits for after a message to a customer, so a hand-back can ask it again.
ALTER TABLE messages ADD COLUMN expects TEXT;
-- A card's buttons change with the case (take over, hand back, close): old ones are retired.
ALTER TABLE buttons ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;
-- A delivery the platform refused for good (the customer closed their DMs): never retried,
-- reported once in the case's thread and timeline.
ALTER TABLE outbox ADD COLUMN refused INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN refusal_reported_at TEXT;
