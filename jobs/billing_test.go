package jobs_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

func TestSubscriptionLifecycle(t *testing.T) {
	t.Parallel()
	app := New(t)
	cus, sub, inv := NewID("cus"), NewID("sub"), NewID("in")
	now := time.Now()
	app.SendAndWait(NewEvent("customer.created", Customer(cus, "dee@example.com", "Dee")).At(now.Add(-time.Hour)))
	app.SendAndWait(NewEvent("customer.subscription.created", Subscription(sub, cus, "active", "pro", now.AddDate(0, 1, 0))).At(now.Add(-50 * time.Minute)))
	a := account(t, app, "stripe_customer_id="+cus)
	if a.PaymentState != "active" || a.PlanTier != "pro" {
		t.Fatalf("active subscription: got %s %s", a.PaymentState, a.PlanTier)
	}
	// A failed renewal, delivered twice (Stripe retries the charge): past due, counted once.
	for i := 0; i < 2; i++ {
		app.SendAndWait(NewEvent("invoice.payment_failed", Invoice(inv, cus, sub, NewID("pi"), "open", 2900, 0, i+1)).At(now.Add(time.Duration(i-40) * time.Minute)))
	}
	if a := account(t, app, "stripe_customer_id="+cus); a.PaymentState != "past_due" {
		t.Fatalf("after failed renewal: got %s, want past_due", a.PaymentState)
	}
	if n := app.Count(`SELECT count(*) FROM invoices WHERE first_failed_at IS NOT NULL`); n != 1 {
		t.Fatalf("failed invoices: got %d, want 1", n)
	}
	if n := app.Count(`SELECT attempt_count FROM invoices`); n != 2 {
		t.Fatalf("invoice attempts: got %d, want 2", n)
	}
	app.SendAndWait(NewEvent("invoice.paid", Invoice(inv, cus, sub, NewID("pi"), "paid", 2900, 2900, 3)).At(now.Add(-30 * time.Minute)))
	if a := account(t, app, "stripe_customer_id="+cus); a.PaymentState != "active" {
		t.Fatalf("after paid invoice: got %s, want active", a.PaymentState)
	}
	// A late failure of the same, now paid, invoice changes nothing.
	app.SendAndWait(NewEvent("invoice.payment_failed", Invoice(inv, cus, sub, NewID("pi"), "open", 2900, 0, 2)).At(now.Add(-45 * time.Minute)))
	if a := account(t, app, "stripe_customer_id="+cus); a.PaymentState != "active" {
		t.Fatalf("after stale failure: got %s, want active", a.PaymentState)
	}
	deleted := Subscription(sub, cus, "canceled", "pro", now.AddDate(0, 1, 0))
	deleted["canceled_at"] = now.Unix()
	app.SendAndWait(NewEvent("customer.subscription.deleted", deleted).At(now.Add(-10 * time.Minute)))
	// A stale update after the deletion does not revive it, even in the same second.
	app.SendAndWait(NewEvent("customer.subscription.updated", Subscription(sub, cus, "active", "pro", now.AddDate(0, 1, 0))).At(now.Add(-10 * time.Minute)))
	app.SendAndWait(NewEvent("customer.subscription.updated", Subscription(sub, cus, "active", "pro", now.AddDate(0, 1, 0))).At(now.Add(-20 * time.Minute)))
	if a := account(t, app, "stripe_customer_id="+cus); a.PaymentState != "canceled" {
		t.Fatalf("after deletion and stale update: got %s, want canceled", a.PaymentState)
	}
	if n := app.Count(`SELECT count(*) FROM subscriptions WHERE status = 'canceled'`); n != 1 {
		t.Fatalf("canceled subscriptions: got %d, want 1", n)
	}
}

func TestStaleCustomerSnapshotDoesNotOverwrite(t *testing.T) {
	t.Parallel()
	app := New(t)
	cus := NewID("cus")
	now := time.Now()
	app.SendAndWait(NewEvent("customer.updated", Customer(cus, "new@example.com", "New Name")).At(now))
	app.SendAndWait(NewEvent("customer.created", Customer(cus, "old@example.com", "Old Name")).At(now.Add(-time.Hour)))
	a := account(t, app, "stripe_customer_id="+cus)
	if a.Name != "New Name" || *a.Email != "new@example.com" {
		t.Fatalf("got %q %q, want the newer snapshot", a.Name, *a.Email)
	}
}

