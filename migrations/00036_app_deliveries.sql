-- +goose Up
-- Switchboard's own signed events to the marketplace app (APP_WEBHOOK_URL):
-- one row per event, written in the transaction that changed the object, with
-- the body as sent (its id stays the same across retries and redeliveries).
CREATE TABLE app_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id         text NOT NULL UNIQUE,
    type             text NOT NULL,
    object           text NOT NULL,
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         int NOT NULL DEFAULT 0,
    response_status  int,
    response_excerpt text NOT NULL DEFAULT '',
    last_error       text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz
);
CREATE INDEX app_deliveries_failed_idx ON app_deliveries (updated_at) WHERE status = 'failed';

-- The payment state the app was last told about, so a change is sent once.
ALTER TABLE accounts ADD COLUMN app_payment_state text;
UPDATE accounts SET app_payment_state = payment_state;

-- +goose Down
ALTER TABLE accounts DROP COLUMN app_payment_state;
DROP TABLE app_deliveries;
