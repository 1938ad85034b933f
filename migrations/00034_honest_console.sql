-- +goose Up
-- A Stripe write that is still retrying says which attempt it is on, so the
-- console can say "not sent yet: retrying (attempt 3 of 6)" instead of "done".
ALTER TABLE refund_requests
    ADD COLUMN attempts int NOT NULL DEFAULT 0,
    ADD COLUMN max_attempts int NOT NULL DEFAULT 0;
ALTER TABLE dispute_evidence_submissions
    ADD COLUMN attempts int NOT NULL DEFAULT 0,
    ADD COLUMN max_attempts int NOT NULL DEFAULT 0;
-- Needs attention lists the writes that failed for good.
CREATE INDEX refund_requests_failed_idx ON refund_requests (updated_at) WHERE status = 'failed';
CREATE INDEX dispute_evidence_submissions_failed_idx ON dispute_evidence_submissions (dispute_id) WHERE status = 'failed';

-- An alert whose cause has cleared is resolved by Switchboard itself, and says
-- so: who resolved it (a person's email, or 'switchboard') and why.
ALTER TABLE alerts
    ADD COLUMN resolved_by text NOT NULL DEFAULT '',
    ADD COLUMN resolved_reason text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE alerts DROP COLUMN resolved_reason, DROP COLUMN resolved_by;
DROP INDEX dispute_evidence_submissions_failed_idx, refund_requests_failed_idx;
ALTER TABLE dispute_evidence_submissions DROP COLUMN max_attempts, DROP COLUMN attempts;
ALTER TABLE refund_requests DROP COLUMN max_attempts, DROP COLUMN attempts;
