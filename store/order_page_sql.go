package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// OrderRowByID is one order with the names of its buyer and seller.
func (s *Store) OrderRowByID(ctx context.Context, id int64) (OrderRow, error) {
	rows, _ := s.db.Query(ctx, orderRowSelect+`
		WHERE o.id = $1`, id)
	o, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[OrderRow])
	return o, mapErr("order row by id", err)
}

// OrderMessages lists the emails sent about an order, oldest first.
func (s *Store) OrderMessages(ctx context.Context, orderID int64) ([]Message, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+messageColumns+` FROM messages WHERE order_id = $1 ORDER BY id`, orderID)
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByName[Message])
	return ms, mapErr("order messages", err)
}

// EventsAbout lists the Stripe events about any of the objects (a
// PaymentIntent, its charge, refunds, disputes), newest first: an order's
// timeline.
func (s *Store) EventsAbout(ctx context.Context, objectIDs []string, limit int) ([]Event, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+eventColumns+` FROM stripe_events
		WHERE object_id <> '' AND object_id = ANY($1) ORDER BY received_at DESC, id DESC LIMIT $2`, objectIDs, limit)
	evs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Event])
	return evs, mapErr("events about", err)
}
