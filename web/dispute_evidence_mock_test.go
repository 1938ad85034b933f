package web_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	stripe "github.com/stripe/stripe-go/v76"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/internal/stripefake"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/jobs/stripeapi"
	"github.com/switchboardhq/switchboard/store"
)

// TestEvidenceCallShapeAgainstStripeMock runs the evidence worker against
// stripe-mock, which checks each request against Stripe's OpenAPI spec: a
// submission with every field (text fields where Stripe takes text), and one
// with a single field. A call of the wrong shape is refused by the mock.
func TestEvidenceCallShapeAgainstStripeMock(t *testing.T) {
	t.Parallel()
	mockURL := stripefake.Mock(t)
	app := NewWith(t, Options{NoWorkers: true})
	ctx := context.Background()
	sc := stripeapi.New("sk_test_123", mockURL, stripeapi.WithRetries(0))
	w := &jobs.DisputeEvidenceWorker{Store: app.Store, Logger: slog.New(slog.DiscardHandler), Stripe: sc}
	due := time.Now().Add(72 * time.Hour)
	full := store.Evidence{ProductDescription: "A teapot.", CustomerCommunication: "Buyer: thanks!", ShippingCarrier: "UPS",
		ShippingTrackingNumber: "1Z999", RefundPolicy: "30 days, shown at checkout.", UncategorizedText: "Two earlier orders."}
	for _, e := range []store.Evidence{full, {UncategorizedText: "Only this."}} {
		ch, err := app.Store.UpsertDispute(ctx, store.DisputeUpsert{StripeDisputeID: NewID("dp"), StripeChargeID: NewID("ch"),
			Status: "needs_response", Stage: store.DisputeStageNeedsResponse, Amount: 1000, Currency: "usd",
			Reason: "product_unacceptable", EvidenceDueBy: &due}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var sub store.EvidenceSubmission
		err = app.Store.InTx(ctx, func(tx *store.Store) error {
			sub, _, err = tx.CreateEvidenceSubmission(ctx, store.NewEvidenceSubmission{DisputeID: ch.Dispute.ID,
				FormKey: NewID("k"), SubmittedBy: "admin@example.com", Evidence: &e}, time.Now())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		job := &river.Job[jobs.DisputeEvidenceArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 6}, Args: jobs.DisputeEvidenceArgs{SubmissionID: sub.ID}}
		if err := w.Work(ctx, job); err != nil {
			t.Fatalf("evidence %+v against stripe-mock: %v", e, err)
		}
		got, err := app.Store.EvidenceSubmissionByID(ctx, sub.ID)
		if err != nil || got.Status != store.EvidenceSubmitted || got.StripeRequestID == "" {
			t.Fatalf("after stripe-mock: got %+v %v, want submitted with Stripe's request ID", got, err)
		}
	}
	// The mock does check the shape: a parameter Stripe does not know is refused.
	bad := &stripe.DisputeParams{Evidence: &stripe.DisputeEvidenceParams{ProductDescription: stripe.String("x")}, Submit: stripe.Bool(true)}
	bad.AddExtra("evidence_text", "good")
	var se *stripe.Error
	if _, err := sc.Disputes.Update("dp_123", bad); !errors.As(err, &se) || se.HTTPStatusCode != 400 {
		t.Fatalf("a dispute update with a parameter Stripe does not know: got %v, want stripe-mock's 400", err)
	}
}
