-- +goose Up
-- /audit filters by actor and by action, newest first (the subject already
-- has its index).
CREATE INDEX audit_log_actor_idx ON audit_log (lower(actor), id DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, id DESC);

-- +goose Down
DROP INDEX audit_log_actor_idx, audit_log_action_idx;
