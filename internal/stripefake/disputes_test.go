package stripefake_test

import (
	"net/http"
	"testing"

	stripe "github.com/stripe/stripe-go/v76"

	"github.com/switchboardhq/switchboard/internal/stripefake"
	"github.com/switchboardhq/switchboard/jobs/stripeapi"
)

func evidenceParams(text, key, account string) *stripe.DisputeParams {
	p := &stripe.DisputeParams{Evidence: &stripe.DisputeEvidenceParams{UncategorizedText: stripe.String(text)}, Submit: stripe.Bool(true)}
	p.SetIdempotencyKey(key)
	if account != "" {
		p.SetStripeAccount(account)
	}
	return p
}

// TestFakeDisputesIdempotency: the same key and parameters replay the first
// answer and record one submission; the same key with other parameters is
// refused; a 5xx is not saved; a submitted dispute takes no more evidence.
func TestFakeDisputesIdempotency(t *testing.T) {
	t.Parallel()
	s := stripefake.New(t)
	sc := stripeapi.New(s.Key, s.URL, stripeapi.WithRetries(0))
	s.AddDispute("dp_1", "", "fraudulent", 1000, "usd")
	s.Fail(stripefake.Fault{Status: http.StatusServiceUnavailable})
	if _, err := sc.Disputes.Update("dp_1", evidenceParams("a", "k1", "")); refundErr(t, err).HTTPStatusCode != 503 {
		t.Fatalf("scripted 503: got %v", err)
	}
	a, err := sc.Disputes.Update("dp_1", evidenceParams("a", "k1", ""))
	if err != nil || a.Status != stripe.DisputeStatusUnderReview || a.Evidence.UncategorizedText != "a" {
		t.Fatalf("submit: got %+v %v, want under_review with the text", a, err)
	}
	b, err := sc.Disputes.Update("dp_1", evidenceParams("a", "k1", ""))
	if err != nil || b.LastResponse.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: got %v, want the first answer replayed", err)
	}
	if _, err := sc.Disputes.Update("dp_1", evidenceParams("b", "k1", "")); refundErr(t, err).Type != "idempotency_error" {
		t.Fatalf("same key, other evidence: got %v, want idempotency_error", err)
	}
	if _, err := sc.Disputes.Update("dp_1", evidenceParams("b", "k2", "")); refundErr(t, err).HTTPStatusCode != 400 {
		t.Fatalf("a second submission with another key: got %v, want 400", err)
	}
	if got := s.DisputeSubmissions(); len(got) != 1 || got[0].Evidence["uncategorized_text"] != "a" || !got[0].Submit {
		t.Fatalf("submissions: got %+v, want one with the text, submitted", got)
	}
}

// TestFakeDisputesErrors: scripted refusals, unknown disputes and
// parameters, and a dispute on a connected account seen only through
// Stripe-Account.
func TestFakeDisputesErrors(t *testing.T) {
	t.Parallel()
	s := stripefake.New(t)
	sc := stripeapi.New(s.Key, s.URL, stripeapi.WithRetries(0))
	s.AddDispute("dp_2", "", "product_not_received", 500, "eur")
	s.AddDispute("dp_3", "acct_seller", "duplicate", 500, "eur")
	s.DisputeError(stripefake.DisputeInvalid)
	if se := refundErr(t, func() error { _, err := sc.Disputes.Update("dp_2", evidenceParams("x", "k1", "")); return err }()); se.HTTPStatusCode != 400 || string(se.Code) != stripefake.DisputeInvalid {
		t.Fatalf("scripted refusal: got %d %s", se.HTTPStatusCode, se.Code)
	}
	if _, err := sc.Disputes.Update("dp_nope", evidenceParams("x", "k2", "")); refundErr(t, err).Code != stripe.ErrorCodeResourceMissing {
		t.Fatalf("unknown dispute: got %v", err)
	}
	if _, err := sc.Disputes.Update("dp_3", evidenceParams("x", "k3", "")); refundErr(t, err).Code != stripe.ErrorCodeResourceMissing {
		t.Fatalf("connected account's dispute without Stripe-Account: got %v, want resource_missing", err)
	}
	if _, err := sc.Disputes.Update("dp_3", evidenceParams("x", "k3", "acct_seller")); err != nil {
		t.Fatalf("connected account's dispute with Stripe-Account: %v", err)
	}
	bad := &stripe.DisputeParams{Evidence: &stripe.DisputeEvidenceParams{ProductDescription: stripe.String("x")}}
	bad.AddExtra("evidence[mood]", "good")
	if _, err := sc.Disputes.Update("dp_2", bad); refundErr(t, err).Code != stripe.ErrorCodeParameterUnknown {
		t.Fatalf("unknown evidence field: got %v, want parameter_unknown", err)
	}
	if got := s.DisputeSubmissions(); len(got) != 1 || got[0].Account != "acct_seller" {
		t.Fatalf("submissions: got %+v, want one, on acct_seller", got)
	}
	s.AddKey("rk_test_norights", stripefake.WriteRefunds)
	rk := stripeapi.New("rk_test_norights", s.URL, stripeapi.WithRetries(0))
	if _, err := rk.Disputes.Update("dp_2", evidenceParams("x", "k4", "")); refundErr(t, err).HTTPStatusCode != 403 {
		t.Fatalf("restricted key without dispute rights: got %v, want 403", err)
	}
}
