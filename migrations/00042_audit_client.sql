-- +goose Up
-- Every audit entry says where the change came from: the client's address
-- (after TRUSTED_PROXIES), its user agent and the request's ID (empty for
-- commands and workers).
ALTER TABLE audit_log
    ADD COLUMN address text NOT NULL DEFAULT '',
    ADD COLUMN user_agent text NOT NULL DEFAULT '',
    ADD COLUMN request_id text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE audit_log DROP COLUMN address, DROP COLUMN user_agent, DROP COLUMN request_id;