func TestDisputeLifecycle(t *testing.T) {
	for _, outcome := range []struct{ status, order, state string }{
		{"lost", "charged_back", "refunded"},
		{"won", "paid", "active"},
		// Refunding instead of contesting closes the dispute; the refund
		// events, not the dispute, then decide the order.
		{"charge_refunded", "paid", "active"},
	} {
		t.Run(outcome.status, func(t *testing.T) {
			t.Parallel()
			app := New(t)
			cus := NewID("cus")
			app.SendAndWait(NewEvent("customer.created", Customer(cus, "eve@example.com", "Eve")))
			pi, ch := paid(app, cus, "eve@example.com", 5000)
			dp := NewID("dp")
			due := time.Now().Add(7 * 24 * time.Hour).Truncate(time.Second)
			app.SendAndWait(NewEvent("charge.dispute.created", Dispute(dp, ch, pi, 5000, "usd", "needs_response", "fraudulent", due)))
			if o := order(t, app, pi); o.Status != "disputed" {
				t.Fatalf("order after dispute: got %s", o.Status)
			}
			if a := account(t, app, "stripe_customer_id="+cus); a.PaymentState != "disputed" {
				t.Fatalf("account after dispute: got %s", a.PaymentState)
			}
			var ds []store.Dispute
			app.API("GET", "/api/v1/disputes?status=needs_response", nil, &ds)
			if len(ds) != 1 || ds[0].QueueState != "open" || ds[0].EvidenceDueBy == nil || !ds[0].EvidenceDueBy.Equal(due) ||
				ds[0].Reason != "fraudulent" || ds[0].AccountID == nil || ds[0].OrderID == nil {
				t.Fatalf("dispute queue: got %+v", ds)
			}
			app.SendAndWait(NewEvent("charge.dispute.updated", Dispute(dp, ch, pi, 5000, "usd", "under_review", "fraudulent", due)))
			app.SendAndWait(NewEvent("charge.dispute.closed", Dispute(dp, ch, pi, 5000, "usd", outcome.status, "fraudulent", due)))
			if o := order(t, app, pi); o.Status != outcome.order {
				t.Fatalf("order after %s: got %s, want %s", outcome.status, o.Status, outcome.order)
			}
			if a := account(t, app, "stripe_customer_id="+cus); a.PaymentState != outcome.state {
				t.Fatalf("account after %s: got %s, want %s", outcome.status, a.PaymentState, outcome.state)
			}
			app.API("GET", "/api/v1/disputes?status="+outcome.status, nil, &ds)
			if len(ds) != 1 || ds[0].QueueState != "closed" {
				t.Fatalf("closed dispute: got %+v", ds)
			}
		})
	}
}

func TestConnectSellerAndPayoutFailure(t *testing.T) {
	t.Parallel()
	app := New(t)
	acct := NewID("acct")
	app.SendAndWait(NewEvent("account.updated", ConnectAccount(acct, "shop@example.com", "Fern's Ferns")))
	seller := account(t, app, "stripe_account_id="+acct)
	if seller.Role != "seller" || seller.Name != "Fern's Ferns" || *seller.Email != "shop@example.com" {
		t.Fatalf("seller: got %+v", seller)
	}
	// A buyer pays the seller (destination charge).
	pi := PaymentIntent(NewID("pi"), 8000, "usd", "", "succeeded", nil)
	pi["transfer_data"] = map[string]any{"destination": acct, "amount": nil}
	app.SendAndWait(NewEvent("payment_intent.succeeded", pi))
	if o := order(t, app, pi["id"].(string)); o.SellerAccountID == nil || *o.SellerAccountID != seller.ID {
		t.Fatalf("order seller: got %v, want %d", o.SellerAccountID, seller.ID)
	}
	po := NewID("po")
	ev := NewEvent("payout.failed", Payout(po, 7600, "failed", "account_closed", "The bank account has been closed"))
	ev.Account = acct
	app.SendAndWait(ev)
	var status, code string
	var accountID int64
	if err := app.Pool.QueryRow(context.Background(), `SELECT status, failure_code, account_id FROM seller_payouts WHERE stripe_payout_id = $1`, po).
		Scan(&status, &code, &accountID); err != nil {
		t.Fatal(err)
	}
	if status != "failed" || code != "account_closed" || accountID != seller.ID {
		t.Fatalf("payout: got %s %s %d", status, code, accountID)
	}
	// A late payout.paid does not undo the failure.
	late := NewEvent("payout.paid", Payout(po, 7600, "paid", "", ""))
	late.Account = acct
	app.SendAndWait(late)
	if n := app.Count(`SELECT count(*) FROM seller_payouts WHERE status = 'failed'`); n != 1 {
		t.Fatalf("payout after late paid: want still failed")
	}
}

