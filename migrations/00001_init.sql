-- +goose Up
CREATE TABLE accounts (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email               text,
    name                text NOT NULL DEFAULT '',
    role                text NOT NULL DEFAULT 'buyer' CHECK (role IN ('buyer', 'seller')),
    plan_tier           text NOT NULL DEFAULT 'free',
    payment_state       text NOT NULL DEFAULT 'none'
                        CHECK (payment_state IN ('none', 'pending', 'active', 'past_due', 'refunded', 'disputed', 'canceled')),
    stripe_customer_id  text UNIQUE,
    stripe_account_id   text UNIQUE,
    crm_contact_id      text,
    crm_sync_status     text NOT NULL DEFAULT 'pending'
                        CHECK (crm_sync_status IN ('pending', 'synced', 'retrying', 'failed', 'disabled')),
    crm_sync_attempts   integer NOT NULL DEFAULT 0,
    crm_last_error      text NOT NULL DEFAULT '',
    crm_last_synced_at  timestamptz,
    -- created time of the newest Stripe customer event applied, so an older snapshot never overwrites a newer one
    stripe_customer_synced_at timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT accounts_email_shape CHECK (email IS NULL OR email LIKE '%_@_%')
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email));

CREATE TABLE orders (
    id                          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference                   text NOT NULL DEFAULT '',
    buyer_account_id            bigint REFERENCES accounts (id),
    seller_account_id           bigint REFERENCES accounts (id),
    status                      text NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'paid', 'failed', 'partially_refunded', 'refunded', 'disputed', 'charged_back')),
    -- the monotonic facts the status is derived from (store.OrderFacts)
    payment                     text NOT NULL DEFAULT 'pending' CHECK (payment IN ('pending', 'failed', 'succeeded')),
    dispute                     text NOT NULL DEFAULT 'none' CHECK (dispute IN ('none', 'open', 'won', 'lost')),
    amount                      bigint NOT NULL DEFAULT 0 CHECK (amount >= 0),
    refunded_amount             bigint NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0),
    currency                    text NOT NULL DEFAULT '',
    stripe_checkout_session_id  text UNIQUE,
    stripe_payment_intent_id    text UNIQUE,
    stripe_charge_id            text UNIQUE,
    last_error                  text NOT NULL DEFAULT '',
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_buyer_idx ON orders (buyer_account_id, id);
CREATE INDEX orders_seller_idx ON orders (seller_account_id, id);

