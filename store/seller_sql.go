package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// The seller's views are scoped by the seller's account: a nil seller means
// every seller (an admin looking). Another seller's object is ErrNotFound.

// SellerOrders lists a seller's orders, newest first, below an order ID (0 for
// the first page).
func (s *Store) SellerOrders(ctx context.Context, seller *int64, beforeID int64, limit int) ([]Order, error) {
	return s.orders(ctx, "seller orders", `seller_account_id IS NOT NULL
		AND ($1::bigint IS NULL OR seller_account_id = $1)
		AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3`, seller, beforeID, limit)
}

const sellerDisputeFrom = ` FROM disputes d JOIN orders o ON o.id = d.order_id
	WHERE o.seller_account_id IS NOT NULL AND ($1::bigint IS NULL OR o.seller_account_id = $1)`

// SellerDisputes lists the disputes on a seller's orders, open ones by nearest
// evidence deadline first.
func (s *Store) SellerDisputes(ctx context.Context, seller *int64, limit int) ([]Dispute, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+prefixed("d.", disputeColumns)+sellerDisputeFrom+`
		ORDER BY d.queue_state DESC, d.evidence_due_by NULLS LAST, d.id LIMIT $2`, seller, limit)
	ds, err := pgx.CollectRows(rows, pgx.RowToStructByName[Dispute])
	return ds, mapErr("seller disputes", err)
}

// SellerDispute returns one dispute on a seller's order; any other is ErrNotFound.
func (s *Store) SellerDispute(ctx context.Context, seller *int64, id int64) (Dispute, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+prefixed("d.", disputeColumns)+sellerDisputeFrom+` AND d.id = $2`, seller, id)
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Dispute])
	return d, mapErr("seller dispute", err)
}

// PayoutFailure is a seller payout Stripe could not make.
type PayoutFailure struct {
	ID             int64     `db:"id"`
	StripePayoutID string    `db:"stripe_payout_id"`
	AccountID      *int64    `db:"account_id"`
	Amount         int64     `db:"amount"`
	Currency       string    `db:"currency"`
	FailureCode    string    `db:"failure_code"`
	FailureMessage string    `db:"failure_message"`
	UpdatedAt      time.Time `db:"updated_at"`
}

// SellerOrder returns one order of a seller's with its buyer and seller
// names; any other is ErrNotFound.
func (s *Store) SellerOrder(ctx context.Context, seller *int64, id int64) (OrderRow, error) {
	rows, _ := s.db.Query(ctx, orderRowSelect+`
		WHERE o.id = $2 AND o.seller_account_id IS NOT NULL AND ($1::bigint IS NULL OR o.seller_account_id = $1)`,
		seller, id)
	o, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[OrderRow])
	return o, mapErr("seller order", err)
}

// SellerDisputesBefore lists the disputes on a seller's orders newest first,
// below a dispute ID (0 for the first page).
func (s *Store) SellerDisputesBefore(ctx context.Context, seller *int64, beforeID int64, limit int) ([]Dispute, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+prefixed("d.", disputeColumns)+sellerDisputeFrom+`
		AND ($2 = 0 OR d.id < $2) ORDER BY d.id DESC LIMIT $3`, seller, beforeID, limit)
	ds, err := pgx.CollectRows(rows, pgx.RowToStructByName[Dispute])
	return ds, mapErr("seller disputes", err)
}

// SellerPayout is one of a seller's payouts, whatever its status.
type SellerPayout struct {
	ID             int64     `db:"id"`
	StripePayoutID string    `db:"stripe_payout_id"`
	Status         string    `db:"status"`
	Amount         int64     `db:"amount"`
	Currency       string    `db:"currency"`
	FailureCode    string    `db:"failure_code"`
	FailureMessage string    `db:"failure_message"`
	CreatedAt      time.Time `db:"created_at"`
}

// PayoutTotal is what a seller was paid, is being paid, and could not be
// paid, in one currency.
type PayoutTotal struct {
	Currency string `db:"currency"`
	Paid     int64  `db:"paid"`
	OnTheWay int64  `db:"on_the_way"` // pending or in transit
	Failed   int64  `db:"failed"`     // failed or canceled
	Count    int64  `db:"count"`
}

// SellerPayouts lists a seller's payouts, newest first.
func (s *Store) SellerPayouts(ctx context.Context, seller *int64, limit int) ([]SellerPayout, error) {
	rows, _ := s.db.Query(ctx, `
		SELECT id, stripe_payout_id, status, amount, currency, failure_code, failure_message, created_at
		FROM seller_payouts
		WHERE account_id IS NOT NULL AND ($1::bigint IS NULL OR account_id = $1)
		ORDER BY created_at DESC, id DESC LIMIT $2`, seller, limit)
	ps, err := pgx.CollectRows(rows, pgx.RowToStructByName[SellerPayout])
	return ps, mapErr("seller payouts", err)
}

// SellerPayoutTotals sums a seller's payouts by currency and outcome.
func (s *Store) SellerPayoutTotals(ctx context.Context, seller *int64) ([]PayoutTotal, error) {
	rows, _ := s.db.Query(ctx, `
		SELECT currency,
			coalesce(sum(amount) FILTER (WHERE status = 'paid'), 0)::bigint AS paid,
			coalesce(sum(amount) FILTER (WHERE status IN ('pending', 'in_transit')), 0)::bigint AS on_the_way,
			coalesce(sum(amount) FILTER (WHERE status IN ('failed', 'canceled')), 0)::bigint AS failed,
			count(*) AS count
		FROM seller_payouts
		WHERE account_id IS NOT NULL AND ($1::bigint IS NULL OR account_id = $1)
		GROUP BY currency ORDER BY currency`, seller)
	ts, err := pgx.CollectRows(rows, pgx.RowToStructByName[PayoutTotal])
	return ts, mapErr("seller payout totals", err)
}
