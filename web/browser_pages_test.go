package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// TestBrowserCustomerAndSellerIsolation drives the console in Chromium: an
// admin finds a customer by search and reads their timeline; a seller opens
// their own dispute but gets the 404 page for another seller's.
func TestBrowserCustomerAndSellerIsolation(t *testing.T) {
	t.Parallel()
	ctx, problems := browser(t)
	app := New(t)
	c := newScriptCustomer(t, app)
	acctA, disputeA := sellerWithDispute(t, app)
	_, disputeB := sellerWithDispute(t, app)
	admin := app.NewUser(store.UserAdmin, nil)
	seller := app.NewUser(store.UserSeller, &acctA)
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
	run(t, ctx, "search for the customer",
		chromedp.Navigate(base+"/customers"),
		chromedp.WaitVisible(tid("customers-search")),
		chromedp.SendKeys(chromedp.ID("c-q"), c.Email),
		chromedp.Click(tid("customers-search-submit")),
	)
	// The unfiltered list is on the page before the search: wait for the
	// search's answer, one row, before clicking it.
	pollAcrossNavigation(t, ctx, "the search result", `location.search.includes('q=') &&
		document.querySelectorAll('[data-testid="customer-link"]').length === 1 &&
		document.querySelector('[data-testid="customer-link"]').getAttribute('href') === '/customers/`+strconv.FormatInt(c.Account.ID, 10)+`'`)
	run(t, ctx, "open the customer",
		chromedp.Click(tid("customer-link")),
		chromedp.WaitVisible(tid("timeline")),
	)
	shot(t, ctx, "customer")
	if got := text(t, ctx, tid("customer-name")); got != xss {
		t.Fatalf("customer name: got %q, want it as text", got)
	}
	tl := text(t, ctx, tid("timeline"))
	for _, want := range []string{"charge.succeeded", "ORD-XSS", "Dispute", "Ticket", xss} {
		if !strings.Contains(tl, want) {
			t.Fatalf("timeline: %q lacks %q", tl, want)
		}
	}
	// The name is text: no script ran (it would have opened an alert, which
	// blocks the page) and the DOM holds no script element of ours.
	poll(t, ctx, "no injected script", `document.querySelectorAll('main script').length === 0`)
	run(t, ctx, "sign out", chromedp.Click(tid("logout")), chromedp.WaitVisible(tid("login-form")))

	signIn(seller.Email)
	run(t, ctx, "open the seller's own dispute",
		chromedp.Navigate(base+"/seller/disputes/"+strconv.FormatInt(disputeA, 10)),
		chromedp.WaitVisible(tid("seller-dispute-facts")),
	)
	run(t, ctx, "open another seller's dispute",
		chromedp.Navigate(base+"/seller/disputes/"+strconv.FormatInt(disputeB, 10)),
		chromedp.WaitVisible(tid("error-message")),
	)
	shot(t, ctx, "seller-404")
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(title, "Not Found") {
		t.Fatalf("another seller's dispute: page title %q, want the 404 page", title)
	}
	if got := text(t, ctx, tid("error-message")); !strings.Contains(got, "does not exist, or not for you") {
		t.Fatalf("404 message: got %q", got)
	}
	if p := problems(); len(p) > 0 {
		// The 404 itself is logged by Chromium as a failed resource; nothing else may be.
		for _, line := range p {
			if !strings.Contains(line, "404") {
				t.Fatalf("the pages logged errors (CSP violations or script errors):\n%s", strings.Join(p, "\n"))
			}
		}
	}
}

// pollAcrossNavigation is poll for a condition on the page a form submission
// navigates to: an evaluation cut short by the navigation is tried again.
func pollAcrossNavigation(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: last result %v, %v", what, ok, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
