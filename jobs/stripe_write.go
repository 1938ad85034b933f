package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/riverqueue/river"
	stripe "github.com/stripe/stripe-go/v76"

	"github.com/switchboardhq/switchboard/store"
)

// What every Stripe write the console asks for (a refund, dispute evidence)
// shares: one refusal rule for the deployment, one reading of Stripe's
// errors, and one way an attempt ends. The workers (refund.go,
// dispute_evidence.go) add only their call, their words and what they record.

// StripeWriteRefusal says why this deployment must not write to Stripe
// (refund, submit dispute evidence): no Stripe client, or a key whose mode
// does not match APP_ENV; "" when it may.
func StripeWriteRefusal(d Deps) string {
	if d.Stripe == nil {
		return "STRIPE_SECRET_KEY is not set, so Switchboard cannot call Stripe"
	}
	return d.StripeRefusal
}

// failure is a Stripe call's error in the console's words.
type failure struct {
	permanent                bool
	code, message, requestID string
}

// stripeFailure reads what every write's error shares: Stripe's code and
// request ID, and whether asking again could help. Stripe's 4xx answers (but
// 409 and 429) are permanent: the same key gets the same answer; network
// errors, 409, 429 and 5xx are retried. se is nil when Stripe did not answer;
// its message loses a final full stop (our sentences add their own).
func stripeFailure(err error) (failure, *stripe.Error) {
	var se *stripe.Error
	if !errors.As(err, &se) {
		return failure{code: "network"}, nil
	}
	se.Msg = strings.TrimSuffix(strings.TrimSpace(se.Msg), ".")
	f := failure{code: string(se.Code), requestID: se.RequestID, permanent: se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500 &&
		se.HTTPStatusCode != http.StatusConflict && se.HTTPStatusCode != http.StatusTooManyRequests}
	if f.code == "" {
		f.code = string(se.Type)
	}
	return f, se
}

// unavailable is the message for a call that will be retried.
func unavailable(se *stripe.Error, then string) string {
	if se == nil {
		return "Stripe could not be reached. Switchboard retries on its own; if it keeps failing, check Stripe's status page and " + then + "."
	}
	return fmt.Sprintf("Stripe is not available (HTTP %d: %s). Switchboard retries on its own; if it keeps failing, check Stripe's status page and %s.",
		se.HTTPStatusCode, se.Msg, then)
}

// stripeWrite is one attempt of a write: what it is (for logs and errors),
// the job's attempt, the next step once every attempt failed, and how the
// worker records a failed attempt (final or not).
type stripeWrite struct {
	what                 string
	attempt, maxAttempts int
	exhausted            string
	record               func(context.Context, store.StripeWriteFailure) error
	logger               *slog.Logger
}

// refused ends a write this deployment may not make: the failure is recorded
// (final) before the job is cancelled, so a request never shows "requested"
// with no job left to answer it.
func (w stripeWrite) refused(ctx context.Context, refusal, message string) error {
	w.logger.Warn("stripe write refused", "what", w.what, "reason", refusal)
	f := store.StripeWriteFailure{Final: true, Attempt: w.attempt, MaxAttempts: w.maxAttempts, Code: "refused", Message: message}
	if err := w.record(ctx, f); err != nil {
		return err
	}
	return river.JobCancel(errors.New(w.what + " refused: " + refusal))
}

// failed records a failed call and tells River what next: Stripe's refusal,
// or the last attempt, ends the job once the failure is recorded as final;
// anything else is retried. err is the call's error, f its explanation.
func (w stripeWrite) failed(ctx context.Context, err error, f failure) error {
	wf := store.StripeWriteFailure{Final: f.permanent || w.attempt >= w.maxAttempts, Attempt: w.attempt,
		MaxAttempts: w.maxAttempts, Code: f.code, Message: f.message, RequestID: f.requestID}
	if wf.Final && !f.permanent {
		wf.Message = fmt.Sprintf("Stripe could not be reached in %d attempts. Next step: %s.", w.attempt, w.exhausted)
	}
	if rerr := w.record(ctx, wf); rerr != nil {
		return rerr
	}
	if f.permanent {
		w.logger.Warn("stripe refused a write", "what", w.what, "code", f.code, "stripe_request_id", f.requestID)
		return river.JobCancel(err)
	}
	return fmt.Errorf("%s: %w", w.what, err)
}
