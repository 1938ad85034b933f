package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// TestBrowserWorkbench walks the console as a founder: from the overview's
// "Needs attention" to the failing event and its fix, a job retried from its
// page, an order reached from a dispute, and a seller's home link.
func TestBrowserWorkbench(t *testing.T) {
	t.Parallel()
	ctx, problems := browser(t)
	app := New(t)
	admin := app.NewUser(store.UserAdmin, nil)
	eventID, restore1 := app.FailedPayment("")
	jobEvent, restore2 := app.FailedPayment("")
	restore1()
	restore2()
	ch := NewID("ch")
	app.SendAndWait(NewEvent("charge.succeeded", Charge(ch, NewID("pi"), 5000, 0, "usd", NewID("cus"), "d@example.com", "succeeded",
		map[string]string{"order_id": "ORD-77"})))
	dp := NewID("dp")
	app.SendAndWait(NewEvent("charge.dispute.created", Dispute(dp, ch, "", 5000, "usd", "needs_response", "fraudulent", time.Now().Add(30*time.Hour))))
	base := app.Server.URL
	signIn := func(email string) {
		t.Helper()
		run(t, ctx, "sign in as "+email,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(tid("login-form")),
			chromedp.SendKeys(chromedp.ID("email"), email),
			chromedp.SendKeys(chromedp.ID("password"), Password),
			chromedp.Click(tid("login-submit")),
			chromedp.WaitVisible(tid("who")),
		)
	}

	signIn(admin.Email)
	run(t, ctx, "the overview lists what needs attention", chromedp.Navigate(base+"/"), chromedp.WaitVisible(tid("attention")))
	shot(t, ctx, "attention")
	run(t, ctx, "open the failed event from the list",
		chromedp.Click(chromedp.CSS(`[data-testid="attention"] a[href="/events/`+eventID+`"]`)),
		chromedp.WaitVisible(tid("replay-dry-run")),
		chromedp.Click(tid("replay-dry-run")),
		chromedp.WaitVisible(tid("replay-apply")),
	)
	run(t, ctx, "apply its replay", chromedp.Click(tid("replay-apply")), chromedp.WaitVisible(tid("flash-ok")))
	if got := text(t, ctx, tid("event-status")); got != "processed" {
		t.Fatalf("event after the fix: got %q, want processed", got)
	}

	jobID := eventJobID(t, app, jobEvent)
	run(t, ctx, "open the other event's job from the jobs list",
		chromedp.Navigate(base+"/jobs?state=retryable"),
		chromedp.WaitVisible(tid("jobs-table")),
		chromedp.Click(chromedp.CSS(`a[href="/jobs/`+jobID+`"]`)),
		chromedp.WaitVisible(tid("job-errors")),
		chromedp.Click(chromedp.CSS(`[data-testid="job-actions"] [data-testid="job-retry"]`)),
		chromedp.WaitVisible(tid("flash-ok")),
	)
	if got := text(t, ctx, tid("flash-ok")); !strings.Contains(got, "Queued to run now") {
		t.Fatalf("after retry: got %q", got)
	}
	app.WaitStatus(jobEvent, store.EventProcessed)

	d, err := app.Store.DisputeByStripeID(t.Context(), dp)
	if err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "open the order from its dispute",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(tid("attention")),
		chromedp.Click(chromedp.CSS(`[data-testid="attention"] a[href="/disputes/`+itoa(d.ID)+`"]`)),
		chromedp.WaitVisible(tid("dispute-order")),
		chromedp.Click(tid("dispute-order")),
		chromedp.WaitVisible(tid("order-facts")),
	)
	shot(t, ctx, "order")
	if got := text(t, ctx, tid("order-reference")); got != "ORD-77" {
		t.Fatalf("order reference: got %q", got)
	}

	acct := app.Count(`SELECT coalesce((SELECT id FROM accounts LIMIT 1), 0)`)
	id := int64(acct)
	seller := app.NewUser(store.UserSeller, &id)
	run(t, ctx, "sign out", chromedp.Click(tid("logout")), chromedp.WaitVisible(tid("login-form")))
	signIn(seller.Email)
	run(t, ctx, "a seller's brand link goes home",
		chromedp.Navigate(base+"/events"),
		chromedp.WaitVisible(tid("error-home")),
		chromedp.Click(tid("brand")),
		chromedp.WaitVisible(tid("who")),
	)
	path, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil || path != "/seller/" {
		t.Fatalf("seller's home: got %s (%v), want /seller/", path, err)
	}
	// The seller's 403 on /events was the point; anything else is a problem.
	for _, p := range problems() {
		if !strings.Contains(p, "/events: error: Failed to load resource: the server responded with a status of 403") {
			t.Errorf("a page logged an error: %s", p)
		}
	}
}
