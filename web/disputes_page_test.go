package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// openDispute sends a paid charge and a dispute on it, due at due, for a
// customer with a name; it returns the dispute.
func openDispute(t *testing.T, app *App, name string, due time.Time) store.Dispute {
	t.Helper()
	cus, ch, dp := NewID("cus"), NewID("ch"), NewID("dp")
	app.SendAndWait(NewEvent("customer.created", Customer(cus, cus+"@example.com", name)))
	app.SendAndWait(NewEvent("charge.succeeded", Charge(ch, NewID("pi"), 3000, 0, "usd", cus, "", "succeeded", nil)))
	app.SendAndWait(NewEvent("charge.dispute.created", Dispute(dp, ch, "", 3000, "usd", "needs_response", "fraudulent", due)))
	d, err := app.Store.DisputeByStripeID(context.Background(), dp)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDisputeQueue(t *testing.T) {
	t.Parallel()
	app := New(t)
	now := time.Now()
	later := openDispute(t, app, "Later", now.Add(3*24*time.Hour+4*time.Hour+30*time.Minute))
	overdue := openDispute(t, app, xss, now.Add(-5*time.Hour-30*time.Second))
	soon := openDispute(t, app, "Soon", now.Add(20*time.Hour+10*time.Minute+30*time.Second))

	support := app.SignIn(store.UserSupport)
	p := support.Get("/disputes").Want(http.StatusOK)
	noRawScript(t, p)
	var order []string
	p.Find("dispute-row").Each(func(_ int, s *Selectionish) { order = append(order, s.AttrOr("data-id", "")) })
	want := []string{strconv.FormatInt(overdue.ID, 10), strconv.FormatInt(soon.ID, 10), strconv.FormatInt(later.ID, 10)}
	if strings.Join(order, ",") != strings.Join(want, ",") {
		t.Fatalf("queue order: got %v, want overdue, soon, later %v", order, want)
	}
	countdowns := p.Find("dispute-countdown").Map(func(_ int, s *Selectionish) string { return s.Text() })
	for i, want := range []string{"overdue by 5 h 0 min", "20 h 10 min left", "3 days 4 h left"} {
		if countdowns[i] != want {
			t.Errorf("countdown %d: got %q, want %q", i, countdowns[i], want)
		}
	}
	classes := p.Find("dispute-countdown").Map(func(_ int, s *Selectionish) string { return s.AttrOr("class", "") })
	if !strings.Contains(classes[0], "overdue") || !strings.Contains(classes[1], "warn") || classes[2] != "badge" {
		t.Errorf("countdown highlights: got %q", classes)
	}
	if got := p.Find("dispute-customer").First().Text(); got != xss {
		t.Errorf("customer in the queue: got %q, want the name as text", got)
	}
	closed := support.Get("/disputes?queue=closed").Want(http.StatusOK)
	if closed.Find("disputes-empty").Length() != 1 {
		t.Fatalf("closed tab: want the empty state")
	}
	support.Get("/disputes?queue=bogus").Want(http.StatusBadRequest)
	support.Get("/disputes?after=nonsense").Want(http.StatusBadRequest)
	// The seller of nothing opens nothing.
	app.SignIn(store.UserSeller).Get("/disputes").Want(http.StatusForbidden)
}

func TestDisputeQueuePages(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	ctx := context.Background()
	base := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	for i := 0; i < 56; i++ {
		due := base.Add(time.Duration(i%5) * time.Hour) // many share a deadline
		var duep *time.Time
		if i%11 != 0 {
			duep = &due // and some have none
		}
		if _, err := app.Store.UpsertDispute(ctx, store.DisputeUpsert{StripeDisputeID: NewID("dp"), Status: "needs_response", Stage: store.DisputeStageNeedsResponse,
			Amount: 100, Currency: "usd", EvidenceDueBy: duep}, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	c := app.SignIn(store.UserAdmin)
	first := c.Get("/disputes").Want(http.StatusOK)
	next := first.Find("next-page").AttrOr("href", "")
	second := c.Get(next).Want(http.StatusOK)
	seen := map[string]bool{}
	var dues []string
	for _, p := range []*Page{first, second} {
		p.Find("dispute-row").Each(func(_ int, s *Selectionish) {
			seen[s.AttrOr("data-id", "")] = true
			dues = append(dues, s.Find(".muted").Text())
		})
	}
	if first.Find("dispute-row").Length() != 50 || len(seen) != 56 {
		t.Fatalf("pages: first %d rows, %d distinct in all; want 50 and 56 (next %q)", first.Find("dispute-row").Length(), len(seen), next)
	}
	for i := 1; i < len(dues); i++ {
		if dues[i-1] != "—" && dues[i] != "—" && dues[i] < dues[i-1] || dues[i-1] == "—" && dues[i] != "—" {
			t.Fatalf("deadlines out of order at %d: %q then %q", i, dues[i-1], dues[i])
		}
	}
}

func TestDisputeNotesAssignAndClose(t *testing.T) {
	t.Parallel()
	app := New(t)
	d := openDispute(t, app, "Bea Buyer", time.Now().Add(5*24*time.Hour))
	ticket, err := app.Store.TicketByDispute(context.Background(), d.ID)
	if err != nil {
		t.Fatalf("the dispute opened no ticket: %v", err)
	}
	path := "/disputes/" + strconv.FormatInt(d.ID, 10)
	support := app.SignIn(store.UserSupport)
	page := support.Get(path).Want(http.StatusOK)
	if page.Find("dispute-manage").Length() != 0 {
		t.Fatalf("support sees the assign and close forms")
	}
	if got := page.Text("dispute-ticket"); got != strconv.FormatInt(ticket.ID, 10) {
		t.Fatalf("ticket: got %q, want %d", got, ticket.ID)
	}

	// Support adds notes: a form post, then htmx swapping the trail in place.
	p := support.Post(path+"/notes", url.Values{"note": {"Asked the seller for tracking. " + xss}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != path {
		t.Fatalf("note: got %d to %q", p.Status, p.Header.Get("Location"))
	}
	f := support.HTMX(http.MethodPost, path+"/notes", url.Values{"note": {"Key was sk_live_abcdefghijklmnop1234"}}).Want(http.StatusOK)
	if f.Doc.Find("#dispute-trail").Length() != 1 || strings.Contains(f.Body, "<html") {
		t.Fatalf("htmx note: want the trail fragment alone:\n%s", f.Body)
	}
	noRawScript(t, f)
	notes := f.Find("trail-entry").Map(func(_ int, s *Selectionish) string { return s.Text() })
	if len(notes) != 2 || !strings.Contains(notes[0], "tracking. "+xss) || strings.Contains(notes[1], "sk_live_abcdefghijklmnop1234") {
		t.Fatalf("trail: got %q, want both notes, the second redacted", notes)
	}
	if !strings.Contains(notes[0], support.User.Email) {
		t.Fatalf("trail: got %q, want who wrote it", notes[0])
	}
	td, err := app.Store.TicketDetailByID(context.Background(), ticket.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(td.Notes) != 2 || !strings.Contains(td.Notes[0].Body, "tracking") || td.Notes[0].Author != support.User.Email {
		t.Fatalf("ticket notes: got %+v, want the two notes", td.Notes)
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'dispute.note' AND subject = $1 AND actor = $2`,
		"dispute:"+strconv.FormatInt(d.ID, 10), support.User.Email); n != 2 {
		t.Fatalf("audit: got %d dispute.note entries, want 2", n)
	}
	empty := support.Post(path+"/notes", url.Values{"note": {"   "}}).Want(http.StatusUnprocessableEntity)
	if empty.Find("note-error").Length() != 1 {
		t.Fatalf("an empty note: want the form's message")
	}
	support.Post(path+"/notes", url.Values{"note": {strings.Repeat("x", store.DisputeNoteMax+1)}}).Want(http.StatusUnprocessableEntity)
	support.Post(path+"/assign", url.Values{"user_id": {strconv.FormatInt(support.User.ID, 10)}}).Want(http.StatusForbidden)
	support.Post(path+"/close", nil).Want(http.StatusForbidden)
	support.Post("/disputes/99999999/notes", url.Values{"note": {"x"}}).Want(http.StatusNotFound)

	// Support takes the dispute themselves (and only themselves).
	if support.Get(path).Find("dispute-take").Length() != 1 {
		t.Fatalf("support does not see the take button on an unassigned dispute")
	}
	support.Post(path+"/take", nil).Want(http.StatusSeeOther)
	page = support.Get(path).Want(http.StatusOK)
	if got := page.Text("dispute-assignee"); got != support.User.Email || page.Find("dispute-take").Length() != 0 {
		t.Fatalf("after taking it: assignee %q, take button shown %d times", got, page.Find("dispute-take").Length())
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'dispute.assign' AND actor = $1`, support.User.Email); n != 1 {
		t.Fatalf("audit entries for taking the dispute: got %d, want 1", n)
	}
	support.Post("/disputes/99999999/take", nil).Want(http.StatusNotFound)

	// Admins assign to staff, never to a seller or nobody that exists.
	admin := app.SignIn(store.UserAdmin)
	admin.Post(path+"/assign", url.Values{"user_id": {strconv.FormatInt(support.User.ID, 10)}}).Want(http.StatusSeeOther)
	if got := admin.Get(path).Text("dispute-assignee"); got != support.User.Email {
		t.Fatalf("assignee: got %q, want %s", got, support.User.Email)
	}
	seller := app.NewUser(store.UserSeller, nil)
	admin.Post(path+"/assign", url.Values{"user_id": {strconv.FormatInt(seller.ID, 10)}}).Want(http.StatusUnprocessableEntity)
	admin.Post(path+"/assign", url.Values{"user_id": {"99999999"}}).Want(http.StatusUnprocessableEntity)
	admin.Post(path+"/assign", url.Values{"user_id": {"x"}}).Want(http.StatusUnprocessableEntity)
	if got := admin.Get("/disputes").Text("dispute-assignee"); got != support.User.Email {
		t.Fatalf("queue assignee: got %q", got)
	}

	// Closing takes it out of the queue; Stripe keeps the status.
	acct := *d.AccountID
	before, _ := app.Store.AccountByID(context.Background(), acct)
	if before.PaymentState != store.PaymentDisputed {
		t.Fatalf("payment state before closing: got %s", before.PaymentState)
	}
	admin.Post(path+"/close", nil).Want(http.StatusSeeOther)
	page = admin.Get(path).Want(http.StatusOK)
	if page.Text("dispute-queue-state") != store.QueueClosed || page.Text("dispute-status") != "needs_response" {
		t.Fatalf("after closing: queue %q, status %q", page.Text("dispute-queue-state"), page.Text("dispute-status"))
	}
	if got := page.Text("flash-ok"); !strings.Contains(got, "closed") {
		t.Fatalf("flash: got %q", got)
	}
	after, _ := app.Store.AccountByID(context.Background(), acct)
	if after.PaymentState == store.PaymentDisputed {
		t.Fatalf("payment state after closing: still disputed")
	}
	if admin.Get("/disputes").Find("dispute-row").Length() != 0 || admin.Get("/disputes?queue=closed").Find("dispute-row").Length() != 1 {
		t.Fatalf("the closed dispute is still in the open queue, or missing from the closed one")
	}
	admin.Post(path+"/close", nil).Want(http.StatusSeeOther) // again: nothing changes
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'dispute.close'`); n != 1 {
		t.Fatalf("audit: got %d dispute.close entries, want 1", n)
	}
	trail := admin.Get(path).Find("trail-entry").Map(func(_ int, s *Selectionish) string { return s.AttrOr("data-action", "") })
	if strings.Join(trail, ",") != "dispute.note,dispute.note,dispute.assign,dispute.close" {
		t.Fatalf("trail: got %v", trail)
	}
	// Stripe still owns the status; our queue stays closed.
	app.SendAndWait(NewEvent("charge.dispute.updated", Dispute(d.StripeDisputeID, *d.StripeChargeID, "", 3000, "usd",
		"under_review", "fraudulent", time.Now().Add(5*24*time.Hour))))
	page = admin.Get(path)
	if page.Text("dispute-status") != "under_review" || page.Text("dispute-queue-state") != store.QueueClosed {
		t.Fatalf("after Stripe's update: status %q, queue %q", page.Text("dispute-status"), page.Text("dispute-queue-state"))
	}
}

var countdownRe = regexp.MustCompile(`^(overdue by )?(\d+ days? \d+ h|\d+ h \d+ min|\d+ min)( left)?$`)

func TestCountdownShape(t *testing.T) {
	t.Parallel()
	app := New(t)
	openDispute(t, app, "Ana", time.Now().Add(30*time.Minute))
	got := app.SignIn(store.UserAdmin).Get("/disputes").Text("dispute-countdown")
	if !countdownRe.MatchString(got) || !strings.HasSuffix(got, "min left") {
		t.Fatalf("countdown: got %q, want minutes left", got)
	}
}

// TestPagesInputsHaveLabels checks every input of the customer, order and
// dispute pages has its label, and no page carries an inline script.
func TestPagesInputsHaveLabels(t *testing.T) {
	t.Parallel()
	app := New(t)
	d := openDispute(t, app, "Ana", time.Now().Add(48*time.Hour))
	admin := app.SignIn(store.UserAdmin)
	for _, path := range []string{"/customers", "/customers/" + strconv.FormatInt(*d.AccountID, 10), "/orders", "/disputes",
		"/disputes/" + strconv.FormatInt(d.ID, 10), "/seller/orders", "/seller/disputes"} {
		p := admin.Get(path).Want(http.StatusOK)
		p.Doc.Find("input:not([type=hidden]), select, textarea").Each(func(_ int, s *Selectionish) {
			id, _ := s.Attr("id")
			if id == "" || p.Doc.Find(`label[for="`+id+`"]`).Length() != 1 {
				t.Errorf("%s: input %v has no label", path, s.Nodes[0].Attr)
			}
		})
		if p.Doc.Find("script:not([src])").Length() != 0 {
			t.Errorf("%s: an inline script would break the CSP", path)
		}
		if p.Find("nav").Find(`a[aria-current="page"]`).Length() > 1 {
			t.Errorf("%s: more than one current page in the navigation", path)
		}
	}
}
