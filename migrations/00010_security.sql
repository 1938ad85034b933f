-- +goose Up
-- Throttles that hold across instances: one row per counted failure (a bad
-- sign-in, a bad webhook signature) under a key such as "login:addr:IP".
-- Rows older than the longest window are pruned as keys are written.
CREATE TABLE throttle_hits (
    key  text NOT NULL,
    at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX throttle_hits_key_at_idx ON throttle_hits (key, at);
CREATE INDEX throttle_hits_at_idx ON throttle_hits (at);

-- API token scopes. Tokens made before scopes existed keep every scope.
ALTER TABLE api_tokens ADD COLUMN scopes text[] NOT NULL
    DEFAULT '{tickets:write,signups:write,read,metrics}';
ALTER TABLE api_tokens ALTER COLUMN scopes DROP DEFAULT;

-- Sessions signed in before this instant are ended (a password reset).
ALTER TABLE users ADD COLUMN sessions_valid_after timestamptz;

-- +goose Down
ALTER TABLE users DROP COLUMN sessions_valid_after;
ALTER TABLE api_tokens DROP COLUMN scopes;
DROP TABLE throttle_hits;
