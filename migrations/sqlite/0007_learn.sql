-- Learning from refunds: erasures of a customer's personal data, spike incidents that group
-- cases for one manager decision, and the weekly digests already sent.

-- A case whose personal data was erased (by `customer forget` or by `[retention] days`).
ALTER TABLE cases ADD COLUMN erased_at TEXT;

-- Each erasure, without the email or the user it was about: when, who, how many cases.
CREATE TABLE erasures (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    -- `request` (customer forget) or `retention`
    cause     TEXT NOT NULL,
    cases     INTEGER NOT NULL,
    case_ids  TEXT NOT NULL
);

-- A spike of requests for one product (and reason): one managers' post, one decision for all.
CREATE TABLE incidents (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    sku         TEXT NOT NULL,
    product     TEXT NOT NULL,
    -- NULL: every reason
    reason      TEXT,
    -- `open` (waiting for managers), `approved`, `denied`
    state       TEXT NOT NULL DEFAULT 'open',
    message_id  INTEGER,
    opened_at   TEXT NOT NULL,
    decided_by  TEXT,
    decided_at  TEXT
);
CREATE UNIQUE INDEX one_open_incident ON incidents (sku, COALESCE(reason, '')) WHERE state = 'open';

-- The cases of an incident; a case belongs to one incident at most.
CREATE TABLE incident_cases (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    case_id     INTEGER NOT NULL UNIQUE REFERENCES cases (id),
    joined_at   TEXT NOT NULL,
    PRIMARY KEY (incident_id, case_id)
);

-- Weekly digests sent to managers: one per week, whatever restarts or replicas do.
CREATE TABLE digests (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    week_start  TEXT NOT NULL UNIQUE,
    sent_at     TEXT NOT NULL,
    message_id  INTEGER
);

-- A job that belongs to no case (a retention sweep, a digest) exists once per kind.
CREATE UNIQUE INDEX one_job_without_case ON jobs (kind) WHERE case_id IS NULL;
