package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// TestBrowserNavigationAndNotFound: at 1,400 px the admin's header is one
// line; a navigation group opens and leads to its page; an unknown URL gets
// the console's 404 with a way home, for the admin and for a seller; a
// seller's home shows payout totals and leads to a dispute's checklist.
func TestBrowserNavigationAndNotFound(t *testing.T) {
	t.Parallel()
	ctx, problems := browser(t)
	app := New(t)
	admin := app.NewUser(store.UserAdmin, nil)
	acct, _ := sellerWithDispute(t, app)
	seller := app.NewUser(store.UserSeller, &acct)
	base := app.Server.URL
	signIn := func(email, wait string) {
		t.Helper()
		run(t, ctx, "sign in as "+email,
			chromedp.EmulateViewport(1400, 900),
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(tid("login-form")),
			chromedp.SendKeys(chromedp.ID("email"), email),
			chromedp.SendKeys(chromedp.ID("password"), Password),
			chromedp.Click(tid("login-submit")),
			chromedp.WaitVisible(tid(wait)),
		)
	}
	signIn(admin.Email, "overview-stats")
	shot(t, ctx, "nav")
	oneLine, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
			const box = r => document.querySelector(r).getBoundingClientRect();
			const row = box('[data-testid="brand"]');
			const sameRow = r => Math.abs((box(r).top + box(r).bottom) / 2 - (row.top + row.bottom) / 2) < 8;
			return sameRow('[data-testid="nav"]') && sameRow('.signout') && box('header.top').height < 64;
		})()`))
	if err != nil {
		t.Fatalf("measuring the header: %v", err)
	}
	if !oneLine {
		dims, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`['[data-testid="brand"]','[data-testid="nav"]','.signout','header.top'].map(r => { const b = document.querySelector(r).getBoundingClientRect(); return r + ' ' + b.top + '-' + b.bottom; }).join('; ')`))
		t.Fatalf("the header wraps at 1,400 px: %s", dims)
	}
	run(t, ctx, "open the Customers group and go to the orders",
		chromedp.Click(chromedp.CSS(`[data-testid="nav-group-Customers"] summary`)),
		chromedp.Click(chromedp.CSS(`nav a[href="/orders"]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav a[href="/orders"][aria-current="page"]`)),
	)
	run(t, ctx, "an unknown URL, and the way back",
		chromedp.Navigate(base+"/no/such/page"),
		chromedp.WaitVisible(tid("error-home")),
		chromedp.Click(tid("error-home")),
		chromedp.WaitVisible(tid("overview-stats")),
	)
	run(t, ctx, "sign out", chromedp.Click(tid("logout")), chromedp.WaitVisible(tid("login-form")))

	signIn(seller.Email, "seller-all-orders")
	shot(t, ctx, "seller-home")
	if got := text(t, ctx, tid("payout-failed")); got != "45.00 USD" {
		t.Fatalf("seller's failed payouts total: got %q", got)
	}
	run(t, ctx, "from the seller's home to a dispute's evidence checklist",
		chromedp.Click(chromedp.CSS(`[data-testid="seller-dispute"] a`)),
		chromedp.WaitVisible(tid("evidence-checklist")),
	)
	shot(t, ctx, "seller-dispute")
	if got := text(t, ctx, tid("evidence-checklist")); !strings.Contains(got, "Proof of delivery") {
		t.Fatalf("fraudulent dispute's checklist: got %q", got)
	}
	run(t, ctx, "a seller's unknown URL leads back to their sales",
		chromedp.Navigate(base+"/seller/nosuch/page"),
		chromedp.WaitVisible(tid("error-home")),
		chromedp.Click(tid("error-home")),
		chromedp.WaitVisible(tid("seller-all-orders")),
	)
	if got := text(t, ctx, tid("who")); !strings.Contains(got, seller.Email) {
		t.Fatalf("seller's header: got %q", got)
	}
	// The 404s themselves are logged by Chromium; anything else is a problem.
	var unexpected []string
	for _, p := range problems() {
		if !strings.Contains(p, "nosuch") && !strings.Contains(p, "no/such") {
			unexpected = append(unexpected, p)
		}
	}
	if p := unexpected; len(p) > 0 {
		t.Fatalf("the pages logged errors (CSP violations or script errors):\n%s", strings.Join(p, "\n"))
	}
}
