-- +goose Up
-- /metrics reads the CRM backlog (accounts with a change not yet in the CRM)
-- at every scrape: index only those rows, a handful among all accounts.
CREATE INDEX accounts_crm_backlog_idx ON accounts (crm_dirty_since) WHERE crm_dirty_since IS NOT NULL;

-- +goose Down
DROP INDEX accounts_crm_backlog_idx;
