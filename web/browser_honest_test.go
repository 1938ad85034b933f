package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/riverqueue/river"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/internal/stripefake"
	"github.com/switchboardhq/switchboard/store"
)

// signInBrowser signs u in through the login form.
func signInBrowser(t *testing.T, ctx context.Context, base string, u store.User) {
	t.Helper()
	run(t, ctx, "sign in",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(tid("login-form")),
		chromedp.SendKeys(chromedp.ID("email"), u.Email),
		chromedp.SendKeys(chromedp.ID("password"), Password),
		chromedp.Click(tid("login-submit")),
		chromedp.WaitVisible(tid("who")),
	)
}

// attr reads one attribute of the first element matching sel.
func attr(t *testing.T, ctx context.Context, sel chromedp.CSS, name string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.AttributeValue(sel, name))
	if err != nil {
		t.Fatalf("reading %s of %s: %v", name, sel, err)
	}
	return v.Value
}

// count is how many elements match a CSS selector on the current page.
func count(t *testing.T, ctx context.Context, css string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+strconv.Quote(css)+`).length`))
	if err != nil {
		t.Fatalf("counting %s: %v", css, err)
	}
	return n
}

// TestBrowserRefundFailedForGoodIsSeen: a refund asks for a confirmation that
// names amount, customer and order; when Stripe refuses it for good, the
// overview's Needs attention says so with both ways forward, an alert is
// raised, the orders list and the order page are marked, and the job page
// names the refund and refuses a retry that would read as done.
func TestBrowserRefundFailedForGoodIsSeen(t *testing.T) {
	t.Parallel()
	ctx, problems := browser(t)
	fake := stripefake.New(t)
	app := NewWith(t, Options{Stripe: fake})
	o := paidOrder(t, app, fake, 1000)
	fake.RefundError(stripefake.CardDeclined)
	admin := app.NewUser(store.UserAdmin, nil)
	base, id := app.Server.URL, strconv.FormatInt(o.ID, 10)
	signInBrowser(t, ctx, base, admin)

	run(t, ctx, "ask for the refund",
		chromedp.Navigate(base+"/orders/"+id+"/refund"),
		chromedp.WaitVisible(tid("refund-form")),
		chromedp.Click(tid("refund-submit")),
		chromedp.WaitVisible(tid("refund-confirm")),
	)
	if got, want := text(t, ctx, tid("refund-confirm-question")), "Refund 10.00 USD to Ada for order "+id+"?"; got != want {
		t.Fatalf("confirmation: got %q, want %q", got, want)
	}
	if n := app.Count(`SELECT count(*) FROM refund_requests WHERE order_id = $1`, o.ID); n != 0 {
		t.Fatalf("refund requests before the confirmation: got %d, want 0", n)
	}
	run(t, ctx, "confirm", chromedp.Click(tid("refund-confirm-submit")))
	app.Eventually(10*time.Second, "Stripe's refusal recorded", func() bool {
		n := app.Count(`SELECT count(*) FROM refund_requests WHERE order_id = $1 AND status = 'failed'`, o.ID)
		return n == 1
	})

	run(t, ctx, "the overview", chromedp.Navigate(base+"/"), chromedp.WaitVisible(tid("attention")))
	want := "Refund for order " + id + " (10.00 USD) failed: request it again or refund in Stripe"
	if got := text(t, ctx, tid("attention")); !strings.Contains(got, want) {
		t.Fatalf("Needs attention: got %q, want it to say %q", got, want)
	}
	if got := attr(t, ctx, `[data-testid="attention-item"] a[href$="/refund"]`, "href"); got != "/orders/"+id+"/refund" {
		t.Fatalf("request-again link: got %q", got)
	}
	if n := count(t, ctx, `[data-testid="attention-item"] a[href^="https://dashboard.stripe.com/test/payments/"]`); n != 1 {
		t.Fatalf("links to the payment in Stripe: got %d, want 1", n)
	}
	run(t, ctx, "the alerts", chromedp.Navigate(base+"/alerts"), chromedp.WaitVisible(tid("alerts-table")))
	if got := text(t, ctx, tid("alerts-table")); !strings.Contains(got, "Refund for order "+id+" (10.00 USD) failed") {
		t.Fatalf("alerts: got %q, want the refund's", got)
	}
	run(t, ctx, "the orders list", chromedp.Navigate(base+"/orders"), chromedp.WaitVisible(tid("order-refund-failed")))
	run(t, ctx, "the order page", chromedp.Navigate(base+"/orders/"+id), chromedp.WaitVisible(tid("order-refund-failed")))

	res, err := app.River.JobList(context.Background(), river.NewJobListParams().Kinds("stripe_refund").First(1))
	if err != nil || len(res.Jobs) != 1 {
		t.Fatalf("the refund's job: %v %v", res, err)
	}
	job := strconv.FormatInt(res.Jobs[0].ID, 10)
	run(t, ctx, "the job page", chromedp.Navigate(base+"/jobs/"+job), chromedp.WaitVisible(tid("job-retry-refused")))
	if got := text(t, ctx, tid("job-belongs")); !strings.Contains(got, "refund of 10.00 USD for order "+id+" (failed)") {
		t.Fatalf("what the job belongs to: got %q", got)
	}
	if n := count(t, ctx, `[data-testid="job-retry"]`); n != 0 {
		t.Fatalf("retry buttons on an ended refund's job: got %d, want 0", n)
	}
	// A retry sent anyway (an old tab) is refused with the reason, and the job stays as it was.
	p := app.SignInAs(admin).Post("/jobs/"+job+"/retry", nil).Want(http.StatusConflict)
	if got := p.Text("error-message"); !strings.Contains(got, "request a new refund") {
		t.Fatalf("retry refusal: got %q", got)
	}
	if p := problems(); len(p) > 0 {
		t.Fatalf("browser problems: %v", p)
	}
}

