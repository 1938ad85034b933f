package store

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Refund request statuses: ours, about asking Stripe. Whether money moved is
// Stripe's to say, through its refund events (RefundStatus).
const (
	RefundRequested = "requested" // written; the job has not reached Stripe yet
	RefundSubmitted = "submitted" // Stripe accepted it; its events decide the order
	RefundFailed    = "failed"    // Stripe refused it, or we could not ask
)

// RefundReasons are the reasons Stripe's Refunds API takes.
var RefundReasons = []string{"requested_by_customer", "duplicate", "fraudulent"}

// Refund request refusals.
var (
	// ErrRefundInFlight: another refund of the order has not settled yet.
	ErrRefundInFlight = errors.New("a refund of this order is still on its way")
	// ErrRefundTooLarge: the amount is more than what is left to refund.
	ErrRefundTooLarge = errors.New("the amount is more than what is left to refund")
	// ErrRefundKeyMismatch: the form's key belongs to another order's request.
	ErrRefundKeyMismatch = errors.New("the refund form was made for another order")
	// ErrNotRefundable: the order is not paid, or Stripe has no payment for it.
	ErrNotRefundable = errors.New("the order has no payment to refund")
)

// RefundRequest is one refund asked for from the console.
type RefundRequest struct {
	ID              int64   `db:"id"`
	OrderID         int64   `db:"order_id"`
	FormKey         string  `db:"form_key"`
	Amount          int64   `db:"amount"`
	Currency        string  `db:"currency"`
	Reason          string  `db:"reason"`
	Note            string  `db:"note"`
	RequestedBy     string  `db:"requested_by"`
	Status          string  `db:"status"`
	StripeRefundID  *string `db:"stripe_refund_id"`
	StripeRequestID string  `db:"stripe_request_id"`
	ErrorCode       string  `db:"error_code"`
	ErrorMessage    string  `db:"error_message"`
	// RefundStatus is the status of Stripe's refund once one of its events
	// arrived (pending, succeeded, failed, canceled…); nil before.
	RefundStatus *string `db:"refund_status"`
	StripeAttempts
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

// NewRefundRequest is what the console's refund form asks for.
type NewRefundRequest struct {
	OrderID     int64
	FormKey     string
	Amount      int64
	Reason      string
	Note        string
	RequestedBy string
}

// IdempotencyKey is the Idempotency-Key of the request's Stripe call: the
// same for every attempt, so Stripe refunds once however often it is asked.
func (r RefundRequest) IdempotencyKey() string {
	return fmt.Sprintf("switchboard-refund-request-%d", r.ID)
}

// Refund request states, as the console shows them.
const (
	RefundStateRequested = "refund requested"
	RefundStateRefunded  = "refunded"
	RefundStatePending   = "pending at Stripe"
	RefundStateFailed    = "failed"
)

// State summarises the request for the console: "refund requested" until
// Stripe's refund events say what happened.
func (r RefundRequest) State() string {
	switch {
	case r.Status == RefundFailed:
		return RefundStateFailed
	case r.RefundStatus == nil:
		return RefundStateRequested
	case *r.RefundStatus == "succeeded":
		return RefundStateRefunded
	case *r.RefundStatus == "failed" || *r.RefundStatus == "canceled":
		return RefundStateFailed
	}
	return RefundStatePending
}

// Unsettled reports whether the request may still move money that the
// order's refunded amount does not count yet.
func (r RefundRequest) Unsettled() bool {
	return r.Status != RefundFailed && r.RefundStatus == nil
}

// CheckRefund is the rule for a new refund of o: the order is paid (or
// partly refunded) through a Stripe payment, no other refund is on its way,
// and the amount is positive and at most what is left.
func CheckRefund(o Order, reqs []RefundRequest, amount int64) error {
	if o.Status != OrderPaid && o.Status != OrderPartiallyRefunded || o.StripeChargeID == nil && o.StripePaymentIntentID == nil {
		return ErrNotRefundable
	}
	if slices.ContainsFunc(reqs, RefundRequest.Unsettled) {
		return ErrRefundInFlight
	}
	if amount <= 0 || amount > o.Amount-o.RefundedAmount {
		return ErrRefundTooLarge
	}
	return nil
}

// ValidRefundReason reports whether reason is one Stripe takes.
func ValidRefundReason(reason string) bool { return slices.Contains(RefundReasons, reason) }

// ErrBadAmount: an amount that is not a positive number in the currency's units.
var ErrBadAmount = errors.New("not an amount")

// ParseAmount reads an amount typed in the currency's major units ("12.50",
// or "1200" for JPY) into Stripe's minor units.
func ParseAmount(s, currency string) (int64, error) {
	s = strings.TrimSpace(s)
	whole, frac, dot := strings.Cut(s, ".")
	digits := 2
	if zeroDecimal[strings.ToLower(currency)] {
		digits = 0
	}
	if whole == "" || len(frac) > digits || dot && frac == "" || strings.Trim(whole+frac, "0123456789") != "" || len(whole) > 12 {
		return 0, ErrBadAmount
	}
	frac += strings.Repeat("0", digits-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n <= 0 {
		return 0, ErrBadAmount
	}
	return n, nil
}

// FormatAmount writes minor units as ParseAmount reads them.
func FormatAmount(n int64, currency string) string {
	if zeroDecimal[strings.ToLower(currency)] {
		return strconv.FormatInt(n, 10)
	}
	return fmt.Sprintf("%d.%02d", n/100, n%100)
}
