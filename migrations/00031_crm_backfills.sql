-- +goose Up
-- A CRM backfill: every account never synced, or last synced before
-- `before`, gets a sync scheduled at a rate HubSpot's limits hold. Progress is
-- computed from the accounts themselves (see store.CRMBackfills).
CREATE TABLE crm_backfills (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    requested_by  text NOT NULL,
    before        timestamptz,
    total         integer NOT NULL DEFAULT 0,
    enqueued      integer NOT NULL DEFAULT 0,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);
-- The backfill pages through accounts never synced or synced long ago.
CREATE INDEX accounts_crm_last_synced_idx ON accounts (crm_last_synced_at NULLS FIRST, id);

-- +goose Down
DROP INDEX accounts_crm_last_synced_idx;
DROP TABLE crm_backfills;
