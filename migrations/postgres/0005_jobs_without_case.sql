-- A job may belong to no case (a weekly digest, a sweep).
ALTER TABLE jobs ALTER COLUMN case_id DROP NOT NULL;
