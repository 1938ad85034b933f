package jobs_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// order fetches the one order of a PaymentIntent through the API.
func order(t *testing.T, app *App, pi string) store.Order {
	t.Helper()
	var os []store.Order
	if code := app.API("GET", "/api/v1/orders?payment_intent="+pi, nil, &os); code != 200 || len(os) != 1 {
		t.Fatalf("orders of %s: got %d %+v, want one", pi, code, os)
	}
	return os[0]
}

func account(t *testing.T, app *App, query string) store.Account {
	t.Helper()
	var a store.Account
	if code := app.API("GET", "/api/v1/accounts?"+query, nil, &a); code != 200 {
		t.Fatalf("account %s: got %d", query, code)
	}
	return a
}

func paid(app *App, cus, email string, amount int64) (pi, ch string) {
	pi, ch = NewID("pi"), NewID("ch")
	app.SendAndWait(NewEvent("payment_intent.succeeded", PaymentIntent(pi, amount, "usd", cus, "succeeded", nil)))
	app.SendAndWait(NewEvent("charge.succeeded", Charge(ch, pi, amount, 0, "usd", cus, email, "succeeded", nil)))
	return pi, ch
}

func TestRefundUpdatesOrderAndAccount(t *testing.T) {
	t.Parallel()
	app := New(t)
	cus := NewID("cus")
	app.SendAndWait(NewEvent("customer.created", Customer(cus, "bo@example.com", "Bo")))
	pi, ch := paid(app, cus, "bo@example.com", 4200)
	if a := account(t, app, "stripe_customer_id="+cus); a.PaymentState != "active" {
		t.Fatalf("after payment: got %q, want active", a.PaymentState)
	}
	app.SendAndWait(NewEvent("charge.refunded", Charge(ch, pi, 4200, 1000, "usd", cus, "", "succeeded", nil)))
	if o := order(t, app, pi); o.Status != "partially_refunded" || o.RefundedAmount != 1000 {
		t.Fatalf("partial refund: got %s %d", o.Status, o.RefundedAmount)
	}
	if a := account(t, app, "stripe_customer_id="+cus); a.PaymentState != "active" {
		t.Fatalf("after partial refund: got %q, want active", a.PaymentState)
	}
	app.SendAndWait(NewEvent("charge.refunded", Charge(ch, pi, 4200, 4200, "usd", cus, "", "succeeded", nil)))
	if o := order(t, app, pi); o.Status != "refunded" || o.RefundedAmount != 4200 {
		t.Fatalf("full refund: got %s %d", o.Status, o.RefundedAmount)
	}
	if a := account(t, app, "stripe_customer_id="+cus); a.PaymentState != "refunded" {
		t.Fatalf("after full refund: got %q, want refunded", a.PaymentState)
	}
}

