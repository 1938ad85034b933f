-- +goose Up
-- One row per reconciliation against Stripe's Events API (the reconcile
-- command, the leader's periodic run, the console's button), so the console
-- can show the last runs. A row without finished_at is running, or its
-- process died; error is empty when every page was read.
CREATE TABLE reconcile_runs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trigger     text NOT NULL CHECK (trigger IN ('cli', 'periodic', 'console')),
    since       timestamptz NOT NULL,
    clamped     boolean NOT NULL DEFAULT false,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    accounts    integer NOT NULL DEFAULT 0,
    pages       integer NOT NULL DEFAULT 0,
    listed      integer NOT NULL DEFAULT 0,
    added       integer NOT NULL DEFAULT 0,
    known       integer NOT NULL DEFAULT 0,
    held        integer NOT NULL DEFAULT 0,
    ignored     integer NOT NULL DEFAULT 0,
    error       text NOT NULL DEFAULT ''
);
CREATE INDEX reconcile_runs_started_at ON reconcile_runs (started_at DESC, id DESC);

-- +goose Down
DROP TABLE reconcile_runs;
