package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

const orderColumns = `id, reference, buyer_account_id, seller_account_id, status, payment, dispute, amount,
	refunded_amount, currency, stripe_checkout_session_id, stripe_payment_intent_id, stripe_charge_id,
	last_error, created_at, updated_at`

func (s *Store) orders(ctx context.Context, op, where string, args ...any) ([]Order, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+orderColumns+` FROM orders WHERE `+where, args...)
	os, err := pgx.CollectRows(rows, pgx.RowToStructByName[Order])
	return os, mapErr(op, err)
}

func (s *Store) oneOrder(ctx context.Context, op, where string, args ...any) (Order, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+orderColumns+` FROM orders WHERE `+where, args...)
	o, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Order])
	return o, mapErr(op, err)
}

// OrderByID returns one order.
func (s *Store) OrderByID(ctx context.Context, id int64) (Order, error) {
	return s.oneOrder(ctx, "order by id", `id = $1`, id)
}

// OrderByPaymentIntent returns the order of a PaymentIntent.
func (s *Store) OrderByPaymentIntent(ctx context.Context, pi string) (Order, error) {
	return s.oneOrder(ctx, "order by payment intent", `stripe_payment_intent_id = $1`, pi)
}

// OrderByCharge returns the order of a charge.
func (s *Store) OrderByCharge(ctx context.Context, ch string) (Order, error) {
	return s.oneOrder(ctx, "order by charge", `stripe_charge_id = $1`, ch)
}

// OrdersByAccount lists an account's orders as buyer or seller, newest first.
func (s *Store) OrdersByAccount(ctx context.Context, accountID int64, limit int) ([]Order, error) {
	return s.orders(ctx, "orders by account",
		`buyer_account_id = $1 OR seller_account_id = $1 ORDER BY id DESC LIMIT $2`, accountID, limit)
}

// UpsertOrder merges what a payment event says into the order of its
// PaymentIntent (found by PaymentIntent, checkout session or charge), creating
// it when none exists. Call it holding LockKey on the PaymentIntent ID. Refunds
// and disputes recorded before the order existed are attached and counted.
func (s *Store) UpsertOrder(ctx context.Context, in OrderUpsert) (OrderChange, error) {
	var cur Order
	var err error = ErrNotFound
	if in.PaymentIntentID != "" {
		cur, err = s.OrderByPaymentIntent(ctx, in.PaymentIntentID)
	}
	if errors.Is(err, ErrNotFound) && in.CheckoutSessionID != "" {
		cur, err = s.oneOrder(ctx, "order by checkout session", `stripe_checkout_session_id = $1`, in.CheckoutSessionID)
	}
	if errors.Is(err, ErrNotFound) && in.ChargeID != "" {
		cur, err = s.OrderByCharge(ctx, in.ChargeID)
	}
	created := errors.Is(err, ErrNotFound)
	if err != nil && !created {
		return OrderChange{}, err
	}
	if created {
		cur = Order{Payment: PayPending, Dispute: DisputeNone, Status: OrderPending}
	}
	facts := cur.Facts().Merge(in.Facts)
	// Refunds and disputes recorded for this payment, including those that
	// arrived before it.
	var refunded int64
	var disputes []string
	var unattached bool
	if err := s.db.QueryRow(ctx, `
		SELECT
			(SELECT coalesce(sum(amount), 0) FROM refunds WHERE status IN ('succeeded', 'pending') AND
				((stripe_payment_intent_id = $1 AND $1 <> '') OR (stripe_charge_id = $2 AND $2 <> '') OR order_id = $3)),
			(SELECT coalesce(array_agg(stage ORDER BY created_at, id), '{}') FROM disputes WHERE
				(stripe_payment_intent_id = $1 AND $1 <> '') OR (stripe_charge_id = $2 AND $2 <> '') OR order_id = $3),
			EXISTS (SELECT 1 FROM refunds WHERE order_id IS NULL AND
				((stripe_payment_intent_id = $1 AND $1 <> '') OR (stripe_charge_id = $2 AND $2 <> '')))
			OR EXISTS (SELECT 1 FROM disputes WHERE order_id IS NULL AND
				((stripe_payment_intent_id = $1 AND $1 <> '') OR (stripe_charge_id = $2 AND $2 <> '')))`,
		in.PaymentIntentID, in.ChargeID, cur.ID).Scan(&refunded, &disputes, &unattached); err != nil {
		return OrderChange{}, mapErr("order refunds and disputes", err)
	}
	facts = facts.Merge(OrderFacts{RefundedAmount: refunded})
	// The newest dispute decides between open and closed.
	if len(disputes) > 0 {
		facts.Dispute = DisputeOrderFact(disputes[len(disputes)-1])
	}
	status := facts.Status()
	args := []any{cur.ID, in.Reference, in.BuyerAccountID, in.SellerAccountID, status, facts.Payment, facts.Dispute,
		facts.Amount, facts.RefundedAmount, in.Currency, in.CheckoutSessionID, in.PaymentIntentID, in.ChargeID, in.LastError}
	q := `
		UPDATE orders SET
			reference = CASE WHEN $2 <> '' THEN $2 ELSE reference END,
			buyer_account_id = coalesce(buyer_account_id, $3),
			seller_account_id = coalesce(seller_account_id, $4),
			status = $5, payment = $6, dispute = $7, amount = $8, refunded_amount = $9,
			currency = CASE WHEN $10 <> '' THEN $10 ELSE currency END,
			stripe_checkout_session_id = coalesce(stripe_checkout_session_id, nullif($11, '')),
			stripe_payment_intent_id = coalesce(stripe_payment_intent_id, nullif($12, '')),
			stripe_charge_id = coalesce(stripe_charge_id, nullif($13, '')),
			last_error = CASE WHEN $14 <> '' THEN $14 ELSE last_error END,
			updated_at = now()
		WHERE id = $1
		RETURNING ` + orderColumns
	if created {
		q = `
		INSERT INTO orders (reference, buyer_account_id, seller_account_id, status, payment, dispute, amount,
			refunded_amount, currency, stripe_checkout_session_id, stripe_payment_intent_id, stripe_charge_id, last_error)
		SELECT $2, $3, $4, $5, $6, $7, $8, $9, $10, nullif($11, ''), nullif($12, ''), nullif($13, ''), $14
		WHERE $1::bigint = 0
		RETURNING ` + orderColumns
		if s.dry != nil {
			// A dry run: a placeholder ID, so the sequence is not advanced.
			*s.dry--
			args = append(args, *s.dry)
			q = `
			INSERT INTO orders (id, reference, buyer_account_id, seller_account_id, status, payment, dispute, amount,
				refunded_amount, currency, stripe_checkout_session_id, stripe_payment_intent_id, stripe_charge_id, last_error)
			OVERRIDING SYSTEM VALUE
			SELECT $15, $2, $3, $4, $5, $6, $7, $8, $9, $10, nullif($11, ''), nullif($12, ''), nullif($13, ''), $14
			WHERE $1::bigint = 0
			RETURNING ` + orderColumns
		}
	}
	rows, _ := s.db.Query(ctx, q, args...)
	o, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Order])
	if err != nil {
		return OrderChange{}, mapErr("upsert order", err)
	}
	if unattached {
		if err := s.attach(ctx, o, in.PaymentIntentID, in.ChargeID); err != nil {
			return OrderChange{}, err
		}
	}
	return OrderChange{Order: o, Created: created, FromStatus: cur.Status}, nil
}