// TestBrowserEvidenceNotYetAtStripeSaysSo: evidence asks for a confirmation;
// while Stripe does not answer, the dispute page says it is not sent yet and
// which attempt is on its way (never "submitted"); evidence Stripe refuses for
// good is listed in Needs attention with its deadline.
func TestBrowserEvidenceNotYetAtStripeSaysSo(t *testing.T) {
	t.Parallel()
	ctx, problems := browser(t)
	fake := stripefake.New(t)
	app := NewWith(t, Options{Stripe: fake})
	admin := app.NewUser(store.UserAdmin, nil)
	base := app.Server.URL
	signInBrowser(t, ctx, base, admin)
	submit := func(d store.Dispute) {
		t.Helper()
		run(t, ctx, "submit evidence for "+d.StripeDisputeID,
			chromedp.Navigate(base+"/disputes/"+strconv.FormatInt(d.ID, 10)),
			chromedp.WaitVisible(tid("evidence-form")),
			chromedp.SendKeys(tid("evidence-product_description"), "A blue teapot, 1 l."),
			chromedp.Click(tid("evidence-submit")),
			chromedp.WaitVisible(tid("evidence-confirm")),
		)
		if got := text(t, ctx, tid("evidence-confirm-question")); !strings.Contains(got, d.StripeDisputeID) || !strings.Contains(got, "Ada") {
			t.Fatalf("confirmation: got %q, want the dispute and the customer named", got)
		}
		if n := app.Count(`SELECT count(*) FROM dispute_evidence_submissions WHERE dispute_id = $1`, d.ID); n != 0 {
			t.Fatalf("submissions before the confirmation: got %d, want 0", n)
		}
		run(t, ctx, "confirm", chromedp.Click(tid("evidence-confirm-submit")))
	}

	// Refused for good: Needs attention carries the deadline.
	refused := fakeDispute(t, app, fake, time.Now().Add(50*time.Hour))
	fake.DisputeError(stripefake.DisputeInvalid)
	submit(refused)
	app.Eventually(10*time.Second, "Stripe's refusal recorded", func() bool {
		return app.Count(`SELECT count(*) FROM dispute_evidence_submissions WHERE dispute_id = $1 AND status = 'failed'`, refused.ID) == 1
	})
	run(t, ctx, "the overview", chromedp.Navigate(base+"/"), chromedp.WaitVisible(tid("attention")))
	want := "Evidence for dispute " + refused.StripeDisputeID + " (" + store.Money(refused.Amount, refused.Currency) + ") did not reach Stripe: evidence due in 2 days"
	if got := text(t, ctx, tid("attention")); !strings.Contains(got, want) {
		t.Fatalf("Needs attention: got %q, want %q", got, want)
	}

	// Stripe down: every attempt fails, and the page says so while it retries.
	retrying := fakeDispute(t, app, fake, time.Now().Add(72*time.Hour))
	fake.FailNext(6, stripefake.Fault{Status: http.StatusServiceUnavailable})
	submit(retrying)
	page := base + "/disputes/" + strconv.FormatInt(retrying.ID, 10)
	app.Eventually(20*time.Second, "a second attempt failed", func() bool {
		return app.Count(`SELECT count(*) FROM dispute_evidence_submissions WHERE dispute_id = $1 AND attempts >= 2`, retrying.ID) == 1
	})
	run(t, ctx, "reload the dispute", chromedp.Navigate(page), chromedp.WaitVisible(tid("evidence-state")))
	if got := text(t, ctx, tid("evidence-state")); !strings.HasPrefix(got, "Not sent yet: retrying (attempt ") || !strings.HasSuffix(got, " of 6)") {
		t.Fatalf("evidence state while Stripe is down: got %q, want 'Not sent yet: retrying (attempt N of 6)'", got)
	}
	if got := text(t, ctx, tid("dispute-evidence")); strings.Contains(got, "already submitted") || strings.Contains(got, "submitted to Stripe") {
		t.Fatalf("the evidence section reads as submitted while nothing reached Stripe: %q", got)
	}
	if p := problems(); len(p) > 0 {
		t.Fatalf("browser problems: %v", p)
	}
}

