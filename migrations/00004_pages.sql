-- +goose Up
-- Indexes for the console's customer, order and dispute pages, each checked
-- with EXPLAIN on a seeded database (switchboard seed; see README, Figures).

-- Customer search: a part of an email or a name (trigrams), an exact CRM
-- contact ID. pg_trgm ships with PostgreSQL (contrib) and is a trusted
-- extension: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX accounts_email_trgm_idx ON accounts USING gin (email gin_trgm_ops);
CREATE INDEX accounts_name_trgm_idx ON accounts USING gin (name gin_trgm_ops);
CREATE INDEX accounts_crm_contact_idx ON accounts (crm_contact_id) WHERE crm_contact_id IS NOT NULL;
-- The overview's last successful CRM sync (max over every account).
CREATE INDEX accounts_crm_synced_idx ON accounts (crm_last_synced_at) WHERE crm_last_synced_at IS NOT NULL;

-- The customer timeline: purchases and sales newest first.
CREATE INDEX orders_buyer_created_idx ON orders (buyer_account_id, created_at DESC, id DESC);
CREATE INDEX orders_seller_created_idx ON orders (seller_account_id, created_at DESC, id DESC);
CREATE INDEX refunds_order_idx ON refunds (order_id);
-- A seller's Connect events (account.updated, payout.*), which name no customer.
CREATE INDEX stripe_events_account_received_idx ON stripe_events (stripe_account, received_at DESC, id DESC)
    WHERE stripe_account <> '';

-- The orders list filtered by status, newest first.
CREATE INDEX orders_status_idx ON orders (status, id DESC);
-- The overview's payments settled in the last 24 hours.
CREATE INDEX orders_payment_updated_idx ON orders (payment, updated_at);

-- A dispute's ticket, for every row of the dispute queue. (The queue itself
-- walks disputes_open_idx by evidence deadline.)
CREATE INDEX tickets_dispute_idx ON tickets (dispute_id) WHERE dispute_id IS NOT NULL;

-- +goose Down
DROP INDEX tickets_dispute_idx;
DROP INDEX orders_payment_updated_idx;
DROP INDEX orders_status_idx;
DROP INDEX stripe_events_account_received_idx;
DROP INDEX refunds_order_idx;
DROP INDEX orders_seller_created_idx;
DROP INDEX orders_buyer_created_idx;
DROP INDEX accounts_crm_synced_idx;
DROP INDEX accounts_crm_contact_idx;
DROP INDEX accounts_name_trgm_idx;
DROP INDEX accounts_email_trgm_idx;