func TestOutOfOrderPairsEndInTheRightState(t *testing.T) {
	t.Parallel()
	now := time.Now()
	cases := []struct {
		name string
		run  func(app *App) (pi string)
		want string
		// refunded is the want for refunded_amount.
		refunded int64
	}{
		{"refund before payment (charge.refunded first)", func(app *App) string {
			pi, ch := NewID("pi"), NewID("ch")
			app.SendAndWait(NewEvent("charge.refunded", Charge(ch, pi, 3000, 3000, "usd", "", "", "succeeded", nil)).At(now))
			app.SendAndWait(NewEvent("payment_intent.succeeded", PaymentIntent(pi, 3000, "usd", "", "succeeded", nil)).At(now.Add(-time.Minute)))
			app.SendAndWait(NewEvent("charge.succeeded", Charge(ch, pi, 3000, 0, "usd", "", "", "succeeded", nil)).At(now.Add(-time.Minute)))
			return pi
		}, "refunded", 3000},
		{"refund object before any order", func(app *App) string {
			pi, ch := NewID("pi"), NewID("ch")
			app.SendAndWait(NewEvent("refund.created", Refund(NewID("re"), ch, pi, 1200, "usd", "succeeded")))
			if n := app.Count(`SELECT count(*) FROM refunds WHERE stripe_payment_intent_id = $1`, pi); n != 1 {
				app.T.Fatalf("refund before payment was not recorded")
			}
			app.SendAndWait(NewEvent("charge.succeeded", Charge(ch, pi, 3000, 0, "usd", "", "", "succeeded", nil)))
			return pi
		}, "partially_refunded", 1200},
		{"older charge.succeeded snapshot in the same second", func(app *App) string {
			pi, ch := NewID("pi"), NewID("ch")
			app.SendAndWait(NewEvent("charge.refunded", Charge(ch, pi, 3000, 500, "usd", "", "", "succeeded", nil)).At(now))
			app.SendAndWait(NewEvent("charge.succeeded", Charge(ch, pi, 3000, 0, "usd", "", "", "succeeded", nil)).At(now))
			return pi
		}, "partially_refunded", 500},
		{"payment failure after success", func(app *App) string {
			pi := NewID("pi")
			app.SendAndWait(NewEvent("payment_intent.succeeded", PaymentIntent(pi, 900, "usd", "", "succeeded", nil)).At(now))
			app.SendAndWait(NewEvent("payment_intent.payment_failed", PaymentIntent(pi, 900, "usd", "", "requires_payment_method", nil)).At(now.Add(-time.Second)))
			return pi
		}, "paid", 0},
		{"failure then success (card retried)", func(app *App) string {
			pi := NewID("pi")
			app.SendAndWait(NewEvent("payment_intent.payment_failed", PaymentIntent(pi, 900, "usd", "", "requires_payment_method", nil)))
			app.SendAndWait(NewEvent("payment_intent.succeeded", PaymentIntent(pi, 900, "usd", "", "succeeded", nil)))
			return pi
		}, "paid", 0},
		{"dispute won before the stale update", func(app *App) string {
			pi, ch, dp := NewID("pi"), NewID("ch"), NewID("dp")
			app.SendAndWait(NewEvent("charge.succeeded", Charge(ch, pi, 2000, 0, "usd", "", "", "succeeded", nil)))
			app.SendAndWait(NewEvent("charge.dispute.closed", Dispute(dp, ch, pi, 2000, "usd", "won", "fraudulent", now.Add(72*time.Hour))).At(now))
			app.SendAndWait(NewEvent("charge.dispute.updated", Dispute(dp, ch, pi, 2000, "usd", "needs_response", "fraudulent", now.Add(72*time.Hour))).At(now.Add(-time.Hour)))
			return pi
		}, "paid", 0},
		{"dispute before its charge", func(app *App) string {
			pi, ch := NewID("pi"), NewID("ch")
			app.SendAndWait(NewEvent("charge.dispute.created", Dispute(NewID("dp"), ch, pi, 2000, "usd", "needs_response", "fraudulent", now.Add(72*time.Hour))))
			app.SendAndWait(NewEvent("charge.succeeded", Charge(ch, pi, 2000, 0, "usd", "", "", "succeeded", nil)))
			return pi
		}, "disputed", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			app := New(t)
			pi := c.run(app)
			o := order(t, app, pi)
			if o.Status != c.want || o.RefundedAmount != c.refunded {
				t.Fatalf("got %s refunded %d, want %s refunded %d", o.Status, o.RefundedAmount, c.want, c.refunded)
			}
			if n := app.Count(`SELECT count(*) FROM orders`); n != 1 {
				t.Fatalf("orders: got %d, want 1", n)
			}
		})
	}
}

