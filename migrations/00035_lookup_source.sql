-- +goose Up
-- A Checkout session looked up at Stripe for the success page enters the
-- ledger as an event of source 'lookup'.
ALTER TABLE stripe_events DROP CONSTRAINT stripe_events_source_check,
    ADD CONSTRAINT stripe_events_source_check CHECK (source IN ('webhook', 'reconcile', 'demo', 'lookup')) NOT VALID;

-- +goose Down
ALTER TABLE stripe_events DROP CONSTRAINT stripe_events_source_check,
    ADD CONSTRAINT stripe_events_source_check CHECK (source IN ('webhook', 'reconcile', 'demo')) NOT VALID;
