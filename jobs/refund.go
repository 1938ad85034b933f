package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
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
	// Refusal, when not empty, is why refunds are refused (RefundRefusal).
	Refusal string
}

// RefundRefusal says why this deployment must not refund, nor submit
// dispute evidence ("" when it may): no Stripe client, or a key whose mode
// does not match APP_ENV.
func RefundRefusal(d Deps) string {
	if d.Stripe == nil {
		return "STRIPE_SECRET_KEY is not set, so Switchboard cannot call Stripe"
	}
	return d.StripeRefusal
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
	if w.Refusal != "" || w.Stripe == nil {
		w.Logger.Warn("refund refused", "refund_request", req.ID, "reason", w.Refusal)
		// The job ends only once the refusal is recorded: a cancelled job must
		// never leave its request showing "refund requested".
		f := store.StripeWriteFailure{Final: true, Attempt: job.Attempt, MaxAttempts: job.MaxAttempts, Code: "refused",
			Message: w.Refusal + ". Next step: fix STRIPE_SECRET_KEY or APP_ENV (the Setup page says how), then request the refund again, or refund the payment in Stripe's Dashboard."}
		if err := w.fail(ctx, req, f); err != nil {
			return err
		}
		return river.JobCancel(errors.New("refund refused: " + cmp.Or(w.Refusal, "no Stripe client")))
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
	f := refundFailure(err)
	wf := store.StripeWriteFailure{Final: f.permanent || job.Attempt >= job.MaxAttempts, Attempt: job.Attempt,
		MaxAttempts: job.MaxAttempts, Code: f.code, Message: f.message, RequestID: f.requestID}
	if wf.Final && !f.permanent {
		wf.Message = fmt.Sprintf("Stripe could not be reached in %d attempts. Next step: request the refund again, or refund the payment in Stripe's Dashboard.", job.Attempt)
	}
	if ferr := w.fail(rctx, req, wf); ferr != nil {
		return ferr
	}
	if f.permanent {
		w.Logger.Warn("stripe refused a refund", "refund_request", req.ID, "code", f.code, "stripe_request_id", f.requestID)
		return river.JobCancel(err)
	}
	return fmt.Errorf("refund request %d: %w", req.ID, err)
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

// failure is a refund call's error in the console's words.
type failure struct {
	permanent                bool
	code, message, requestID string
}

// refundFailure explains a failed refund call and names the next step.
// Stripe's 4xx answers (but 409 and 429) are permanent: asking again with the
// same key gets the same answer. Network errors, 409, 429 and 5xx retry.
func refundFailure(err error) failure {
	var se *stripe.Error
	if !errors.As(err, &se) {
		return failure{code: "network", message: "Stripe could not be reached. Switchboard retries on its own; if it keeps failing, check Stripe's status page and request the refund again."}
	}
	se.Msg = strings.TrimSuffix(strings.TrimSpace(se.Msg), ".") // our sentences add their own full stop
	f := failure{code: string(se.Code), requestID: se.RequestID, permanent: se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500 &&
		se.HTTPStatusCode != http.StatusConflict && se.HTTPStatusCode != http.StatusTooManyRequests}
	if f.code == "" {
		f.code = string(se.Type)
	}
	switch {
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
	case !f.permanent:
		f.message = fmt.Sprintf("Stripe is not available (HTTP %d: %s). Switchboard retries on its own; if it keeps failing, check Stripe's status page and request the refund again.", se.HTTPStatusCode, se.Msg)
	default:
		f.message = "Stripe refused the refund: " + se.Msg + ". Next step: check the payment in Stripe's Dashboard."
	}
	return f
}
