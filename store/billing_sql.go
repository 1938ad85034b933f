package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

const disputeColumns = `id, stripe_dispute_id, order_id, account_id, stripe_charge_id, stripe_payment_intent_id,
	status, stage, queue_state, amount, currency, reason, evidence_due_by, assigned_user_id, created_at, updated_at`

// DisputeByStripeID returns one dispute.
func (s *Store) DisputeByStripeID(ctx context.Context, id string) (Dispute, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+disputeColumns+` FROM disputes WHERE stripe_dispute_id = $1`, id)
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Dispute])
	return d, mapErr("dispute by stripe id", err)
}

// Disputes lists disputes, optionally of one status, open ones by nearest
// evidence deadline first.
func (s *Store) Disputes(ctx context.Context, status string, limit int) ([]Dispute, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+disputeColumns+` FROM disputes
		WHERE ($1 = '' OR status = $1)
		ORDER BY queue_state DESC, evidence_due_by NULLS LAST, id LIMIT $2`, status, limit)
	ds, err := pgx.CollectRows(rows, pgx.RowToStructByName[Dispute])
	return ds, mapErr("disputes", err)
}

// DisputeChange says what a dispute upsert did.
type DisputeChange struct {
	Dispute    Dispute
	Created    bool
	FromStatus string
	Applied    bool // false when the update was stale and changed nothing
}

// UpsertDispute records a dispute; a stale status never reopens a closed one.
// Call it holding LockKey on the dispute's PaymentIntent (or charge).
func (s *Store) UpsertDispute(ctx context.Context, in DisputeUpsert, orderID, accountID *int64) (DisputeChange, error) {
	cur, err := s.DisputeByStripeID(ctx, in.StripeDisputeID)
	if errors.Is(err, ErrNotFound) {
		queue := QueueOpen
		if DisputeClosed(in.Stage) {
			queue = QueueClosed
		}
		rows, _ := s.db.Query(ctx, `
			INSERT INTO disputes (stripe_dispute_id, order_id, account_id, stripe_charge_id, stripe_payment_intent_id,
				status, stage, queue_state, amount, currency, reason, evidence_due_by)
			VALUES ($1, $2, $3, nullif($4, ''), nullif($5, ''), $6, $7, $8, $9, $10, $11, $12)
			RETURNING `+disputeColumns,
			in.StripeDisputeID, orderID, accountID, in.StripeChargeID, in.StripePaymentIntentID, in.Status, in.Stage, queue,
			in.Amount, in.Currency, in.Reason, in.EvidenceDueBy)
		d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Dispute])
		if err != nil {
			return DisputeChange{}, mapErr("insert dispute", err)
		}
		return DisputeChange{Dispute: d, Created: true, Applied: true}, nil
	}
	if err != nil {
		return DisputeChange{}, err
	}
	if !DisputeAdvances(cur.Stage, in.Stage) {
		return DisputeChange{Dispute: cur, FromStatus: cur.Status}, nil
	}
	queue := cur.QueueState
	if DisputeClosed(in.Stage) {
		queue = QueueClosed
	}
	rows, _ := s.db.Query(ctx, `
		UPDATE disputes SET status = $2, stage = $9, queue_state = $3, amount = $4,
			reason = CASE WHEN $5 <> '' THEN $5 ELSE reason END,
			evidence_due_by = coalesce($6, evidence_due_by),
			order_id = coalesce(order_id, $7), account_id = coalesce(account_id, $8), updated_at = now()
		WHERE id = $1 RETURNING `+disputeColumns,
		cur.ID, in.Status, queue, in.Amount, in.Reason, in.EvidenceDueBy, orderID, accountID, in.Stage)
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Dispute])
	if err != nil {
		return DisputeChange{}, mapErr("update dispute", err)
	}
	return DisputeChange{Dispute: d, FromStatus: cur.Status, Applied: true}, nil
}

// SubscriptionChange says what a subscription upsert did.
type SubscriptionChange struct {
	FromStatus string
	Status     string
	Applied    bool
}

// UpsertSubscription records a subscription snapshot. A canceled subscription
// stays canceled, and a snapshot older than the stored one changes nothing.
func (s *Store) UpsertSubscription(ctx context.Context, in Subscription) (SubscriptionChange, error) {
	var from string
	err := s.db.QueryRow(ctx, `SELECT status FROM subscriptions WHERE stripe_subscription_id = $1`, in.StripeSubscriptionID).Scan(&from)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return SubscriptionChange{}, mapErr("subscription status", err)
	}
	tag, err := s.db.Exec(ctx, `
		INSERT INTO subscriptions (stripe_subscription_id, account_id, status, stripe_status, plan_tier,
			current_period_end, canceled_at, stripe_synced_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (stripe_subscription_id) DO UPDATE SET
			account_id = coalesce(subscriptions.account_id, EXCLUDED.account_id),
			status = EXCLUDED.status, stripe_status = EXCLUDED.stripe_status,
			plan_tier = CASE WHEN EXCLUDED.plan_tier <> '' THEN EXCLUDED.plan_tier ELSE subscriptions.plan_tier END,
			current_period_end = coalesce(EXCLUDED.current_period_end, subscriptions.current_period_end),
			canceled_at = coalesce(EXCLUDED.canceled_at, subscriptions.canceled_at),
			stripe_synced_at = EXCLUDED.stripe_synced_at, updated_at = now()
		WHERE subscriptions.status <> 'canceled'
			AND (subscriptions.stripe_synced_at <= EXCLUDED.stripe_synced_at OR EXCLUDED.status = 'canceled')`,
		in.StripeSubscriptionID, in.AccountID, in.Status, in.StripeStatus, in.PlanTier, in.CurrentPeriodEnd,
		in.CanceledAt, in.SeenAt)
	if err != nil {
		return SubscriptionChange{}, mapErr("upsert subscription", err)
	}
	ch := SubscriptionChange{FromStatus: from, Status: from, Applied: tag.RowsAffected() == 1}
	if ch.Applied {
		ch.Status = in.Status
	}
	return ch, nil
}