func TestSignupThenPaymentJoinsTheSameAccount(t *testing.T) {
	t.Parallel()
	app := New(t)
	var signup store.Account
	if code := app.API("POST", "/api/v1/signups", map[string]string{"email": "Cleo@Example.com", "name": "Cleo", "role": "seller", "plan_tier": "pro"}, &signup); code != 201 {
		t.Fatalf("signup: got %d", code)
	}
	var again store.Account
	if code := app.API("POST", "/api/v1/signups", map[string]string{"email": "cleo@example.com", "name": "Other", "role": "seller"}, &again); code != 200 || again.ID != signup.ID {
		t.Fatalf("repeat signup: got %d id %d, want 200 id %d", code, again.ID, signup.ID)
	}
	cus := NewID("cus")
	app.SendAndWait(NewEvent("checkout.session.completed", CheckoutSession(NewID("cs"), NewID("pi"), 1500, "usd", cus, "cleo@example.com", "Cleo C", "ord_9")))
	a := account(t, app, "email=CLEO@example.com")
	if a.ID != signup.ID || a.StripeCustomerID == nil || *a.StripeCustomerID != cus || a.Name != "Cleo" || a.PlanTier != "pro" || a.Role != "seller" {
		t.Fatalf("joined account: got %+v", a)
	}
	if n := app.Count(`SELECT count(*) FROM accounts`); n != 1 {
		t.Fatalf("accounts: got %d, want 1", n)
	}
}

func TestSignupValidation(t *testing.T) {
	t.Parallel()
	app := New(t)
	for _, body := range []map[string]string{
		{"email": "not-an-email", "name": "x", "role": "buyer"},
		{"email": "a@b.co", "name": "x", "role": "admin"},
		{"email": "", "role": "buyer"},
	} {
		var e struct{ Error string }
		if code := app.API("POST", "/api/v1/signups", body, &e); code != 422 || e.Error == "" {
			t.Fatalf("signup %v: got %d %q, want 422 with a message", body, code, e.Error)
		}
	}
	if n := app.Count(`SELECT count(*) FROM accounts`); n != 0 {
		t.Fatalf("bad signups created %d accounts", n)
	}
}

func TestHostileNamesAreStoredByteForByte(t *testing.T) {
	t.Parallel()
	app := New(t)
	names := []string{"<script>alert(1)</script>", "\u202eevil\u202c O'Brien \"quoted\"", "Zoë 😀 مرحبا", `Robert'); DROP TABLE accounts;--`}
	for i, name := range names {
		cus := NewID("cus")
		app.SendAndWait(NewEvent("customer.created", Customer(cus, fmt.Sprintf("h%d@example.com", i), name)))
		if a := account(t, app, "stripe_customer_id="+cus); a.Name != name {
			t.Fatalf("name: got %q, want %q", a.Name, name)
		}
	}
}

func TestGuestCheckoutAndMinorUnits(t *testing.T) {
	t.Parallel()
	app := New(t)
	guest := NewID("pi")
	app.SendAndWait(NewEvent("payment_intent.succeeded", PaymentIntent(guest, 2500, "usd", "", "succeeded", nil)))
	if o := order(t, app, guest); o.BuyerAccountID != nil || o.Status != "paid" {
		t.Fatalf("guest order: got %+v", o)
	}
	for _, c := range []struct {
		cur    string
		amount int64
	}{{"jpy", 5000}, {"kwd", 12345}, {"eur", 1999}} {
		pi := NewID("pi")
		app.SendAndWait(NewEvent("payment_intent.succeeded", PaymentIntent(pi, c.amount, c.cur, "", "succeeded", nil)))
		if o := order(t, app, pi); o.Amount != c.amount || o.Currency != c.cur {
			t.Fatalf("%s: got %d %s", c.cur, o.Amount, o.Currency)
		}
	}
	if n := app.Count(`SELECT count(*) FROM accounts`); n != 0 {
		t.Fatalf("guest payments created %d accounts", n)
	}
}

func TestInvoicePaymentIsNotAnOrder(t *testing.T) {
	t.Parallel()
	app := New(t)
	pi := PaymentIntent(NewID("pi"), 2900, "usd", NewID("cus"), "succeeded", nil)
	pi["invoice"] = NewID("in")
	ev := NewEvent("payment_intent.succeeded", pi)
	got := app.SendAndWait(ev)
	if got.Status != "ignored" || !strings.Contains(got.LastError, "invoice") {
		t.Fatalf("invoice payment: got %s %q", got.Status, got.LastError)
	}
	if n := app.Count(`SELECT count(*) FROM orders`); n != 0 {
		t.Fatalf("orders: got %d, want 0", n)
	}
}
