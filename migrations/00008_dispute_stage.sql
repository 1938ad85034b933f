-- +goose Up
-- A dispute's stage in our own words (jobs/statusmap.go maps Stripe's status to
-- it); the status column keeps Stripe's word for display and the API.
ALTER TABLE disputes ADD COLUMN stage text NOT NULL DEFAULT 'needs_response'
    CHECK (stage IN ('needs_response', 'under_review', 'won', 'lost', 'refunded'));
UPDATE disputes SET stage = CASE status
    WHEN 'warning_needs_response' THEN 'needs_response'
    WHEN 'needs_response' THEN 'needs_response'
    WHEN 'warning_under_review' THEN 'under_review'
    WHEN 'under_review' THEN 'under_review'
    WHEN 'lost' THEN 'lost'
    WHEN 'charge_refunded' THEN 'refunded'
    ELSE 'won' END;

-- +goose Down
ALTER TABLE disputes DROP COLUMN stage;
