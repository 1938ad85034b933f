package store

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"
)

// Checkout session states, for the marketplace's success page.
const (
	CheckoutPending = "pending" // no payment yet (or Switchboard has not heard of the session)
	CheckoutPaid    = "paid"
	CheckoutFailed  = "failed"
	CheckoutExpired = "expired"
	CheckoutUnknown = "unknown" // Stripe does not know the session
)

// CheckoutSession is where a Stripe Checkout session stands, with its order
// once there is one.
type CheckoutSession struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Order  *Order `json:"order"`
}

// CheckoutStatus is the rule for a session's state from its order (nil
// before there is one) and the types of the ledger's events about it: an
// order that was paid stays paid whatever followed (refunds and disputes are
// the order's story); a session that expired unpaid is expired.
func CheckoutStatus(o *Order, eventTypes []string) string {
	if o != nil {
		switch o.Status {
		case OrderPaid, OrderPartiallyRefunded, OrderRefunded, OrderDisputed, OrderChargedBack:
			return CheckoutPaid
		case OrderFailed:
			return CheckoutFailed
		}
	}
	switch {
	case slices.Contains(eventTypes, "checkout.session.async_payment_failed"):
		return CheckoutFailed
	case slices.Contains(eventTypes, "checkout.session.expired"):
		return CheckoutExpired
	}
	return CheckoutPending
}

// CheckoutSessionByID answers from the ledger: the session's order and the
// events about it. A session the ledger has never heard of is pending.
func (s *Store) CheckoutSessionByID(ctx context.Context, id string) (CheckoutSession, error) {
	cs := CheckoutSession{ID: id}
	o, err := s.OrderByCheckoutSession(ctx, id)
	switch {
	case err == nil:
		cs.Order = &o
	case !errors.Is(err, ErrNotFound):
		return cs, err
	}
	rows, _ := s.db.Query(ctx, `SELECT DISTINCT type FROM stripe_events WHERE object_id = $1`, id)
	types, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return cs, mapErr("checkout session events", err)
	}
	cs.Status = CheckoutStatus(cs.Order, types)
	return cs, nil
}

// OrderByCheckoutSession returns the order of a Stripe Checkout session.
func (s *Store) OrderByCheckoutSession(ctx context.Context, id string) (Order, error) {
	return s.oneOrder(ctx, "order by checkout session", `stripe_checkout_session_id = $1`, id)
}