// SetSubscriptionStatus moves a subscription to a status when it is not
// canceled (for invoice outcomes that arrive without a subscription snapshot).
func (s *Store) SetSubscriptionStatus(ctx context.Context, stripeID, status string) error {
	_, err := s.db.Exec(ctx, `
		UPDATE subscriptions SET status = $2, updated_at = now()
		WHERE stripe_subscription_id = $1 AND status <> 'canceled' AND status <> $2`, stripeID, status)
	return mapErr("set subscription status", err)
}

// InvoiceChange says what an invoice upsert did.
type InvoiceChange struct {
	FirstFailure bool // this is the invoice's first failed payment
	FromStatus   string
	Status       string // the status stored after the upsert
}

var invoiceRank = map[string]int{"draft": 0, "open": 1, "payment_failed": 2, "paid": 3, "void": 3, "uncollectible": 3}

// UpsertInvoice records an invoice; a final status (paid, void, uncollectible)
// never goes back, and repeated failures of one invoice are noted once.
func (s *Store) UpsertInvoice(ctx context.Context, in Invoice) (InvoiceChange, error) {
	var from string
	err := s.db.QueryRow(ctx, `SELECT status FROM invoices WHERE stripe_invoice_id = $1 FOR UPDATE`, in.StripeInvoiceID).Scan(&from)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return InvoiceChange{}, mapErr("invoice status", err)
	}
	status := in.Status
	if from != "" && invoiceRank[from] > invoiceRank[status] {
		status = from
	}
	failed := in.Status == "payment_failed"
	var first bool
	err = s.db.QueryRow(ctx, `
		INSERT INTO invoices (stripe_invoice_id, account_id, stripe_subscription_id, stripe_payment_intent_id, status,
			amount_due, amount_paid, currency, attempt_count, first_failed_at)
		VALUES ($1, $2, nullif($3, ''), nullif($4, ''), $5, $6, $7, $8, $9, CASE WHEN $10 THEN now() END)
		ON CONFLICT (stripe_invoice_id) DO UPDATE SET
			account_id = coalesce(invoices.account_id, EXCLUDED.account_id),
			stripe_subscription_id = coalesce(invoices.stripe_subscription_id, EXCLUDED.stripe_subscription_id),
			stripe_payment_intent_id = coalesce(invoices.stripe_payment_intent_id, EXCLUDED.stripe_payment_intent_id),
			status = EXCLUDED.status, amount_due = EXCLUDED.amount_due,
			amount_paid = greatest(invoices.amount_paid, EXCLUDED.amount_paid),
			attempt_count = greatest(invoices.attempt_count, EXCLUDED.attempt_count),
			first_failed_at = coalesce(invoices.first_failed_at, EXCLUDED.first_failed_at),
			updated_at = now()
		RETURNING $10 AND first_failed_at = now()`,
		in.StripeInvoiceID, in.AccountID, in.StripeSubscriptionID, in.StripePaymentIntentID, status,
		in.AmountDue, in.AmountPaid, in.Currency, in.AttemptCount, failed).Scan(&first)
	if err != nil {
		return InvoiceChange{}, mapErr("upsert invoice", err)
	}
	return InvoiceChange{FirstFailure: first, FromStatus: from, Status: status}, nil
}

// PayoutChange says what a payout upsert did.
type PayoutChange struct {
	FromStatus string
	Status     string
}

// UpsertPayout records a seller payout; failed and canceled are final.
func (s *Store) UpsertPayout(ctx context.Context, p Payout) (PayoutChange, error) {
	var from string
	err := s.db.QueryRow(ctx, `SELECT status FROM seller_payouts WHERE stripe_payout_id = $1`, p.StripePayoutID).Scan(&from)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return PayoutChange{}, mapErr("payout status", err)
	}
	var to string
	err = s.db.QueryRow(ctx, `
		INSERT INTO seller_payouts (stripe_payout_id, account_id, stripe_account_id, status, amount, currency,
			failure_code, failure_message)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (stripe_payout_id) DO UPDATE SET
			account_id = coalesce(seller_payouts.account_id, EXCLUDED.account_id),
			status = CASE WHEN seller_payouts.status IN ('failed', 'canceled') THEN seller_payouts.status
				WHEN seller_payouts.status = 'paid' AND EXCLUDED.status <> 'failed' THEN seller_payouts.status
				ELSE EXCLUDED.status END,
			failure_code = CASE WHEN EXCLUDED.failure_code <> '' THEN EXCLUDED.failure_code ELSE seller_payouts.failure_code END,
			failure_message = CASE WHEN EXCLUDED.failure_message <> '' THEN EXCLUDED.failure_message ELSE seller_payouts.failure_message END,
			updated_at = now()
		RETURNING status`,
		p.StripePayoutID, p.AccountID, p.StripeAccountID, p.Status, p.Amount, p.Currency, p.FailureCode, p.FailureMessage).Scan(&to)
	if err != nil {
		return PayoutChange{}, mapErr("upsert payout", err)
	}
	return PayoutChange{FromStatus: from, Status: to}, nil
}
