package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// scriptCustomer is a customer named like an attack, with a paid order, a
// dispute on it, a subscription, a ticket and a confirmation email: one of
// everything the timeline shows.
type scriptCustomer struct {
	Account store.Account
	Cus     string
	Email   string
	Dispute store.Dispute
}

func newScriptCustomer(t *testing.T, app *App) scriptCustomer {
	t.Helper()
	cus := NewID("cus")
	email := "mallory-" + cus[4:12] + "@example.com"
	app.SendAndWait(NewEvent("customer.created", Customer(cus, email, xss)))
	ch, pi := NewID("ch"), NewID("pi")
	app.SendAndWait(NewEvent("charge.succeeded", Charge(ch, pi, 4200, 0, "usd", cus, email, "succeeded",
		map[string]string{"order_id": "ORD-XSS"})))
	dp := NewID("dp")
	app.SendAndWait(NewEvent("charge.dispute.created", Dispute(dp, ch, pi, 4200, "usd", "needs_response", "fraudulent",
		time.Now().Add(72*time.Hour))))
	app.SendAndWait(NewEvent("customer.subscription.created", Subscription(NewID("sub"), cus, "active", "pro",
		time.Now().Add(720*time.Hour))))
	openTicket(app, email, xss, "Hello "+xss)
	ctx := context.Background()
	a, err := app.Store.AccountByStripeCustomer(ctx, cus)
	if err != nil {
		t.Fatal(err)
	}
	d, err := app.Store.DisputeByStripeID(ctx, dp)
	if err != nil {
		t.Fatal(err)
	}
	return scriptCustomer{Account: a, Cus: cus, Email: email, Dispute: d}
}

func TestCustomerSearch(t *testing.T) {
	t.Parallel()
	app := New(t)
	c := newScriptCustomer(t, app)
	other := signup(app, "someone.else@example.com", "seller", "")
	if _, err := app.Pool.Exec(context.Background(), `UPDATE accounts SET crm_contact_id = '90817', stripe_account_id = 'acct_searchme'
		WHERE id = $1`, other.ID); err != nil {
		t.Fatal(err)
	}
	support := app.SignIn(store.UserSupport)
	id := strconv.FormatInt(c.Account.ID, 10)
	for q, want := range map[string][]int64{
		c.Email[:10]:                        {c.Account.ID}, // part of an email
		strings.ToUpper(c.Email):            {c.Account.ID}, // case does not matter
		"script":                            {c.Account.ID}, // part of a name
		c.Cus:                               {c.Account.ID}, // Stripe customer ID
		"acct_searchme":                     {other.ID},     // Connect account ID
		"90817":                             {other.ID},     // CRM contact ID
		strconv.FormatInt(other.ID, 10):     {other.ID},     // account ID
		"example.com":                       {other.ID, c.Account.ID},
		"nobody-here":                       nil,
		"%":                                 nil, // LIKE wildcards are literal
		"cus_" + strings.Repeat("0", 24):    nil,
		strings.Repeat("x", 200):            nil,
		"someone.else@example.com' OR 1=1-": nil,
	} {
		p := support.Get("/customers?q=" + url.QueryEscape(q)).Want(http.StatusOK)
		var got []int64
		p.Find("customer-row").Each(func(_ int, s *Selectionish) {
			n, _ := strconv.ParseInt(s.AttrOr("data-id", ""), 10, 64)
			got = append(got, n)
		})
		if !slices.Equal(got, want) {
			t.Errorf("search %q: got accounts %v, want %v", q, got, want)
		}
		if len(want) == 0 && p.Find("customers-empty").Length() != 1 {
			t.Errorf("search %q: no empty state", q)
		}
		noRawScript(t, p)
	}
	// The name is text in the list, and links to the customer.
	p := support.Get("/customers?q=script")
	link := p.Find("customer-link")
	if link.Text() != xss || link.AttrOr("href", "") != "/customers/"+id {
		t.Fatalf("customer link: got %q to %q", link.Text(), link.AttrOr("href", ""))
	}
	// A search too long to be anything is the form again, saying why.
	long := support.Get("/customers?q=" + strings.Repeat("x", 9000)).Want(http.StatusUnprocessableEntity)
	if got := long.Text("customers-search-error"); !strings.Contains(got, "at most 200 characters (this search has 9000)") {
		t.Fatalf("a 9,000-character search: got %q", got)
	}
	support.Get("/customers?before=abc").Want(http.StatusBadRequest)
}

func TestCustomerSearchPages(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	ctx := context.Background()
	for i := 0; i < 53; i++ {
		if _, _, err := app.Store.CreateSignup(ctx, store.Signup{Email: "page" + strconv.Itoa(i) + "@example.com",
			Name: "Pager", Role: store.RoleBuyer}); err != nil {
			t.Fatal(err)
		}
	}
	c := app.SignIn(store.UserAdmin)
	first := c.Get("/customers?q=Pager").Want(http.StatusOK)
	next, ok := first.Find("next-page").Attr("href")
	if n := first.Find("customer-row").Length(); n != 50 || !ok {
		t.Fatalf("first page: got %d rows (next %q), want 50 and a next page", n, next)
	}
	second := c.Get(next).Want(http.StatusOK)
	seen := map[string]bool{}
	for _, p := range []*Page{first, second} {
		p.Find("customer-row").Each(func(_ int, s *Selectionish) { seen[s.AttrOr("data-id", "")] = true })
	}
	if len(seen) != 53 || second.Find("next-page").Length() != 0 {
		t.Fatalf("two pages: got %d distinct customers, want 53 and no third page", len(seen))
	}
	if !strings.Contains(next, "q=Pager") {
		t.Fatalf("the next page forgets the search: %q", next)
	}
}

