-- +goose Up
-- Random secrets the server makes for itself on first use and every
-- instance shares (the key that signs reply Message-IDs, so a customer's
-- answer is trusted only when it names a reply this server sent).
CREATE TABLE server_secrets (
    name       text PRIMARY KEY,
    value      bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE server_secrets;
