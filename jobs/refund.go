package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/switchboardhq/switchboard/store"
)

// refundTimeout bounds one refund call (stripeapi.Timeout, with room to record).
const refundTimeout = 40 * time.Second

// RefundArgs asks Stripe for one refund request's refund.
type RefundArgs struct {
	RequestID int64 `json:"refund_request_id"`
}

// Kind is the stable job kind.
func (RefundArgs) Kind() string { return "stripe_refund" }

// InsertOpts: one job per request, ever (River's default unique states
// include completed); a few attempts, since each retry is Stripe being down.
func (RefundArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 6, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// RefundWorker makes the Stripe call of a refund request, with the request's
// idempotency key, and records what Stripe said. It never touches the order:
// Stripe's refund and charge.refunded events do, through the ledger.
type RefundWorker struct {
	river.WorkerDefaults[RefundArgs]
	Store  *store.Store
	Logger *slog.Logger
	Stripe *client.API
	// Dispatch raises the alert of a final failure; nil raises none.
	Dispatch *Dispatcher
	// Refusal, when not empty, is why refunds are refused (StripeWriteRefusal).
	Refusal string
}

// Timeout bounds one attempt.
func (w *RefundWorker) Timeout(*river.Job[RefundArgs]) time.Duration { return refundTimeout }

// Work asks Stripe for the refund once per request, however often it runs.
func (w *RefundWorker) Work(ctx context.Context, job *river.Job[RefundArgs]) error {
	req, err := w.Store.RefundRequestByID(ctx, job.Args.RequestID)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(err)
	} else if err != nil {
		return err
	}
	switch req.Status {
	case store.RefundSubmitted:
		return nil // already answered: a rescued or repeated job
	case store.RefundFailed:
		// A job retried by hand after its request ended: the request stays
		// failed, and so does the job (a completed job would read as done).
		return river.JobCancel(fmt.Errorf("refund request %d already ended as failed; request a new refund from the order's page", req.ID))
	}
	sw := stripeWrite{what: fmt.Sprintf("refund request %d", req.ID), attempt: job.Attempt, maxAttempts: job.MaxAttempts,
		exhausted: "request the refund again, or refund the payment in Stripe's Dashboard", logger: w.Logger,
		record: func(ctx context.Context, f store.StripeWriteFailure) error { return w.fail(ctx, req, f) }}
	if w.Refusal != "" || w.Stripe == nil {
		return sw.refused(ctx, cmp.Or(w.Refusal, "no Stripe client"), w.Refusal+". Next step: fix STRIPE_SECRET_KEY or APP_ENV (the Setup page says how), then request the refund again, or refund the payment in Stripe's Dashboard.")
	}
	o, err := w.Store.OrderByID(ctx, req.OrderID)
	if err != nil {
		return err
	}
	p := &stripe.RefundParams{Amount: stripe.Int64(req.Amount), Reason: stripe.String(req.Reason), Metadata: map[string]string{
		"switchboard_refund_request_id": strconv.FormatInt(req.ID, 10), "switchboard_order_id": strconv.FormatInt(o.ID, 10)}}
	if o.StripePaymentIntentID != nil {
		p.PaymentIntent = o.StripePaymentIntentID
	} else {
		p.Charge = o.StripeChargeID
	}
	p.SetIdempotencyKey(req.IdempotencyKey())
	p.Context = ctx
	ref, err := w.Stripe.Refunds.New(p)
	// Stripe answered: record it even if the job's context is ending.
	rctx := context.WithoutCancel(ctx)
	if err == nil {
		rid := ""
		if ref.LastResponse != nil {
			rid = ref.LastResponse.RequestID
		}
		return w.Store.InTx(rctx, func(tx *store.Store) error {
			if err := tx.MarkRefundSubmitted(rctx, req.ID, ref.ID, rid); err != nil {
				return err
			}
			return tx.Audit(rctx, req.RequestedBy, "refund.submitted", orderSubject(o.ID), map[string]any{
				"refund_request_id": req.ID, "stripe_refund_id": ref.ID, "stripe_request_id": rid,
				"amount": req.Amount, "currency": req.Currency, "stripe_status": ref.Status})
		})
	}
	return sw.failed(rctx, err, refundFailure(err))
}

// fail records a failed attempt; a final one is audited with Stripe's
// request ID and raises a critical alert naming the order and the amount.
func (w *RefundWorker) fail(ctx context.Context, req store.RefundRequest, f store.StripeWriteFailure) error {
	return w.Store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.MarkRefundFailed(ctx, req.ID, f); err != nil {
			return err
		}
		if !f.Final {
			return nil
		}
		if err := tx.Audit(ctx, req.RequestedBy, "refund.failed", orderSubject(req.OrderID), map[string]any{
			"refund_request_id": req.ID, "code": f.Code, "message": f.Message, "stripe_request_id": f.RequestID}); err != nil {
			return err
		}
		if w.Dispatch == nil {
			return nil
		}
		o, err := tx.OrderByID(ctx, req.OrderID)
		if err != nil {
			return err
		}
		return w.Dispatch.Raise(ctx, tx, store.NewAlert{Kind: store.AlertRefundFailed, Subject: fmt.Sprintf("refund_request:%d", req.ID),
			Severity: store.SeverityCritical, Message: fmt.Sprintf("Refund for %s (%s) failed: %s",
				o.Label(), store.Money(req.Amount, req.Currency), f.Message)})
	})
}

func orderSubject(id int64) string { return "order:" + strconv.FormatInt(id, 10) }

// refundFailure explains a failed refund call and names the next step.
func refundFailure(err error) failure {
	f, se := stripeFailure(err)
	const then = "request the refund again"
	switch {
	case se == nil || !f.permanent:
		f.message = unavailable(se, then)
	case se.Code == stripe.ErrorCodeBalanceInsufficient:
		f.message = "Your Stripe balance is too low to cover this refund. Next step: add funds in Stripe's Dashboard (Balances → Add to balance), then request the refund again."
	case se.Code == stripe.ErrorCodeCardDeclined || se.Type == stripe.ErrorTypeCard:
		f.message = "The customer's card refused the refund (" + se.Msg + "). Next step: refund the customer another way (a bank transfer) and note it on the order."
	case se.Code == stripe.ErrorCodeChargeAlreadyRefunded:
		f.message = "Stripe says the payment is already fully refunded. Next step: none; the order turns refunded when Stripe's event arrives."
	case se.Code == stripe.ErrorCodeAmountTooLarge:
		f.message = "Stripe says the amount is more than what is left to refund. Next step: check the payment's refunds in Stripe's Dashboard and request a smaller amount."
	case se.HTTPStatusCode == http.StatusUnauthorized || se.HTTPStatusCode == http.StatusForbidden:
		f.message = "Stripe refused the API key (" + se.Msg + "). Next step: give STRIPE_SECRET_KEY write access to Refunds."
	default:
		f.message = "Stripe refused the refund: " + se.Msg + ". Next step: check the payment in Stripe's Dashboard."
	}
	return f
}
