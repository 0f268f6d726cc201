-- The language the customer writes in (an ISO 639-1 code such as `es`) and how it was read
-- (`guess`, `platform` or `text`); both empty until the customer's words or platform tell.
ALTER TABLE cases ADD COLUMN language TEXT;
ALTER TABLE cases ADD COLUMN language_source TEXT;