CREATE TABLE subscriptions (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stripe_subscription_id  text NOT NULL UNIQUE,
    account_id              bigint REFERENCES accounts (id),
    status                  text NOT NULL CHECK (status IN ('pending', 'active', 'past_due', 'paused', 'canceled')),
    stripe_status           text NOT NULL,
    plan_tier               text NOT NULL DEFAULT '',
    current_period_end      timestamptz,
    canceled_at             timestamptz,
    stripe_synced_at        timestamptz NOT NULL,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_account_idx ON subscriptions (account_id);

CREATE TABLE invoices (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stripe_invoice_id       text NOT NULL UNIQUE,
    account_id              bigint REFERENCES accounts (id),
    stripe_subscription_id  text,
    stripe_payment_intent_id text UNIQUE,
    status                  text NOT NULL CHECK (status IN ('draft', 'open', 'paid', 'payment_failed', 'void', 'uncollectible')),
    amount_due              bigint NOT NULL DEFAULT 0,
    amount_paid             bigint NOT NULL DEFAULT 0,
    currency                text NOT NULL DEFAULT '',
    attempt_count           integer NOT NULL DEFAULT 0,
    -- set on the first failure only: repeated failures of one invoice count once
    first_failed_at         timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoices_account_idx ON invoices (account_id);

CREATE TABLE refunds (
    id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stripe_refund_id          text NOT NULL UNIQUE,
    order_id                  bigint REFERENCES orders (id),
    stripe_payment_intent_id  text,
    stripe_charge_id          text,
    amount                    bigint NOT NULL CHECK (amount >= 0),
    currency                  text NOT NULL DEFAULT '',
    status                    text NOT NULL CHECK (status IN ('pending', 'requires_action', 'succeeded', 'failed', 'canceled')),
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refunds_pi_idx ON refunds (stripe_payment_intent_id);
CREATE INDEX refunds_charge_idx ON refunds (stripe_charge_id);

CREATE TABLE disputes (
    id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stripe_dispute_id         text NOT NULL UNIQUE,
    order_id                  bigint REFERENCES orders (id),
    account_id                bigint REFERENCES accounts (id),
    stripe_charge_id          text,
    stripe_payment_intent_id  text,
    status                    text NOT NULL CHECK (status IN ('warning_needs_response', 'warning_under_review', 'warning_closed',
                              'needs_response', 'under_review', 'charge_refunded', 'won', 'lost', 'prevented')),
    queue_state               text NOT NULL DEFAULT 'open' CHECK (queue_state IN ('open', 'closed')),
    amount                    bigint NOT NULL DEFAULT 0,
    currency                  text NOT NULL DEFAULT '',
    reason                    text NOT NULL DEFAULT '',
    evidence_due_by           timestamptz,
    assigned_user_id          bigint,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX disputes_open_idx ON disputes (queue_state, evidence_due_by);
CREATE INDEX disputes_account_idx ON disputes (account_id);
CREATE INDEX disputes_order_idx ON disputes (order_id);

CREATE TABLE seller_payouts (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stripe_payout_id   text NOT NULL UNIQUE,
    account_id         bigint REFERENCES accounts (id),
    stripe_account_id  text NOT NULL DEFAULT '',
    status             text NOT NULL CHECK (status IN ('pending', 'in_transit', 'paid', 'failed', 'canceled')),
    amount             bigint NOT NULL DEFAULT 0,
    currency           text NOT NULL DEFAULT '',
    failure_code       text NOT NULL DEFAULT '',
    failure_message    text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX seller_payouts_account_idx ON seller_payouts (account_id);

-- The Stripe event ledger: the primary key is Stripe's event ID, so a duplicate delivery is a no-op.
CREATE TABLE stripe_events (
    id              text PRIMARY KEY CHECK (id LIKE 'evt_%'),
    type            text NOT NULL,
    api_version     text NOT NULL DEFAULT '',
    livemode        boolean NOT NULL,
    created         timestamptz NOT NULL,
    stripe_account  text NOT NULL DEFAULT '',
    object_id       text NOT NULL DEFAULT '',
    customer_id     text NOT NULL DEFAULT '',
    payload         bytea NOT NULL, -- the body exactly as Stripe signed it
    status          text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'processed', 'failed', 'ignored', 'held')),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text NOT NULL DEFAULT '',
    received_at     timestamptz NOT NULL DEFAULT now(),
    processed_at    timestamptz,
    request_id      text NOT NULL DEFAULT ''
);
CREATE INDEX stripe_events_received_idx ON stripe_events (received_at DESC, id DESC);
CREATE INDEX stripe_events_status_idx ON stripe_events (status, received_at DESC);
CREATE INDEX stripe_events_customer_idx ON stripe_events (customer_id) WHERE customer_id <> '';
CREATE INDEX stripe_events_object_idx ON stripe_events (object_id) WHERE object_id <> '';

-- Counters the webhook endpoint keeps for what it refuses or absorbs (no row to store for those).
CREATE TABLE webhook_counters (
    bucket  timestamptz NOT NULL,
    kind    text NOT NULL CHECK (kind IN ('bad_signature', 'bad_body', 'duplicate')),
    count   bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, kind)
);

CREATE TABLE users (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email          text NOT NULL CHECK (email LIKE '%_@_%'),
    password_hash  text NOT NULL,
    role           text NOT NULL CHECK (role IN ('admin', 'support', 'seller')),
    account_id     bigint REFERENCES accounts (id),
    disabled_at    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_seller_account CHECK (role <> 'seller' OR account_id IS NOT NULL)
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE api_tokens (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL CHECK (name <> ''),
    token_hash    bytea NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    action      text NOT NULL,
    subject     text NOT NULL DEFAULT '',
    detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_subject_idx ON audit_log (subject);

ALTER TABLE disputes ADD CONSTRAINT disputes_assigned_user_fkey FOREIGN KEY (assigned_user_id) REFERENCES users (id);

-- +goose Down
DROP TABLE audit_log, api_tokens, users, webhook_counters, stripe_events, seller_payouts, disputes,
    refunds, invoices, subscriptions, orders, accounts;
