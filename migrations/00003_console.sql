-- +goose Up
-- Console sessions, in the shape scs's pgxstore reads and writes.
CREATE TABLE sessions (
    token   text PRIMARY KEY,
    data    bytea NOT NULL,
    expiry  timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- What applying an event changed (the worker's Effects), shown on the event's page.
ALTER TABLE stripe_events ADD COLUMN effects jsonb;

-- The events list filters by type and pages by (received_at, id).
CREATE INDEX stripe_events_type_idx ON stripe_events (type, received_at DESC, id DESC);
-- Replaces the plain customer index: the same rows, in the order the list pages them.
DROP INDEX stripe_events_customer_idx;
CREATE INDEX stripe_events_customer_received_idx ON stripe_events (customer_id, received_at DESC, id DESC) WHERE customer_id <> '';

-- +goose Down
DROP INDEX stripe_events_customer_received_idx;
CREATE INDEX stripe_events_customer_idx ON stripe_events (customer_id) WHERE customer_id <> '';
DROP INDEX stripe_events_type_idx;
ALTER TABLE stripe_events DROP COLUMN effects;
DROP TABLE sessions;
