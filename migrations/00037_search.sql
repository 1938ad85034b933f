-- +goose Up
-- Search finds an order by the marketplace's reference (ORD-1001), any case.
CREATE INDEX orders_reference_idx ON orders (lower(reference)) WHERE reference <> '';

-- +goose Down
DROP INDEX orders_reference_idx;
