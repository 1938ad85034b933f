-- +goose Up
-- A refund asked for from the console. The row is written first; its ID is
-- the Stripe idempotency key (refund-request-<id>), so a retried job or a
-- double click never refunds twice. The order itself changes only when
-- Stripe's refund events arrive: status here is the request's, not money's.
CREATE TABLE refund_requests (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id           bigint NOT NULL REFERENCES orders (id),
    -- form_key is the form's one-time key: the same form posted twice is one request.
    form_key           text NOT NULL UNIQUE,
    amount             bigint NOT NULL CHECK (amount > 0),
    currency           text NOT NULL,
    reason             text NOT NULL CHECK (reason IN ('requested_by_customer', 'duplicate', 'fraudulent')),
    note               text NOT NULL DEFAULT '',
    requested_by       text NOT NULL,
    status             text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'submitted', 'failed')),
    stripe_refund_id   text UNIQUE,
    stripe_request_id  text NOT NULL DEFAULT '',
    error_code         text NOT NULL DEFAULT '',
    error_message      text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refund_requests_order_idx ON refund_requests (order_id, id);

-- +goose Down
DROP TABLE refund_requests;
