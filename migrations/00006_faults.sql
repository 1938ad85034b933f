-- +goose Up
-- A message is 'sending' from just before the SMTP conversation until its
-- outcome is recorded; one left 'sending' by a crash becomes 'unknown' and is
-- never sent again automatically (an admin may resend it: resends counts those).
ALTER TABLE messages DROP CONSTRAINT messages_status_check,
    ADD CONSTRAINT messages_status_check
        CHECK (status IN ('queued', 'sending', 'sent', 'outbox', 'degraded', 'failed', 'unknown')),
    ADD COLUMN resends integer NOT NULL DEFAULT 0;

-- Where a stored event came from: Stripe's webhook, reconciliation against
-- Stripe's Events API, or the demo loader.
ALTER TABLE stripe_events ADD COLUMN source text NOT NULL DEFAULT 'webhook';
ALTER TABLE stripe_events ADD CONSTRAINT stripe_events_source_check
    CHECK (source IN ('webhook', 'reconcile', 'demo')) NOT VALID;

-- +goose Down
ALTER TABLE stripe_events DROP CONSTRAINT stripe_events_source_check;
ALTER TABLE stripe_events DROP COLUMN source;
UPDATE messages SET status = 'degraded' WHERE status IN ('sending', 'unknown');
ALTER TABLE messages DROP COLUMN resends, DROP CONSTRAINT messages_status_check,
    ADD CONSTRAINT messages_status_check CHECK (status IN ('queued', 'sent', 'outbox', 'degraded', 'failed'));