// TestBrowserHeldAlertResolvesItself: the critical alert for a held event
// resolves itself once the event is replayed, recorded as resolved by
// Switchboard with why, and no longer counts as open.
func TestBrowserHeldAlertResolvesItself(t *testing.T) {
	t.Parallel()
	ctx, problems := browser(t)
	app := New(t)
	ev := NewEvent("customer.created", Customer(NewID("cus"), "", "Held"))
	ev.APIVersion = "2020-08-27"
	app.SendAndWait(ev)
	admin := app.NewUser(store.UserAdmin, nil)
	base := app.Server.URL
	signInBrowser(t, ctx, base, admin)
	run(t, ctx, "the open alerts", chromedp.Navigate(base+"/alerts"), chromedp.WaitVisible(tid("alerts-table")))
	if got := text(t, ctx, tid("alerts-table")); !strings.Contains(got, "2020-08-27") {
		t.Fatalf("open alerts: got %q, want the held event's", got)
	}
	run(t, ctx, "replay the held events",
		chromedp.Navigate(base+"/events/bulk-replay?status=held"),
		chromedp.WaitVisible(tid("bulk-replay-confirm")),
		chromedp.Click(tid("bulk-replay-confirm")),
		// The form's own navigation ends before the next one starts (else Chromium aborts it).
		chromedp.WaitVisible(tid("flash-ok")),
	)
	app.WaitStatus(ev.ID, store.EventProcessed)
	run(t, ctx, "the open alerts again", chromedp.Navigate(base+"/alerts"), chromedp.WaitVisible(tid("alerts-empty")))
	run(t, ctx, "the resolved alerts", chromedp.Navigate(base+"/alerts?state=resolved"), chromedp.WaitVisible(tid("alert-resolved-why")))
	if got := text(t, ctx, tid("alert-resolved-why")); got != "Resolved automatically: No event of this API version is held any more: each was replayed or ignored." {
		t.Fatalf("why it resolved: got %q", got)
	}
	a, err := app.Store.AlertByKey(context.Background(), store.AlertEventHeld, "api_version:2020-08-27")
	if err != nil || a.ResolvedAt == nil || a.ResolvedBy != store.AlertResolver {
		t.Fatalf("held alert: got %+v %v, want resolved by %s", a, err, store.AlertResolver)
	}
	if p := problems(); len(p) > 0 {
		t.Fatalf("browser problems: %v", p)
	}
}

