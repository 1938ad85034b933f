-- +goose Up
-- A sign-in attempt takes its place in the throttle (counted as a failure)
-- before its password is checked, and gives it back when the password was
-- right: each hit needs an ID to be given back by.
ALTER TABLE throttle_hits ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;

-- +goose Down
ALTER TABLE throttle_hits DROP COLUMN id;
