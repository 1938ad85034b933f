-- +goose Up
-- A console user's signed-in sessions, for /account/security: each session
-- carries its sid (a random ID kept in the session's own data); a session
-- whose row is gone is signed out on its next request.
CREATE TABLE user_sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sid          text NOT NULL UNIQUE,
    -- when the session last proved the password (sign-in, or a password
    -- change made from it); users.sessions_valid_after ends older ones
    auth_at      timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    address      text NOT NULL DEFAULT '',
    user_agent   text NOT NULL DEFAULT ''
);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id, last_seen_at DESC);

-- +goose Down
DROP TABLE user_sessions;
