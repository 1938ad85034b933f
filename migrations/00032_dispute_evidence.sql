-- +goose Up
-- A dispute's evidence as drafted in the console: one draft per dispute, saved
-- as often as staff like, never sent to Stripe by saving.
CREATE TABLE dispute_evidence (
    dispute_id                bigint PRIMARY KEY REFERENCES disputes (id),
    product_description       text NOT NULL DEFAULT '',
    customer_communication    text NOT NULL DEFAULT '',
    shipping_carrier          text NOT NULL DEFAULT '',
    shipping_tracking_number  text NOT NULL DEFAULT '',
    refund_policy             text NOT NULL DEFAULT '',
    uncategorized_text        text NOT NULL DEFAULT '',
    updated_by                text NOT NULL,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now()
);

-- A submission of a dispute's evidence to Stripe. The row is written first,
-- with the evidence as it was then; its ID is the Stripe idempotency key
-- (switchboard-dispute-evidence-<id>), so a retried job or a double click
-- never submits twice. Status is ours, about asking Stripe; the dispute's
-- own status changes only when Stripe's dispute events arrive.
CREATE TABLE dispute_evidence_submissions (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dispute_id         bigint NOT NULL REFERENCES disputes (id),
    -- form_key is the form's one-time key: the same form posted twice is one submission.
    form_key           text NOT NULL UNIQUE,
    evidence           jsonb NOT NULL,
    submitted_by       text NOT NULL,
    status             text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'submitted', 'failed')),
    stripe_request_id  text NOT NULL DEFAULT '',
    error_code         text NOT NULL DEFAULT '',
    error_message      text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
-- Stripe takes evidence once: at most one submission a dispute that has not
-- failed, whichever form or tab it came from.
CREATE UNIQUE INDEX dispute_evidence_submissions_once_idx ON dispute_evidence_submissions (dispute_id)
    WHERE status <> 'failed';
CREATE INDEX dispute_evidence_submissions_dispute_idx ON dispute_evidence_submissions (dispute_id, id);

-- +goose Down
DROP TABLE dispute_evidence_submissions;
DROP TABLE dispute_evidence;
