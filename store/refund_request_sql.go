package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

const refundRequestColumns = `q.id, q.order_id, q.form_key, q.amount, q.currency, q.reason, q.note, q.requested_by,
	q.status, q.stripe_refund_id, q.stripe_request_id, q.error_code, q.error_message, r.status AS refund_status,
	q.attempts, q.max_attempts, q.created_at, q.updated_at`

const refundRequestFrom = ` FROM refund_requests q LEFT JOIN refunds r ON r.stripe_refund_id = q.stripe_refund_id `

// RefundRequestByID returns one refund request with its Stripe refund's status.
func (s *Store) RefundRequestByID(ctx context.Context, id int64) (RefundRequest, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+refundRequestColumns+refundRequestFrom+`WHERE q.id = $1`, id)
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[RefundRequest])
	return r, mapErr("refund request", err)
}

// RefundRequests lists an order's refund requests, newest first.
func (s *Store) RefundRequests(ctx context.Context, orderID int64) ([]RefundRequest, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+refundRequestColumns+refundRequestFrom+`WHERE q.order_id = $1 ORDER BY q.id DESC`, orderID)
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[RefundRequest])
	return rs, mapErr("refund requests", err)
}

// CreateRefundRequest records a refund request after CheckRefund, holding the
// order's row lock so two requests cannot both pass. The same form key
// returns the request it already made, with created false; a key of another
// order's request is ErrRefundKeyMismatch. Run it in InTx.
func (s *Store) CreateRefundRequest(ctx context.Context, in NewRefundRequest) (RefundRequest, bool, error) {
	// Lock first: a double click's two requests arrive together, and the
	// second must find the first's row by its form key, not be refused as
	// a refund still on its way.
	o, err := s.oneOrder(ctx, "order for refund", `id = $1 FOR UPDATE`, in.OrderID)
	if err != nil {
		return RefundRequest{}, false, err
	}
	var id, keyOrder int64
	err = s.db.QueryRow(ctx, `SELECT id, order_id FROM refund_requests WHERE form_key = $1`, in.FormKey).Scan(&id, &keyOrder)
	switch {
	case err == nil && keyOrder != in.OrderID:
		return RefundRequest{}, false, fmt.Errorf("refund of order %d: %w", in.OrderID, ErrRefundKeyMismatch)
	case err == nil:
		r, err := s.RefundRequestByID(ctx, id)
		return r, false, err
	case !errors.Is(err, pgx.ErrNoRows):
		return RefundRequest{}, false, mapErr("refund request by form key", err)
	}
	reqs, err := s.RefundRequests(ctx, in.OrderID)
	if err != nil {
		return RefundRequest{}, false, err
	}
	if err := CheckRefund(o, reqs, in.Amount); err != nil {
		return RefundRequest{}, false, err
	}
	err = s.db.QueryRow(ctx, `
		INSERT INTO refund_requests (order_id, form_key, amount, currency, reason, note, requested_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		in.OrderID, in.FormKey, in.Amount, o.Currency, in.Reason, in.Note, in.RequestedBy).Scan(&id)
	if err != nil {
		return RefundRequest{}, false, mapErr("create refund request", err)
	}
	r, err := s.RefundRequestByID(ctx, id)
	return r, true, err
}

// MarkRefundSubmitted records Stripe's refund for a request.
func (s *Store) MarkRefundSubmitted(ctx context.Context, id int64, stripeRefundID, requestID string) error {
	_, err := s.db.Exec(ctx, `UPDATE refund_requests SET status = 'submitted', stripe_refund_id = $2,
		stripe_request_id = $3, error_code = '', error_message = '', updated_at = now() WHERE id = $1`,
		id, stripeRefundID, requestID)
	return mapErr("mark refund submitted", err)
}

// MarkRefundFailed records why an attempt did not reach or was refused by
// Stripe. A failure that is not final keeps the request requested (the job
// retries) with the error and the attempt shown.
func (s *Store) MarkRefundFailed(ctx context.Context, id int64, f StripeWriteFailure) error {
	_, err := s.db.Exec(ctx, `UPDATE refund_requests SET
		status = CASE WHEN $2 THEN 'failed' ELSE status END, error_code = $3, error_message = $4,
		stripe_request_id = CASE WHEN $5 = '' THEN stripe_request_id ELSE $5 END,
		attempts = $6, max_attempts = $7, updated_at = now()
		WHERE id = $1 AND status = 'requested'`, id, f.Final, f.Code, f.Message, f.RequestID, f.Attempt, f.MaxAttempts)
	return mapErr("mark refund failed", err)
}
