package web_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	stripe "github.com/stripe/stripe-go/v76"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/internal/stripefake"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/jobs/stripeapi"
	"github.com/switchboardhq/switchboard/store"
)

// TestRefundCallShapeAgainstStripeMock runs the refund worker against
// stripe-mock, which checks each request against Stripe's OpenAPI spec: by
// PaymentIntent and by charge (an order known only by its charge), with the
// reason and metadata. A call of the wrong shape is refused by the mock.
func TestRefundCallShapeAgainstStripeMock(t *testing.T) {
	t.Parallel()
	mockURL := stripefake.Mock(t)
	app := NewWith(t, Options{NoWorkers: true})
	ctx := context.Background()
	sc := stripeapi.New("sk_test_123", mockURL, stripeapi.WithRetries(0))
	w := &jobs.RefundWorker{Store: app.Store, Logger: slog.New(slog.DiscardHandler), Stripe: sc}
	facts := store.OrderFacts{Payment: store.PaySucceeded, Dispute: store.DisputeNone, Amount: 2500}
	for _, up := range []store.OrderUpsert{
		{PaymentIntentID: NewID("pi"), ChargeID: NewID("ch"), Currency: "usd", Facts: facts},
		{ChargeID: NewID("ch"), Currency: "usd", Facts: facts},
	} {
		ch, err := app.Store.UpsertOrder(ctx, up)
		if err != nil {
			t.Fatal(err)
		}
		var q store.RefundRequest
		err = app.Store.InTx(ctx, func(tx *store.Store) error {
			q, _, err = tx.CreateRefundRequest(ctx, store.NewRefundRequest{OrderID: ch.Order.ID, FormKey: NewID("k"),
				Amount: 1000, Reason: "fraudulent", RequestedBy: "admin@example.com"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		job := &river.Job[jobs.RefundArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 6}, Args: jobs.RefundArgs{RequestID: q.ID}}
		if err := w.Work(ctx, job); err != nil {
			t.Fatalf("refund by %+v against stripe-mock: %v", up, err)
		}
		got, err := app.Store.RefundRequestByID(ctx, q.ID)
		if err != nil || got.Status != store.RefundSubmitted || got.StripeRefundID == nil || !strings.HasPrefix(*got.StripeRefundID, "re_") {
			t.Fatalf("after stripe-mock: got %+v %v, want submitted with a re_ ID", got, err)
		}
	}
	bad := &stripe.RefundParams{PaymentIntent: stripe.String("pi_123"), Reason: stripe.String("because")}
	var se *stripe.Error
	if _, err := sc.Refunds.New(bad); !errors.As(err, &se) || se.HTTPStatusCode != 400 {
		t.Fatalf("a refund with a reason Stripe does not know: got %v, want stripe-mock's 400", err)
	}
}
