-- A job may belong to no case (a weekly digest, a sweep). SQLite cannot drop NOT NULL, so the
-- table is rebuilt with its rows, its ids, the one live job per kind and case, and its index.
CREATE TABLE jobs_new (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    kind     TEXT NOT NULL,
    case_id  INTEGER REFERENCES cases (id),
    due_at   TEXT NOT NULL,
    UNIQUE (kind, case_id)
);
INSERT INTO jobs_new (id, kind, case_id, due_at) SELECT id, kind, case_id, due_at FROM jobs;
-- Ids of jobs already run are not handed out again.
DELETE FROM sqlite_sequence WHERE name = 'jobs_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'jobs_new', seq FROM sqlite_sequence WHERE name = 'jobs';
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;
CREATE INDEX jobs_due ON jobs (due_at);
