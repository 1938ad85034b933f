-- +goose Up
-- The overview's "Needs attention" list runs at every poll: index only the
-- rows it reads (accounts failing to reach the CRM, failed payouts), a
-- handful among all.
CREATE INDEX accounts_crm_failing_idx ON accounts (crm_dirty_since) WHERE crm_sync_status IN ('retrying', 'failed');
CREATE INDEX seller_payouts_failed_idx ON seller_payouts (updated_at DESC) WHERE status = 'failed';

-- +goose Down
DROP INDEX seller_payouts_failed_idx;
DROP INDEX accounts_crm_failing_idx;