func TestUnknownStripeStatusFailsVisibly(t *testing.T) {
	t.Parallel()
	app := New(t)
	ev := NewEvent("payment_intent.succeeded", PaymentIntent(NewID("pi"), 100, "usd", "", "some_new_status", nil))
	got := app.SendAndWait(ev)
	if got.Status != "failed" || got.Attempts != 1 || got.LastError == "" {
		t.Fatalf("got %s attempts %d %q, want failed with the reason", got.Status, got.Attempts, got.LastError)
	}
}

func TestTransientWorkerFailureIsRetriedAndRecorded(t *testing.T) {
	t.Parallel()
	app := New(t)
	ctx := context.Background()
	// Make order inserts fail until the test lifts the fault.
	_, err := app.Pool.Exec(ctx, `
		CREATE TABLE fault (on_ boolean);
		INSERT INTO fault VALUES (true);
		CREATE FUNCTION fail_orders() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF (SELECT on_ FROM fault) THEN RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$;
		CREATE TRIGGER fail_orders BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION fail_orders();`)
	if err != nil {
		t.Fatal(err)
	}
	pi := NewID("pi")
	ev := NewEvent("payment_intent.succeeded", PaymentIntent(pi, 100, "usd", "", "succeeded", nil))
	// A failed attempt that River will retry leaves the event received, with
	// its attempts and error; the API says the same.
	got := app.SendAndWait(ev)
	if got.Status != "received" || got.Attempts != 1 || !strings.Contains(got.LastError, "injected fault") {
		t.Fatalf("first attempt: got %s attempts %d %q, want received, 1, the fault", got.Status, got.Attempts, got.LastError)
	}
	var api struct {
		Status    string `json:"status"`
		Attempts  int    `json:"attempts"`
		LastError string `json:"last_error"`
	}
	if code := app.API("GET", "/api/v1/events/"+ev.ID, nil, &api); code != 200 || api.Status != "received" || api.Attempts < 1 || api.LastError == "" {
		t.Fatalf("API while retrying: got %d %+v, want received with attempts and last_error", code, api)
	}
	if _, err := app.Pool.Exec(ctx, `UPDATE fault SET on_ = false`); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		e, _ := app.Store.EventByID(ctx, ev.ID)
		if e.Status == "processed" {
			if e.Attempts < 2 {
				t.Fatalf("attempts: got %d, want at least 2", e.Attempts)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("event not processed after the fault was lifted: %s %q", e.Status, e.LastError)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if o := order(t, app, pi); o.Status != "paid" {
		t.Fatalf("order: got %s", o.Status)
	}
}

// A checkout's billing name is incidental; the customer object is
// authoritative for the name whichever arrives first.
func TestCustomerSnapshotWinsOverCheckoutInEitherOrder(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for _, snapshotFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("snapshot first %v", snapshotFirst), func(t *testing.T) {
			t.Parallel()
			app := New(t)
			cus := NewID("cus")
			snapshot := NewEvent("customer.updated", Customer(cus, "maya@example.com", "Maya Lind")).At(now.Add(-time.Minute))
			checkout := NewEvent("checkout.session.completed",
				CheckoutSession(NewID("cs"), NewID("pi"), 4800, "usd", cus, "maya@example.com", "M LIND CARD", "ORD-1")).At(now)
			first, second := snapshot, checkout
			if !snapshotFirst {
				first, second = checkout, snapshot
			}
			app.SendAndWait(first)
			app.SendAndWait(second)
			if a := account(t, app, "stripe_customer_id="+cus); a.Name != "Maya Lind" {
				t.Fatalf("name: got %q, want the customer object's %q", a.Name, "Maya Lind")
			}
		})
	}
}
