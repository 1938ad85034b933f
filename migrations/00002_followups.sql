-- +goose Up
-- CRM sync bookkeeping: every change that must reach the CRM bumps
-- crm_sync_version; the worker records the version it pushed, so a change made
-- while a push is in flight is pushed again instead of being lost.
ALTER TABLE accounts
    ADD COLUMN crm_sync_version    bigint NOT NULL DEFAULT 0,
    ADD COLUMN crm_synced_version  bigint NOT NULL DEFAULT 0,
    -- when the oldest change not yet in the CRM happened (for the latency figure)
    ADD COLUMN crm_dirty_since     timestamptz;

-- One row per successful push: how long a change took to reach the CRM.
CREATE TABLE crm_syncs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    bigint NOT NULL REFERENCES accounts (id),
    contact_id    text NOT NULL DEFAULT '',
    provider      text NOT NULL,
    requested_at  timestamptz NOT NULL,
    synced_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX crm_syncs_synced_idx ON crm_syncs (synced_at DESC);
CREATE INDEX crm_syncs_account_idx ON crm_syncs (account_id);

-- One row per problem: raising the same kind and subject again counts it.
CREATE TABLE alerts (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             text NOT NULL,
    subject          text NOT NULL DEFAULT '',
    severity         text NOT NULL DEFAULT 'warning' CHECK (severity IN ('info', 'warning', 'critical')),
    message          text NOT NULL,
    count            bigint NOT NULL DEFAULT 1,
    first_seen_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at     timestamptz NOT NULL DEFAULT now(),
    acknowledged_at  timestamptz,
    acknowledged_by  text NOT NULL DEFAULT '',
    resolved_at      timestamptz,
    notified_at      timestamptz,
    delivery_error   text NOT NULL DEFAULT '',
    UNIQUE (kind, subject)
);
CREATE INDEX alerts_open_idx ON alerts (last_seen_at DESC) WHERE resolved_at IS NULL;

-- Outgoing customer mail: one row per business event (the idempotency key), so
-- a message is sent once however often its job runs. With no SMTP configured
-- the rendered message stays here with status 'outbox'.
CREATE TABLE messages (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key           text NOT NULL UNIQUE,
    kind          text NOT NULL CHECK (kind IN ('order_confirmation', 'refund_notice', 'payment_failed', 'alert')),
    account_id    bigint REFERENCES accounts (id),
    order_id      bigint REFERENCES orders (id),
    to_addr       text NOT NULL,
    subject       text NOT NULL DEFAULT '',
    text_body     text NOT NULL DEFAULT '',
    html_body     text NOT NULL DEFAULT '',
    detail        jsonb NOT NULL DEFAULT '{}',
    status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'outbox', 'degraded', 'failed')),
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz
);
CREATE INDEX messages_account_idx ON messages (account_id, id DESC);
CREATE INDEX messages_outbox_idx ON messages (id DESC) WHERE status = 'outbox';

CREATE TABLE tickets (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id       bigint REFERENCES accounts (id),
    dispute_id       bigint REFERENCES disputes (id),
    requester_email  text NOT NULL,
    channel          text NOT NULL CHECK (channel IN ('api', 'email', 'stripe', 'console')),
    -- the source's own ID (an inbound MessageID, a dispute), so a retried delivery opens one ticket
    source_key       text UNIQUE,
    subject          text NOT NULL,
    body             text NOT NULL,
    queue            text NOT NULL CHECK (queue IN ('billing', 'disputes', 'sellers', 'general')),
    priority         text NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'high')),
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'pending', 'solved', 'closed')),
    tags             text[] NOT NULL DEFAULT '{}',
    -- the account as it was when the ticket arrived (the enrichment panel)
    role             text NOT NULL DEFAULT '',
    plan_tier        text NOT NULL DEFAULT '',
    payment_state    text NOT NULL DEFAULT '',
    last_action      text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tickets_queue_idx ON tickets (queue, status, id DESC);
CREATE INDEX tickets_account_idx ON tickets (account_id, id DESC);

CREATE TABLE ticket_notes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id   bigint NOT NULL REFERENCES tickets (id),
    author      text NOT NULL,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ticket_notes_ticket_idx ON ticket_notes (ticket_id, id);

-- +goose Down
DROP TABLE ticket_notes, tickets, messages, alerts, crm_syncs;
ALTER TABLE accounts DROP COLUMN crm_sync_version, DROP COLUMN crm_synced_version, DROP COLUMN crm_dirty_since;
