package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// crossSitePost posts a form the way another site's page would.
func crossSitePost(app *App, c *Console, path string, form url.Values) *Page {
	req, _ := http.NewRequest(http.MethodPost, app.Server.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	return c.Do(req)
}

// newTicket opens a ticket through the store, as the API does.
func newTicket(app *App, email, subject, body string) store.Ticket {
	app.T.Helper()
	t, _, err := app.Store.CreateTicket(app.T.Context(), store.NewTicket{Email: email, Subject: subject, Body: body,
		Channel: store.ChannelAPI}, "token:test")
	if err != nil {
		app.T.Fatal(err)
	}
	return t
}

func TestTicketQueuesListAndPages(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	signup(app, "late@example.com", "buyer", "pro")
	if _, err := app.Pool.Exec(t.Context(), `UPDATE accounts SET payment_state = 'past_due' WHERE email = 'late@example.com'`); err != nil {
		t.Fatal(err)
	}
	billing := newTicket(app, "late@example.com", "Card declined", "My card was declined.")
	signup(app, "potter@example.com", "seller", "seller")
	newTicket(app, "potter@example.com", "Payout", "When is my payout?")
	for i := 0; i < 52; i++ {
		newTicket(app, fmt.Sprintf("guest%d@example.com", i), fmt.Sprintf("Question %d", i), "Hello")
	}
	xssTicket := newTicket(app, "guest@example.com", xss, "Body "+xss)
	if billing.Queue != store.TicketBilling {
		t.Fatalf("the past-due customer's ticket is in %s, want billing", billing.Queue)
	}
	sup := app.SignIn(store.UserSupport)

	p := sup.Get("/tickets").Want(http.StatusOK)
	noRawScript(t, p)
	for queue, want := range map[string]string{"billing": "1", "disputes": "0", "sellers": "1", "general": "53"} {
		if got := strings.TrimSpace(p.Find("queue-" + queue).Find(`[data-testid="queue-open"]`).Text()); got != want {
			t.Errorf("queue %s open count: got %q, want %s", queue, got, want)
		}
	}
	if n := p.Find("ticket-row").Length(); n != 50 {
		t.Fatalf("first page: got %d rows, want 50", n)
	}
	if got := p.Find("ticket-subject").First().Text(); got != xss {
		t.Fatalf("newest ticket's subject: got %q, want the script tag as text", got)
	}
	next, ok := p.Find("next-page").Attr("href")
	if !ok {
		t.Fatal("no link to the next page")
	}
	p2 := sup.Get(next).Want(http.StatusOK)
	if n := p2.Find("ticket-row").Length(); n != 5 || p2.Find("next-page").Length() != 0 {
		t.Fatalf("second page: got %d rows (next link %d), want 5 and none", n, p2.Find("next-page").Length())
	}
	if last, _ := p2.Find("ticket-row").Last().Attr("data-id"); last != fmt.Sprint(billing.ID) {
		t.Fatalf("oldest ticket last: got %s, want %d", last, billing.ID)
	}

	bq := sup.Get("/tickets?queue=billing").Want(http.StatusOK)
	if id, _ := bq.Find("ticket-row").Attr("data-id"); bq.Find("ticket-row").Length() != 1 || id != fmt.Sprint(billing.ID) {
		t.Fatalf("billing queue: got %d rows (first %s), want ticket %d alone", bq.Find("ticket-row").Length(), id, billing.ID)
	}
	if cur, _ := bq.Find("queue-billing").Attr("aria-current"); cur != "page" {
		t.Fatalf("the billing queue is not marked current")
	}
	if err := app.Store.SetTicketStatus(t.Context(), xssTicket.ID, store.TicketClosed, "test"); err != nil {
		t.Fatal(err)
	}
	closed := sup.Get("/tickets?status=closed").Want(http.StatusOK)
	if id, _ := closed.Find("ticket-row").Attr("data-id"); closed.Find("ticket-row").Length() != 1 || id != fmt.Sprint(xssTicket.ID) {
		t.Fatalf("closed tickets: got %d rows", closed.Find("ticket-row").Length())
	}
	empty := sup.Get("/tickets?queue=disputes&status=open").Want(http.StatusOK)
	if empty.Find("tickets-empty").Length() != 1 {
		t.Fatal("an empty queue has no empty state")
	}
	sup.Get("/tickets?queue=vip").Want(http.StatusBadRequest)
	sup.Get("/tickets?status=burned").Want(http.StatusBadRequest)
	sup.Get("/tickets?before=x").Want(http.StatusBadRequest)
	sup.Get("/tickets/999999").Want(http.StatusNotFound)
	sup.Get("/tickets/nope").Want(http.StatusNotFound)
	app.SignIn(store.UserSeller).Get("/tickets").Want(http.StatusForbidden)
}

func TestTicketPageShowsTheCustomerWithoutAsking(t *testing.T) {
	t.Parallel()
	app := New(t)
	acct := signup(app, "ana@example.com", "buyer", "plus")
	cus := NewID("cus")
	app.SendAndWait(NewEvent("customer.created", Customer(cus, "ana@example.com", "Ana Lima")))
	app.SendAndWait(NewEvent("customer.subscription.created", Subscription(NewID("sub"), cus, "past_due", "plus", time.Now().Add(720*time.Hour))))
	tk := openTicket(app, "ANA@example.com", "Charged twice "+xss, "Hi, my key is sk_live_51HqLyjWDarjtT1zdp7dcXQ and "+xss)
	// A row written before a redaction rule existed must not show its secret either.
	if _, err := app.Pool.Exec(t.Context(), `UPDATE tickets SET body = body || ' legacy rk_live_abcdefghijklmnopqrstu' WHERE id = $1`, tk.ID); err != nil {
		t.Fatal(err)
	}
	// A confirmation email that keeps failing.
	mid, _, err := app.Store.QueueMessage(t.Context(), store.NewMessage{Key: "test:1", Kind: store.MsgOrderConfirmation, AccountID: &acct.ID, To: "ana@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Store.MessageFailed(t.Context(), mid, "451 4.3.0 mailbox busy", false); err != nil {
		t.Fatal(err)
	}
	other := openTicket(app, "ana@example.com", "Another question", "Hello again")

	for _, role := range []string{store.UserSupport, store.UserAdmin} {
		p := app.SignIn(role).Get(fmt.Sprintf("/tickets/%d", tk.ID)).Want(http.StatusOK)
		noRawScript(t, p)
		for _, secret := range []string{"sk_live_51HqLyjWDarjtT1zdp7dcXQ", "rk_live_abcdefghijklmnopqrstu"} {
			if strings.Contains(p.Body, secret) {
				t.Fatalf("%s: the ticket page shows %s", role, secret)
			}
		}
		if body := p.Text("ticket-body"); !strings.Contains(body, "[redacted]") || !strings.Contains(body, xss) {
			t.Fatalf("body: got %q, want the key redacted and the script tag as text", body)
		}
		if got := p.Text("ticket-title"); got != "Charged twice "+xss {
			t.Fatalf("title: got %q", got)
		}
		if href, _ := p.Find("enrich-account").Attr("href"); href != fmt.Sprintf("/customers/%d", acct.ID) {
			t.Fatalf("account link: got %q, want /customers/%d", href, acct.ID)
		}
		for testid, want := range map[string]string{
			"enrich-email": "ANA@example.com", "enrich-account-email": "ana@example.com", "enrich-role": "buyer",
			"enrich-plan": "plus", "enrich-payment": "past_due", "enrich-priority": "high", "enrich-queue": "billing",
			"enrich-comms": "degraded",
		} {
			if got := p.Text(testid); got != want {
				t.Errorf("%s: got %q, want %q", testid, got, want)
			}
		}
		if got := p.Text("enrich-last-action"); !strings.Contains(got, "subscription past_due") {
			t.Errorf("last action: got %q", got)
		}
		if got := p.Text("enrich-tags"); got != "plan:plus payment:past_due role:buyer" {
			t.Errorf("tags: got %q", got)
		}
		if got := p.Text("enrich-crm"); !strings.HasPrefix(got, "disabled") {
			t.Errorf("CRM sync with CRM_PROVIDER=none: got %q", got)
		}
		if got := p.Text("failing-message"); !strings.Contains(got, "degraded") || !strings.Contains(got, "451 4.3.0 mailbox busy") {
			t.Errorf("failing message: got %q", got)
		}
		// Only admins open the outbox, so only they get the link.
		if has := p.Find("failing-message").Find("a").Length() == 1; has != (role == store.UserAdmin) {
			t.Errorf("%s sees a link to the outbox: %v", role, has)
		}
		if !strings.Contains(p.Text("enrich-tickets"), fmt.Sprintf("#%d Another question", other.ID)) {
			t.Errorf("other tickets: got %q", p.Text("enrich-tickets"))
		}
	}

	unknown := openTicket(app, "stranger@example.com", "Hello", "Who are you?")
	p := app.SignIn(store.UserSupport).Get(fmt.Sprintf("/tickets/%d", unknown.ID)).Want(http.StatusOK)
	if p.Find("enrich-account-none").Length() != 1 || p.Text("enrich-tags") != "requester:unknown" || p.Text("enrich-email") != "stranger@example.com" {
		t.Fatalf("a ticket without an account: got %q / %q", p.Text("enrich-email"), p.Text("enrich-tags"))
	}
}

func TestTicketNotesAndStatusAreAudited(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	tk := newTicket(app, "bo@example.com", "Refund?", "Where is my refund?")
	sup := app.SignIn(store.UserSupport)
	path := fmt.Sprintf("/tickets/%d", tk.ID)

	sup.Post(path+"/notes", url.Values{"body": {"Asked finance. Customer pasted sk_live_abcdefghijklmnop."}}).Want(http.StatusSeeOther)
	p := sup.Get(path).Want(http.StatusOK)
	if got := p.Text("flash-ok"); got != "Note added." {
		t.Fatalf("flash: got %q", got)
	}
	if got := p.Text("ticket-note"); !strings.Contains(got, sup.User.Email) || !strings.Contains(got, "Asked finance. Customer pasted [redacted].") {
		t.Fatalf("note: got %q", got)
	}

	// htmx gets the activity fragment with the new note and audit line.
	f := sup.HTMX(http.MethodPost, path+"/notes", url.Values{"body": {"Refund sent " + xss}}).Want(http.StatusOK)
	noRawScript(t, f)
	if strings.Contains(f.Body, "<html") || f.Doc.Find("#ticket-activity").Length() != 1 || f.Find("ticket-note").Length() != 2 {
		t.Fatalf("htmx note: got a page or the wrong fragment:\n%s", f.Body)
	}
	if got := f.Find("ticket-note").Last().Find(".message-body").Text(); got != "Refund sent "+xss {
		t.Fatalf("second note: got %q", got)
	}

	// An empty note is refused with the form, and stores nothing.
	e := sup.HTMX(http.MethodPost, path+"/notes", url.Values{"body": {"   "}}).Want(http.StatusUnprocessableEntity)
	if e.Text("note-error") != "Write the note first." {
		t.Fatalf("empty note: got %q", e.Text("note-error"))
	}
	sup.Post(path+"/notes", url.Values{"body": {strings.Repeat("x", 20_001)}}).Want(http.StatusUnprocessableEntity)

	sup.Post(path+"/status", url.Values{"status": {"pending"}}).Want(http.StatusSeeOther)
	s := sup.HTMX(http.MethodPost, path+"/status", url.Values{"status": {"solved"}}).Want(http.StatusOK)
	if got := s.Text("ticket-status"); got != "solved" {
		t.Fatalf("status after the change: got %q", got)
	}
	sup.Post(path+"/status", url.Values{"status": {"burned"}}).Want(http.StatusBadRequest)
	sup.Post("/tickets/999999/status", url.Values{"status": {"open"}}).Want(http.StatusNotFound)
	sup.Post("/tickets/999999/notes", url.Values{"body": {"hello"}}).Want(http.StatusNotFound)

	// Cross-site posts change nothing.
	crossSitePost(app, sup, path+"/notes", url.Values{"body": {"forged"}}).Want(http.StatusForbidden)
	crossSitePost(app, sup, path+"/status", url.Values{"status": {"closed"}}).Want(http.StatusForbidden)

	final := sup.Get(path).Want(http.StatusOK)
	var trail []string
	final.Find("ticket-audit-row").Each(func(_ int, r *Selectionish) {
		trail = append(trail, strings.Join(strings.Fields(r.Text()), " "))
	})
	want := []string{"token:test ticket.open", sup.User.Email + " ticket.note", sup.User.Email + " ticket.note",
		sup.User.Email + ` ticket.status from: open · to: pending`, sup.User.Email + ` ticket.status from: pending · to: solved`}
	if len(trail) != len(want) {
		t.Fatalf("audit trail: got %q, want %d entries", trail, len(want))
	}
	for i := range want {
		if !strings.Contains(trail[i], want[i]) {
			t.Errorf("audit entry %d: got %q, want it to contain %q", i, trail[i], want[i])
		}
	}
	if n := final.Find("ticket-note").Length(); n != 2 {
		t.Fatalf("notes: got %d, want 2 (nothing forged, nothing empty)", n)
	}
	if got := final.Text("ticket-status"); got != "solved" {
		t.Fatalf("status: got %q, want solved", got)
	}
}

func TestSupportPagesLabelEveryInput(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	tk := newTicket(app, "a@example.com", "Hello", "Hi")
	raise(app, store.AlertPayoutFailed, "payout:po_1", "Payout failed")
	admin := app.SignIn(store.UserAdmin)
	for _, path := range []string{"/tickets", fmt.Sprintf("/tickets/%d", tk.ID), "/alerts", "/outbox", "/"} {
		p := admin.Get(path).Want(http.StatusOK)
		if p.Doc.Find("script:not([src])").Length() != 0 {
			t.Errorf("%s: an inline script would break the CSP", path)
		}
		p.Doc.Find("input:not([type=hidden]), select, textarea").Each(func(_ int, s *Selectionish) {
			id, _ := s.Attr("id")
			if id == "" || p.Doc.Find(fmt.Sprintf(`label[for=%q]`, id)).Length() != 1 {
				t.Errorf("%s: input %v has no label", path, s.Nodes[0].Attr)
			}
		})
		// Every swappable fragment has a stable id and a test id.
		p.Doc.Find("[hx-target^='#']").Each(func(_ int, s *Selectionish) {
			target, _ := s.Attr("hx-target")
			if p.Doc.Find(target+"[data-testid]").Length() != 1 {
				t.Errorf("%s: hx-target %s names no element with a data-testid", path, target)
			}
		})
	}
}
