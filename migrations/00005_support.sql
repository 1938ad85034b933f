-- +goose Up
-- The console's message log filters by status and pages by id.
CREATE INDEX messages_status_idx ON messages (status, id DESC);
-- The alerts page pages every state by (last_seen_at, id); open alerts keep
-- their partial index.
CREATE INDEX alerts_seen_idx ON alerts (last_seen_at DESC, id DESC);

-- +goose Down
DROP INDEX alerts_seen_idx;
DROP INDEX messages_status_idx;