// TestBrowserSetupGuides: without a CRM, the customer page says so in words
// and links admins to Setup, where the CRM's section says exactly what to set
// and "Test it now" runs its launch checks in place; support staff see no
// setting names, and a refused action's page leads to Setup.
func TestBrowserSetupGuides(t *testing.T) {
	t.Parallel()
	ctx, problems := browser(t)
	doctor := func(context.Context) []store.Check {
		return []store.Check{
			{Name: "config.crm", Status: store.CheckWarn, Detail: "no CRM: customers are not synced anywhere", Fix: "set CRM_PROVIDER=hubspot and HUBSPOT_TOKEN"},
			{Name: "config.billing_url", Status: store.CheckOK, Detail: "https://shop.test/billing"},
		}
	}
	app := NewWith(t, Options{Doctor: doctor})
	cus := NewID("cus")
	app.SendAndWait(NewEvent("customer.created", Customer(cus, "maya@example.com", "Maya Lind")))
	a, err := app.Store.AccountByStripeCustomer(context.Background(), cus)
	if err != nil {
		t.Fatal(err)
	}
	customer := "/customers/" + strconv.FormatInt(a.ID, 10)
	admin := app.NewUser(store.UserAdmin, nil)
	base := app.Server.URL
	signInBrowser(t, ctx, base, admin)
	run(t, ctx, "the customer page", chromedp.Navigate(base+customer), chromedp.WaitVisible(tid("crm-off")))
	if n := count(t, ctx, `[data-testid="crm-sync-now"]`); n != 0 {
		t.Fatalf("Sync now buttons without a CRM: got %d, want 0", n)
	}
	run(t, ctx, "follow the link to Setup", chromedp.Click(tid("crm-off-setup")), chromedp.WaitVisible(tid("setup-crm")))
	crm := text(t, ctx, tid("setup-crm"))
	for _, want := range []string{"not set up", "CRM_PROVIDER=hubspot", "HUBSPOT_TOKEN", "switchboard crm setup"} {
		if !strings.Contains(crm, want) {
			t.Fatalf("Setup's CRM section: got %q, want it to say %q", crm, want)
		}
	}
	run(t, ctx, "test the CRM now",
		chromedp.Click(`[data-testid="setup-crm"] [data-testid="setup-test"]`),
		chromedp.WaitVisible(`[data-testid="setup-crm"] [data-testid="setup-result"]`),
	)
	if got := text(t, ctx, `[data-testid="setup-crm"] [data-testid="setup-result"]`); !strings.Contains(got, "config.crm") || strings.Contains(got, "billing") {
		t.Fatalf("CRM test result: got %q, want the CRM's check alone", got)
	}

	// Support: the same facts, no setting names; a refused sync leads on.
	support := app.SignIn(store.UserSupport)
	if got := support.Get(customer).Text("crm-off"); strings.Contains(got, "CRM_PROVIDER") || !strings.Contains(got, "An admin can connect one") {
		t.Fatalf("support's customer page: got %q", got)
	}
	p := support.Post(customer+"/crm-sync", nil).Want(http.StatusConflict)
	if got := p.Text("error-message"); strings.Contains(got, "CRM_PROVIDER") || !strings.Contains(got, "An admin can set it up") {
		t.Fatalf("support's refused sync: got %q", got)
	}
	p = app.SignInAs(admin).Post(customer+"/crm-sync", nil).Want(http.StatusConflict)
	if href, _ := p.Find("error-setup").Attr("href"); href != "/setup#crm" {
		t.Fatalf("admin's refused sync: Setup link %q, want /setup#crm", href)
	}
	if p := problems(); len(p) > 0 {
		t.Fatalf("browser problems: %v", p)
	}
}
