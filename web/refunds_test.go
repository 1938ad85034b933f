package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/internal/stripefake"
	"github.com/switchboardhq/switchboard/jobs/stripeapi"
	"github.com/switchboardhq/switchboard/store"
)

// paidOrder makes a paid order of amount (usd) through Stripe's events, and
// a charge the fake can refund; it returns the order.
func paidOrder(t *testing.T, app *App, fake *stripefake.Stripe, amount int64) store.Order {
	t.Helper()
	cus, pi, ch := NewID("cus"), NewID("pi"), NewID("ch")
	app.SendAndWait(NewEvent("customer.created", Customer(cus, cus+"@example.com", "Ada")))
	app.SendAndWait(NewEvent("charge.succeeded", Charge(ch, pi, amount, 0, "usd", cus, "", "succeeded", nil)))
	if fake != nil {
		fake.AddCharge(ch, pi, amount, "usd")
	}
	o, err := app.Store.OrderByPaymentIntent(context.Background(), pi)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// storedOrder writes a paid order straight to the store (no workers needed).
func storedOrder(t *testing.T, app *App, amount int64) store.Order {
	t.Helper()
	facts := store.OrderFacts{Payment: store.PaySucceeded, Dispute: store.DisputeNone, Amount: amount}
	ch, err := app.Store.UpsertOrder(context.Background(), store.OrderUpsert{PaymentIntentID: NewID("pi"), ChargeID: NewID("ch"), Currency: "usd", Facts: facts})
	if err != nil {
		t.Fatal(err)
	}
	return ch.Order
}

func refundPath(o store.Order) string { return "/orders/" + strconv.FormatInt(o.ID, 10) + "/refund" }

// refundForm is the form of the refund page with amount and reason, as the
// confirmation page posts it (confirm=yes).
func refundForm(p *Page, amount, reason string) url.Values {
	key, _ := p.Doc.Find(`[data-testid=refund-form] input[name=key]`).Attr("value")
	return url.Values{"key": {key}, "amount": {amount}, "reason": {reason}, "note": {"customer asked"}, "confirm": {"yes"}}
}

// TestRefundAsksBeforeMoneyMoves: the refund form's submit only shows a
// confirmation naming the amount, the customer and the order; nothing is
// requested until it is confirmed.
func TestRefundAsksBeforeMoneyMoves(t *testing.T) {
	t.Parallel()
	fake := stripefake.New(t)
	app := NewWith(t, Options{Stripe: fake})
	o := paidOrder(t, app, fake, 4800)
	c := app.SignIn(store.UserAdmin)
	form := refundForm(c.Get(refundPath(o)).Want(http.StatusOK), "48.00", "requested_by_customer")
	form.Del("confirm")
	p := c.Post(refundPath(o), form).Want(http.StatusOK)
	want := "Refund 48.00 USD to Ada for order " + strconv.FormatInt(o.ID, 10) + "?"
	if got := p.Text("refund-confirm-question"); got != want {
		t.Fatalf("confirmation: got %q, want %q", got, want)
	}
	if n := app.Count(`SELECT count(*) FROM refund_requests WHERE order_id = $1`, o.ID); n != 0 {
		t.Fatalf("refund requests before confirming: got %d, want 0", n)
	}
	key, _ := p.Doc.Find(`[data-testid=refund-confirm-form] input[name=key]`).Attr("value")
	if key != form.Get("key") {
		t.Fatalf("confirmation form key: got %q, want the form's %q", key, form.Get("key"))
	}
	form.Set("confirm", "yes")
	c.Post(refundPath(o), form).Want(http.StatusSeeOther)
	if n := app.Count(`SELECT count(*) FROM refund_requests WHERE order_id = $1`, o.ID); n != 1 {
		t.Fatalf("refund requests after confirming: got %d, want 1", n)
	}
}

// requestStatus reads one refund request's status.
func requestStatus(t *testing.T, app *App, id int64) store.RefundRequest {
	t.Helper()
	q, err := app.Store.RefundRequestByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func onlyRequest(t *testing.T, app *App, o store.Order) store.RefundRequest {
	t.Helper()
	qs, err := app.Store.RefundRequests(context.Background(), o.ID)
	if err != nil || len(qs) != 1 {
		t.Fatalf("refund requests of order %d: got %d (%v), want 1", o.ID, len(qs), err)
	}
	return qs[0]
}

// TestRefundFromTheConsole walks a partial refund: the form's double submit
// is one request, the job calls Stripe once with the request's idempotency
// key, the order stays paid ("refund requested") until Stripe's events arrive,
// then turns partially refunded; each step is audited with Stripe's request ID.
func TestRefundFromTheConsole(t *testing.T) {
	t.Parallel()
	fake := stripefake.New(t)
	app := NewWith(t, Options{Stripe: fake})
	o := paidOrder(t, app, fake, 5000)
	c := app.SignIn(store.UserAdmin)

	list := c.Get("/orders").Want(http.StatusOK)
	if href := list.Find("order-refund").AttrOr("href", ""); href != refundPath(o) {
		t.Fatalf("orders list refund link: got %q, want %q", href, refundPath(o))
	}
	p := c.Get(refundPath(o)).Want(http.StatusOK)
	if got := p.Doc.Find(`[data-testid=refund-amount]`).AttrOr("value", ""); got != "50.00" {
		t.Fatalf("default amount: got %q, want 50.00 (all that is left)", got)
	}
	form := refundForm(p, "20.00", "requested_by_customer")
	c.Post(refundPath(o), form).Want(http.StatusSeeOther)
	c.Post(refundPath(o), form).Want(http.StatusSeeOther) // a double click
	q := onlyRequest(t, app, o)
	app.Eventually(10*time.Second, "the refund job reaches Stripe", func() bool {
		return requestStatus(t, app, q.ID).Status == store.RefundSubmitted
	})
	refunds := fake.Refunds()
	if len(refunds) != 1 || refunds[0]["amount"] != int64(2000) || refunds[0]["reason"] != "requested_by_customer" {
		t.Fatalf("Stripe refunds: got %v, want one of 2000 for requested_by_customer", refunds)
	}
	var keys []string
	for _, r := range fake.Requests() {
		if r.Method == http.MethodPost {
			keys = append(keys, r.IdempotencyKey)
			if r.Form.Get("payment_intent") != *o.StripePaymentIntentID {
				t.Fatalf("refund payment_intent: got %q, want %q", r.Form.Get("payment_intent"), *o.StripePaymentIntentID)
			}
		}
	}
	if len(keys) != 1 || keys[0] != "switchboard-refund-request-"+strconv.FormatInt(q.ID, 10) {
		t.Fatalf("idempotency keys sent: got %q", keys)
	}

	p = c.Get(refundPath(o)).Want(http.StatusOK)
	if got := p.Text("refund-state"); got != store.RefundStateRequested {
		t.Fatalf("before Stripe's events: got %q, want %q", got, store.RefundStateRequested)
	}
	if got := p.Text("refund-order-status"); got != store.OrderPaid {
		t.Fatalf("order before Stripe's events: got %q, want paid", got)
	}
	// While it is on its way the page offers no form, and another refund
	// (from a tab opened before) is refused and changes nothing.
	if p.Find("refund-in-flight").Length() != 1 || p.Find("refund-form").Length() != 0 {
		t.Fatalf("refund page while one is on its way: want the in-flight note and no form")
	}
	old := refundForm(p, "10.00", "duplicate")
	old.Set("key", "a-tab-opened-before")
	again := c.Post(refundPath(o), old).Want(http.StatusUnprocessableEntity)
	if !strings.Contains(again.Text("refund-form-error"), "still on its way") {
		t.Fatalf("second refund in flight: got %q", again.Text("refund-form-error"))
	}

	sub := requestStatus(t, app, q.ID)
	ch := *o.StripeChargeID
	app.SendAndWait(NewEvent("refund.created", Refund(*sub.StripeRefundID, ch, *o.StripePaymentIntentID, 2000, "usd", "succeeded")))
	app.SendAndWait(NewEvent("charge.refunded", Charge(ch, *o.StripePaymentIntentID, 5000, 2000, "usd", "", "", "succeeded", nil)))
	p = c.Get(refundPath(o)).Want(http.StatusOK)
	if got := p.Text("refund-state"); got != store.RefundStateRefunded {
		t.Fatalf("after Stripe's events: got %q, want %q", got, store.RefundStateRefunded)
	}
	if got := p.Text("refund-order-status"); got != store.OrderPartiallyRefunded {
		t.Fatalf("order after Stripe's events: got %q, want partially_refunded", got)
	}
	if got := p.Doc.Find(`[data-testid=refund-amount]`).AttrOr("value", ""); got != "30.00" {
		t.Fatalf("amount left: got %q, want 30.00", got)
	}
	subj := "order:" + strconv.FormatInt(o.ID, 10)
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE subject = $1 AND action = 'refund.request' AND actor LIKE 'admin%'`, subj); n != 1 {
		t.Fatalf("refund.request audit entries: got %d, want 1", n)
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE subject = $1 AND action = 'refund.submitted' AND detail->>'stripe_request_id' LIKE 'req_%'`, subj); n != 1 {
		t.Fatalf("refund.submitted audit entries with Stripe's request ID: got %d, want 1", n)
	}
}

// TestRefundBadInput: each bad field re-renders the form with 422 and
// writes nothing; support may not refund at all.
func TestRefundBadInput(t *testing.T) {
	t.Parallel()
	fake := stripefake.New(t)
	app := NewWith(t, Options{Stripe: fake, NoWorkers: true})
	o := storedOrder(t, app, 5000)
	c := app.SignIn(store.UserAdmin)
	p := c.Get(refundPath(o)).Want(http.StatusOK)
	for _, tc := range []struct{ amount, reason, want string }{
		{"abc", "duplicate", "Type the amount in USD"},
		{"12.345", "duplicate", "Type the amount in USD"},
		{"0", "duplicate", "Type the amount in USD"},
		{"50.01", "duplicate", "at most what is left"},
		{"10", "because", "Choose a reason"},
	} {
		got := c.Post(refundPath(o), refundForm(p, tc.amount, tc.reason)).Want(http.StatusUnprocessableEntity)
		if !strings.Contains(got.Text("refund-form-error"), tc.want) {
			t.Errorf("amount %q reason %q: got %q, want %q", tc.amount, tc.reason, got.Text("refund-form-error"), tc.want)
		}
	}
	c.Post(refundPath(o), url.Values{"amount": {"1"}, "reason": {"duplicate"}}).Want(http.StatusBadRequest)
	c.Get("/orders/987654/refund").Want(http.StatusNotFound)
	app.SignIn(store.UserSupport).Post(refundPath(o), refundForm(p, "1", "duplicate")).Want(http.StatusForbidden)
	if n := app.Count(`SELECT count(*) FROM refund_requests`); n != 0 {
		t.Fatalf("refund requests after bad input: got %d, want 0", n)
	}
	if n := app.Count(`SELECT count(*) FROM river_job WHERE kind = 'stripe_refund'`); n != 0 {
		t.Fatalf("refund jobs after bad input: got %d, want 0", n)
	}
}

// TestRefundFailuresShowTheNextStep: Stripe's refusals end the request with
// what to do next; Stripe being down is retried with the same key and
// refunds once.
func TestRefundFailuresShowTheNextStep(t *testing.T) {
	t.Parallel()
	fake := stripefake.New(t)
	app := NewWith(t, Options{Stripe: fake})
	c := app.SignIn(store.UserAdmin)
	for _, tc := range []struct{ code, want string }{
		{stripefake.CardDeclined, "refund the customer another way"},
		{stripefake.BalanceInsufficient, "add funds"},
	} {
		o := paidOrder(t, app, fake, 3000)
		fake.RefundError(tc.code)
		p := c.Get(refundPath(o))
		c.Post(refundPath(o), refundForm(p, "30", "duplicate")).Want(http.StatusSeeOther)
		q := onlyRequest(t, app, o)
		app.Eventually(10*time.Second, tc.code+" recorded", func() bool {
			return requestStatus(t, app, q.ID).Status == store.RefundFailed
		})
		p = c.Get(refundPath(o)).Want(http.StatusOK)
		if p.Text("refund-state") != store.RefundStateFailed || !strings.Contains(p.Text("refund-error"), tc.want) {
			t.Errorf("%s: got %q / %q, want failed with %q", tc.code, p.Text("refund-state"), p.Text("refund-error"), tc.want)
		}
		if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'refund.failed' AND detail->>'code' = $1 AND detail->>'stripe_request_id' LIKE 'req_%'`, tc.code); n != 1 {
			t.Errorf("%s: refund.failed audit entries with Stripe's request ID: got %d, want 1", tc.code, n)
		}
		// A failed request does not block the next one.
		c.Post(refundPath(o), refundForm(c.Get(refundPath(o)), "30", "duplicate")).Want(http.StatusSeeOther)
	}

	// Stripe down: the first attempt gets a 503, the retry succeeds with the same key.
	o := paidOrder(t, app, fake, 4000)
	fake.FailNext(1, stripefake.Fault{Status: http.StatusServiceUnavailable})
	before := len(fake.Refunds())
	c.Post(refundPath(o), refundForm(c.Get(refundPath(o)), "40", "duplicate")).Want(http.StatusSeeOther)
	q := onlyRequest(t, app, o)
	app.Eventually(10*time.Second, "the 503 is shown while the job retries", func() bool {
		return strings.Contains(requestStatus(t, app, q.ID).ErrorMessage, "Stripe is not available")
	})
	app.Eventually(15*time.Second, "the retry reaches Stripe", func() bool {
		return requestStatus(t, app, q.ID).Status == store.RefundSubmitted
	})
	if got := len(fake.Refunds()) - before; got != 1 {
		t.Fatalf("refunds after a 503 and a retry: got %d, want 1", got)
	}
	var keys []string
	for _, r := range fake.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.IdempotencyKey, "-"+strconv.FormatInt(q.ID, 10)) {
			keys = append(keys, r.IdempotencyKey)
		}
	}
	if len(keys) != 2 || keys[0] != keys[1] {
		t.Fatalf("attempts' idempotency keys: got %q, want the same key twice", keys)
	}
}

// TestRefundRefusedWhenKeyModeMismatches: a test key in production (and a
// live key outside it) refuses refunds, before anything is written.
func TestRefundRefusedWhenKeyModeMismatches(t *testing.T) {
	t.Parallel()
	fake := stripefake.New(t)
	app := NewWith(t, Options{Stripe: fake, Production: true, NoWorkers: true})
	o := storedOrder(t, app, 900)
	c := app.SignIn(store.UserAdmin)
	p := c.Get(refundPath(o)).Want(http.StatusOK)
	if !strings.Contains(p.Text("refund-refused"), "test-mode key in production") || p.Find("refund-form").Length() != 0 {
		t.Fatalf("refund page in production with a test key: got %q", p.Text("refund-refused"))
	}
	c.Post(refundPath(o), url.Values{"key": {"k"}, "amount": {"9"}, "reason": {"duplicate"}}).Want(http.StatusConflict)
	if n := app.Count(`SELECT count(*) FROM refund_requests`); n != 0 {
		t.Fatalf("refund requests: got %d, want 0", n)
	}
}

func TestStripeKeyModeRefusal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		key        string
		production bool
		refused    bool
	}{
		{"sk_test_abc", false, false},
		{"rk_test_abc", false, false},
		{"sk_live_abc", true, false},
		{"rk_live_abc", true, false},
		{"sk_live_abc", false, true},
		{"rk_live_abc", false, true},
		{"sk_test_abc", true, true},
		{"pk_test_abc", false, true},
		{"", false, true},
	} {
		if got := stripeapi.ModeRefusal(tc.key, tc.production) != ""; got != tc.refused {
			t.Errorf("ModeRefusal(%q, production %v): refused %v, want %v", tc.key, tc.production, got, tc.refused)
		}
	}
}

// TestRefundFormKeyIsBoundToItsOrder: order 9's form key posted on order 10
// requests nothing and does not say "Refund requested".
func TestRefundFormKeyIsBoundToItsOrder(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{Stripe: stripefake.New(t), NoWorkers: true})
	first, second := storedOrder(t, app, 5000), storedOrder(t, app, 7000)
	c := app.SignIn(store.UserAdmin)
	form := refundForm(c.Get(refundPath(first)).Want(http.StatusOK), "10.00", "requested_by_customer")
	c.Post(refundPath(first), form).Want(http.StatusSeeOther)
	c.Get(refundPath(first)).Want(http.StatusOK) // shows the flash, once
	onlyRequest(t, app, first)

	p := c.Post(refundPath(second), form)
	if p.Status == http.StatusSeeOther || strings.Contains(p.Body, "Refund requested") {
		t.Fatalf("first order's key on the second order: got %d, want the form with an error, not \"Refund requested\"", p.Status)
	}
	p.Want(http.StatusUnprocessableEntity)
	if !strings.Contains(p.Text("refund-form-error"), "another order") {
		t.Errorf("form error: got %q, want it to say the form was for another order", p.Text("refund-form-error"))
	}
	if qs, _ := app.Store.RefundRequests(context.Background(), second.ID); len(qs) != 0 {
		t.Errorf("second order's requests: got %d, want none", len(qs))
	}
	if n := app.Count(`SELECT count(*) FROM refund_requests`); n != 1 {
		t.Errorf("refund requests: got %d, want 1", n)
	}
}

// TestRefundDoubleClickAtOnce: the same form posted twice at the same
// instant is one request, and both clicks get the request's page (303 with
// "Refund requested"), never "still on its way".
func TestRefundDoubleClickAtOnce(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{Stripe: stripefake.New(t), NoWorkers: true})
	for range 3 {
		o := storedOrder(t, app, 5000)
		c := app.SignIn(store.UserAdmin)
		form := refundForm(c.Get(refundPath(o)).Want(http.StatusOK), "20.00", "requested_by_customer")
		var wg sync.WaitGroup
		pages := make([]*Page, 4)
		for i := range pages {
			wg.Add(1)
			go func() { defer wg.Done(); pages[i] = c.Post(refundPath(o), form) }()
		}
		wg.Wait()
		for i, p := range pages {
			if p.Status != http.StatusSeeOther || p.Header.Get("Location") != refundPath(o) {
				t.Fatalf("click %d of 4 at once: got %d %q (%s), want 303 to the refund page", i+1, p.Status,
					p.Header.Get("Location"), p.Text("refund-form-error"))
			}
		}
		onlyRequest(t, app, o)
	}
}
