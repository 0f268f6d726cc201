-- The whole state of refund-bot. Times are RFC 3339 UTC text with milliseconds, so they sort.

CREATE TABLE orders (
    order_id          TEXT PRIMARY KEY,
    email             TEXT NOT NULL,
    sku               TEXT NOT NULL,
    product           TEXT NOT NULL,
    amount_minor      INTEGER NOT NULL,
    currency          TEXT NOT NULL,
    purchased_at      TEXT NOT NULL,
    usage_json        TEXT NOT NULL DEFAULT '{}',
    -- refunded before or outside this bot, as imported; the bot's own refunds are in `refunds`
    imported_refunded_minor INTEGER NOT NULL DEFAULT 0,
    charge_id         TEXT,
    payment_intent_id TEXT,
    imported_at       TEXT NOT NULL
);
CREATE INDEX orders_by_email ON orders (email);

CREATE TABLE cases (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    customer        TEXT NOT NULL,
    order_id        TEXT,
    email           TEXT,
    reason          TEXT,
    details         TEXT,
    resolution      TEXT,
    state           TEXT NOT NULL,
    outcome         TEXT NOT NULL DEFAULT 'open',
    intake_json     TEXT,
    verdict_json    TEXT,
    policy_hash     TEXT,
    decision_json   TEXT,
    flags_json      TEXT NOT NULL DEFAULT '[]',
    strikes         INTEGER NOT NULL DEFAULT 0,
    requested_at    TEXT NOT NULL,
    opened_at       TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    last_customer_at TEXT NOT NULL
);
-- One open case per order: a second request points to the first.
CREATE UNIQUE INDEX one_open_case_per_order ON cases (order_id) WHERE outcome = 'open' AND order_id IS NOT NULL;
CREATE INDEX cases_by_customer ON cases (customer, state);

CREATE TABLE events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id  INTEGER NOT NULL REFERENCES cases (id),
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    kind     TEXT NOT NULL,
    detail   TEXT NOT NULL
);
CREATE INDEX events_by_case ON events (case_id, id);

-- Every message the bot sent; `active` is cleared when its buttons are edited away.
CREATE TABLE messages (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id    INTEGER,
    recipient  TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    ref_id     INTEGER,
    text       TEXT NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE INDEX messages_by_case ON messages (case_id, recipient);

CREATE TABLE buttons (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id INTEGER NOT NULL REFERENCES messages (id),
    action     TEXT NOT NULL,
    label      TEXT NOT NULL
);
CREATE INDEX buttons_by_message ON buttons (message_id);

-- A reply that waits for an agent. `decision_json` is what approving it does.
CREATE TABLE drafts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id       INTEGER NOT NULL REFERENCES cases (id),
    kind          TEXT NOT NULL,
    text          TEXT NOT NULL,
    decision_json TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending',
    message_id    INTEGER,
    created_at    TEXT NOT NULL,
    decided_by    TEXT,
    decided_at    TEXT
);
CREATE INDEX drafts_by_case ON drafts (case_id, status);

CREATE TABLE escalations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    message_id  INTEGER,
    status      TEXT NOT NULL DEFAULT 'pending',
    created_at  TEXT NOT NULL,
    decided_by  TEXT,
    decided_at  TEXT
);
CREATE INDEX escalations_by_case ON escalations (case_id, status);

-- The ledger. `approval_key` makes one refund per approval, whatever is clicked twice.
CREATE TABLE refunds (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    order_id     TEXT NOT NULL,
    email        TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    status       TEXT NOT NULL,
    processor    TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    approval_key TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL
);
CREATE INDEX refunds_by_email ON refunds (email, status);
CREATE INDEX refunds_by_order ON refunds (order_id, status);

CREATE TABLE feedback (
    case_id INTEGER PRIMARY KEY REFERENCES cases (id),
    score   INTEGER NOT NULL,
    comment TEXT,
    at      TEXT NOT NULL
);

-- Outbound actions, written in the same transaction as the state change that caused them.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id      INTEGER,
    action_json  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    delivered_at TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    -- after a failed delivery: when to try again; after too many, dead_at (never a silent drop)
    next_attempt_at TEXT,
    dead_at      TEXT,
    last_error   TEXT
);
CREATE INDEX outbox_pending ON outbox (delivered_at, id);

-- Inbound platform events already handled, so a redelivered event is handled once.
CREATE TABLE inbound_seen (
    event_key TEXT PRIMARY KEY,
    at        TEXT NOT NULL
);

-- Scheduled work: reminders, follow-ups, idle timeouts. One live job per kind and case.
CREATE TABLE jobs (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    kind     TEXT NOT NULL,
    case_id  INTEGER NOT NULL REFERENCES cases (id),
    due_at   TEXT NOT NULL,
    UNIQUE (kind, case_id)
);
CREATE INDEX jobs_due ON jobs (due_at);

-- Emails a chat user has proved by an order id + email pair.
CREATE TABLE customer_emails (
    customer TEXT NOT NULL,
    email    TEXT NOT NULL,
    PRIMARY KEY (customer, email)
);