// attach links refunds and disputes recorded before their order to it.
func (s *Store) attach(ctx context.Context, o Order, pi, ch string) error {
	if _, err := s.db.Exec(ctx, `
		UPDATE refunds SET order_id = $1 WHERE order_id IS NULL AND
			((stripe_payment_intent_id = $2 AND $2 <> '') OR (stripe_charge_id = $3 AND $3 <> ''))`,
		o.ID, pi, ch); err != nil {
		return mapErr("attach refunds", err)
	}
	if _, err := s.db.Exec(ctx, `
		UPDATE disputes SET order_id = $1, account_id = coalesce(account_id, $4) WHERE order_id IS NULL AND
			((stripe_payment_intent_id = $2 AND $2 <> '') OR (stripe_charge_id = $3 AND $3 <> ''))`,
		o.ID, pi, ch, o.BuyerAccountID); err != nil {
		return mapErr("attach disputes", err)
	}
	return nil
}

// UpsertRefund records a refund; its amount never goes backwards and a final
// status never changes back to pending.
func (s *Store) UpsertRefund(ctx context.Context, r Refund) error {
	_, err := s.db.Exec(ctx, `
		INSERT INTO refunds (stripe_refund_id, stripe_payment_intent_id, stripe_charge_id, amount, currency, status)
		VALUES ($1, nullif($2, ''), nullif($3, ''), $4, $5, $6)
		ON CONFLICT (stripe_refund_id) DO UPDATE SET
			stripe_payment_intent_id = coalesce(refunds.stripe_payment_intent_id, EXCLUDED.stripe_payment_intent_id),
			stripe_charge_id = coalesce(refunds.stripe_charge_id, EXCLUDED.stripe_charge_id),
			amount = greatest(refunds.amount, EXCLUDED.amount),
			status = CASE WHEN refunds.status IN ('succeeded', 'failed', 'canceled') THEN refunds.status ELSE EXCLUDED.status END,
			updated_at = now()`,
		r.StripeRefundID, r.StripePaymentIntentID, r.StripeChargeID, r.Amount, r.Currency, r.Status)
	return mapErr("upsert refund", err)
}
