-- Refunds executed by a payment processor (Stripe): the row is written before the call, and
-- `idempotency_key` is what every attempt sends, so a retry after a crash is a replay.
ALTER TABLE refunds ADD COLUMN idempotency_key TEXT;
ALTER TABLE refunds ADD COLUMN processor_refund_id TEXT;
ALTER TABLE refunds ADD COLUMN last_error TEXT;
ALTER TABLE refunds ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