func TestCustomerPage(t *testing.T) {
	t.Parallel()
	app := New(t)
	c := newScriptCustomer(t, app)
	ctx := context.Background()
	// A failing email makes the communication degraded.
	msg, _, err := app.Store.QueueMessage(ctx, store.NewMessage{Key: "test:" + c.Cus, Kind: store.MsgRefundNotice,
		AccountID: &c.Account.ID, To: c.Email})
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Store.MessageFailed(ctx, msg, "SMTP 451 try later", false); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Pool.Exec(ctx, `UPDATE accounts SET crm_contact_id = 'hs-77', crm_sync_status = 'retrying',
		crm_sync_attempts = 3, crm_last_error = 'HubSpot 502' WHERE id = $1`, c.Account.ID); err != nil {
		t.Fatal(err)
	}

	p := app.SignIn(store.UserSupport).Get("/customers/" + strconv.FormatInt(c.Account.ID, 10)).Want(http.StatusOK)
	noRawScript(t, p)
	for testid, want := range map[string]string{
		"customer-name":            xss,
		"customer-email":           c.Email,
		"customer-stripe-customer": c.Cus,
		"customer-stripe-account":  "—",
		"customer-crm-contact":     "hs-77",
		"customer-payment":         store.PaymentDisputed,
		"customer-plan":            "pro",
		"crm-status":               "retrying",
		"crm-attempts":             "3",
		"crm-last-error":           "HubSpot 502",
		"customer-communication":   store.CommsDegraded,
	} {
		if got := p.Text(testid); got != want {
			t.Errorf("%s: got %q, want %q", testid, got, want)
		}
	}
	if title := p.Doc.Find("title").Text(); !strings.HasPrefix(title, xss) {
		t.Errorf("title: got %q, want the name as text", title)
	}
	statuses := p.Find("message-status").Map(func(_ int, s *Selectionish) string { return s.Text() })
	if !slices.Contains(statuses, store.MsgDegraded) || !slices.Contains(statuses, store.MsgOutbox) {
		t.Errorf("message statuses: got %v, want the degraded refund notice and the confirmation in the outbox", statuses)
	}

	// One timeline, newest first, with one of everything.
	kinds := map[string]bool{}
	var last time.Time
	p.Find("timeline-item").Each(func(i int, s *Selectionish) {
		kinds[s.AttrOr("data-kind", "")] = true
		at, err := time.Parse(time.RFC3339, s.Find("time").AttrOr("datetime", ""))
		if err != nil {
			t.Fatalf("timeline item %d: %v", i, err)
		}
		if i > 0 && at.After(last) {
			t.Errorf("timeline item %d (%s) is newer than the one above it", i, at)
		}
		last = at
	})
	for _, k := range []string{store.TimelineEvent, store.TimelineOrder, store.TimelineDispute, store.TimelineSubscription,
		store.TimelineEmail, store.TimelineJob, store.TimelineTicket} {
		if !kinds[k] {
			t.Errorf("the timeline has no %s; it has %v", k, kinds)
		}
	}
	labels := p.Find("timeline-label").Map(func(_ int, s *Selectionish) string { return s.Text() })
	if !slices.Contains(labels, xss) || !slices.Contains(labels, "ORD-XSS") || !slices.Contains(labels, "charge.succeeded") {
		t.Errorf("timeline labels: got %v, want the ticket's subject as text, the order and the event", labels)
	}
	if href := p.Find("customer-events-link").AttrOr("href", ""); href != "/events?customer="+c.Cus {
		t.Errorf("events link: got %q", href)
	}
	// Sellers see none of it; a missing customer is a 404.
	app.SignIn(store.UserSeller).Get("/customers/" + strconv.FormatInt(c.Account.ID, 10)).Want(http.StatusForbidden)
	app.SignIn(store.UserAdmin).Get("/customers/99999999").Want(http.StatusNotFound)
}

func TestCustomerTimelinePages(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	ctx := context.Background()
	cus := NewID("cus")
	a, err := app.Store.UpsertCustomer(ctx, store.CustomerUpsert{StripeCustomerID: cus, Email: cus + "@example.com", SeenAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 73; i++ {
		ev := NewEvent("customer.updated", Customer(cus, cus+"@example.com", "Ana"))
		if _, err := app.Store.InsertEvent(ctx, store.NewEvent{ID: ev.ID, Type: ev.Type, Created: time.Now(),
			CustomerID: cus, Payload: ev.JSON(), Status: store.EventReceived}); err != nil {
			t.Fatal(err)
		}
	}
	// Many things at the same instant: the keyset must still page without
	// losing or repeating any.
	if _, err := app.Pool.Exec(ctx, `UPDATE stripe_events SET received_at = '2025-06-01T12:00:00Z' WHERE customer_id = $1`, cus); err != nil {
		t.Fatal(err)
	}
	c := app.SignIn(store.UserAdmin)
	path := "/customers/" + strconv.FormatInt(a.ID, 10)
	seen := map[string]int{}
	pages := 0
	for path != "" && pages < 5 {
		p := c.Get(path).Want(http.StatusOK)
		pages++
		p.Find("timeline-item").Each(func(_ int, s *Selectionish) { seen[s.Find("a").Text()]++ })
		path = p.Find("timeline-next").AttrOr("href", "")
	}
	if pages != 2 || len(seen) != 73 {
		t.Fatalf("timeline: %d pages with %d distinct events, want 2 pages and 73", pages, len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("event %s shown %d times", id, n)
		}
	}
	c.Get("/customers/" + strconv.FormatInt(a.ID, 10) + "?after=garbage").Want(http.StatusBadRequest)
}
