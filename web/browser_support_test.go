package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// TestBrowserSupportFlows drives the support pages in Chromium: a support
// user opens the billing queue, opens a ticket and adds a note (swapped in
// place by htmx); an admin acknowledges an alert and looks at an email.
func TestBrowserSupportFlows(t *testing.T) {
	t.Parallel()
	ctx, problems := browser(t)
	app := NewWith(t, Options{NoWorkers: true})
	signup(app, "late@example.com", "buyer", "pro")
	if _, err := app.Pool.Exec(t.Context(), `UPDATE accounts SET payment_state = 'past_due' WHERE email = 'late@example.com'`); err != nil {
		t.Fatal(err)
	}
	tk := newTicket(app, "late@example.com", "My card was declined", "Hello, my card was declined twice. "+xss)
	newTicket(app, "someone@example.com", "A general question", "Hi")
	alert := raise(app, store.AlertPayoutFailed, "payout:po_browser", "Payout po_browser of 112.00 USD failed")
	msg := keptMessage(app, "test:browser", nil, store.RenderedMessage{Subject: "Your order is confirmed",
		TextBody: "Thanks!", HTMLBody: `<p style="color:#14532d">Thanks for your order.</p>`})
	sup := app.NewUser(store.UserSupport, nil)
	admin := app.NewUser(store.UserAdmin, nil)
	base := app.Server.URL
	signIn := func(email string) {
		t.Helper()
		run(t, ctx, "sign in as "+email,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(tid("login-form")),
			chromedp.SendKeys(chromedp.ID("email"), email),
			chromedp.SendKeys(chromedp.ID("password"), Password),
			chromedp.Click(tid("login-submit")),
			chromedp.WaitVisible(tid("overview-stats")),
		)
	}

	signIn(sup.Email)
	run(t, ctx, "open the billing queue",
		chromedp.Click(chromedp.CSS(`[data-testid="nav-group-Customers"] summary`)),
		chromedp.Click(chromedp.CSS(`nav a[href="/tickets"]`)),
		chromedp.WaitVisible(tid("ticket-queues")),
		chromedp.Click(tid("queue-billing")),
		chromedp.WaitVisible(tid("tickets-table")),
	)
	shot(t, ctx, "tickets")
	if got := text(t, ctx, tid("tickets-table")); !strings.Contains(got, "My card was declined") || strings.Contains(got, "A general question") {
		t.Fatalf("billing queue: got %q", got)
	}
	run(t, ctx, "open the ticket",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/tickets/%d"]`, tk.ID))),
		chromedp.WaitVisible(tid("enrichment")),
	)
	if got := text(t, ctx, tid("enrich-payment")); got != "past_due" {
		t.Fatalf("payment state in the panel: got %q", got)
	}
	if got := text(t, ctx, tid("ticket-body")); !strings.Contains(got, xss) {
		t.Fatalf("body: got %q, want the script tag shown as text", got)
	}
	run(t, ctx, "add a note",
		chromedp.SendKeys(tid("note-body"), "Told the customer to update their card."),
		chromedp.Click(tid("note-add")),
	)
	poll(t, ctx, "the note to appear in place",
		`!!document.querySelector('[data-testid="ticket-note"]') && document.querySelector('[data-testid="note-body"]').value === ''`)
	shot(t, ctx, "ticket")
	if got := text(t, ctx, tid("ticket-note")); !strings.Contains(got, "Told the customer to update their card.") || !strings.Contains(got, sup.Email) {
		t.Fatalf("note: got %q", got)
	}
	if got := text(t, ctx, tid("ticket-audit")); !strings.Contains(got, "ticket.note") {
		t.Fatalf("audit trail after the note: got %q", got)
	}
	run(t, ctx, "take the ticket", chromedp.Click(tid("ticket-take")), chromedp.WaitVisible(tid("ticket-release")))
	if got := text(t, ctx, tid("ticket-assignee")); !strings.Contains(got, sup.Email) {
		t.Fatalf("assignee after taking it: got %q", got)
	}
	run(t, ctx, "reply to the customer",
		chromedp.SendKeys(tid("reply-body"), "Your card works again; please retry."),
		chromedp.Click(tid("reply-send")),
	)
	poll(t, ctx, "the reply to appear in place",
		`!!document.querySelector('[data-testid="ticket-note"][data-kind="reply"]') && document.querySelector('[data-testid="reply-body"]').value === ''`)
	shot(t, ctx, "ticket-replied")
	if got := text(t, ctx, tid("waiting-on")); got != "waiting on the customer" {
		t.Fatalf("after the reply: got %q, want waiting on the customer", got)
	}
	if n := app.Count(`SELECT count(*) FROM messages WHERE kind = 'ticket_reply' AND to_addr = 'late@example.com'`); n != 1 {
		t.Fatalf("reply messages queued: got %d, want 1", n)
	}
	run(t, ctx, "sign out", chromedp.Click(tid("logout")), chromedp.WaitVisible(tid("login-form")))

	signIn(admin.Email)
	if got := text(t, ctx, tid("open-alerts")); got != "Open alerts 1" {
		t.Fatalf("overview: got %q", got)
	}
	run(t, ctx, "open the alerts from the overview",
		chromedp.Click(chromedp.CSS(`[data-testid="open-alerts"] a`)),
		chromedp.WaitVisible(tid("alerts-table")),
		chromedp.Click(tid("alert-ack")),
		chromedp.WaitVisible(tid("flash-ok")),
	)
	shot(t, ctx, "alerts")
	poll(t, ctx, "the row to leave the open tab and the counts to follow",
		`!document.querySelector('[data-testid="alert-row"]') && document.querySelector('[data-testid="alert-tab-acknowledged"]').textContent === 'acknowledged (1)'`)
	if a, err := app.Store.AlertByID(t.Context(), alert.ID); err != nil || a.AcknowledgedBy != admin.Email {
		t.Fatalf("alert after acknowledging: got %+v, %v", a, err)
	}
	run(t, ctx, "look at an email",
		chromedp.Navigate(fmt.Sprintf("%s/outbox/%d", base, msg)),
		chromedp.WaitVisible(tid("message-html-preview")),
		chromedp.WaitReady(`iframe[data-testid="message-html-preview"]`),
	)
	shot(t, ctx, "message")
	if p := problems(); len(p) > 0 {
		t.Fatalf("the pages logged errors (CSP violations or script errors):\n%s", strings.Join(p, "\n"))
	}
}
