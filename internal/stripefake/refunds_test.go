package stripefake_test

import (
	"errors"
	"net/http"
	"testing"

	stripe "github.com/stripe/stripe-go/v76"

	"github.com/switchboardhq/switchboard/internal/stripefake"
	"github.com/switchboardhq/switchboard/jobs/stripeapi"
)

func refundErr(t *testing.T, err error) *stripe.Error {
	t.Helper()
	var se *stripe.Error
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a Stripe error", err)
	}
	return se
}

// TestFakeRefundsIdempotency: the same key and parameters replay the first
// answer; the same key with other parameters is refused; a 5xx is not saved.
func TestFakeRefundsIdempotency(t *testing.T) {
	t.Parallel()
	s := stripefake.New(t)
	sc := stripeapi.New(s.Key, s.URL, stripeapi.WithRetries(0))
	s.AddCharge("ch_1", "pi_1", 1000, "usd")
	params := func(amount int64, key string) *stripe.RefundParams {
		p := &stripe.RefundParams{PaymentIntent: stripe.String("pi_1"), Amount: stripe.Int64(amount)}
		p.SetIdempotencyKey(key)
		return p
	}
	s.Fail(stripefake.Fault{Status: http.StatusInternalServerError})
	if _, err := sc.Refunds.New(params(400, "k1")); refundErr(t, err).HTTPStatusCode != 500 {
		t.Fatalf("scripted 500: got %v", err)
	}
	a, err := sc.Refunds.New(params(400, "k1"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := sc.Refunds.New(params(400, "k1"))
	if err != nil || b.ID != a.ID || b.LastResponse.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: got %v %v, want refund %s replayed", b, err, a.ID)
	}
	if _, err := sc.Refunds.New(params(500, "k1")); refundErr(t, err).Type != "idempotency_error" {
		t.Fatalf("same key, other amount: got %v, want idempotency_error", err)
	}
	if n := len(s.Refunds()); n != 1 {
		t.Fatalf("refunds: got %d, want 1", n)
	}
	if _, err := sc.Refunds.New(params(700, "k2")); refundErr(t, err).Code != stripe.ErrorCodeAmountTooLarge {
		t.Fatalf("more than is left: got %v, want amount_too_large", err)
	}
	if _, err := sc.Refunds.New(params(600, "k3")); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Refunds.New(params(1, "k4")); refundErr(t, err).Code != stripe.ErrorCodeChargeAlreadyRefunded {
		t.Fatalf("fully refunded: got %v, want charge_already_refunded", err)
	}
}

// TestFakeRefundsErrors: scripted refusals, unknown payments and parameters.
func TestFakeRefundsErrors(t *testing.T) {
	t.Parallel()
	s := stripefake.New(t)
	sc := stripeapi.New(s.Key, s.URL, stripeapi.WithRetries(0))
	s.AddCharge("ch_2", "", 1000, "eur")
	s.RefundError(stripefake.CardDeclined, stripefake.BalanceInsufficient)
	p := &stripe.RefundParams{Charge: stripe.String("ch_2")}
	if se := refundErr(t, func() error { _, err := sc.Refunds.New(p); return err }()); se.HTTPStatusCode != 402 || se.Code != stripe.ErrorCodeCardDeclined {
		t.Fatalf("card declined: got %d %s", se.HTTPStatusCode, se.Code)
	}
	if se := refundErr(t, func() error { _, err := sc.Refunds.New(p); return err }()); se.HTTPStatusCode != 400 || se.Code != stripe.ErrorCodeBalanceInsufficient {
		t.Fatalf("balance insufficient: got %d %s", se.HTTPStatusCode, se.Code)
	}
	if _, err := sc.Refunds.New(&stripe.RefundParams{PaymentIntent: stripe.String("pi_nope")}); refundErr(t, err).Code != stripe.ErrorCodeResourceMissing {
		t.Fatalf("unknown payment intent: got %v", err)
	}
	bad := &stripe.RefundParams{Charge: stripe.String("ch_2")}
	bad.AddExtra("refund_everything", "true")
	if _, err := sc.Refunds.New(bad); refundErr(t, err).Code != stripe.ErrorCodeParameterUnknown {
		t.Fatalf("unknown parameter: got %v", err)
	}
	r, err := sc.Refunds.New(p)
	if err != nil || r.Amount != 1000 || r.Status != stripe.RefundStatusSucceeded {
		t.Fatalf("a full refund by default: got %+v %v", r, err)
	}
}
