package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

const xss = `<script>alert(1)</script>`

// noRawScript fails when a page carries the test's script tag unescaped.
func noRawScript(t *testing.T, p *Page) {
	t.Helper()
	if strings.Contains(p.Body, xss) {
		t.Fatalf("the page has %s unescaped", xss)
	}
}

func TestOverviewFigures(t *testing.T) {
	t.Parallel()
	app := New(t)
	cus := NewID("cus")
	app.SendAndWait(NewEvent("charge.succeeded", Charge(NewID("ch"), NewID("pi"), 4000, 0, "usd", cus, "a@example.com", "succeeded", nil)))
	app.SendAndWait(NewEvent("charge.failed", Charge(NewID("ch"), NewID("pi"), 1000, 0, "usd", cus, "a@example.com", "failed", nil)))
	paid := NewID("ch")
	app.SendAndWait(NewEvent("charge.succeeded", Charge(paid, NewID("pi"), 3000, 0, "usd", cus, "a@example.com", "succeeded", nil)))
	due := time.Now().Add(72 * time.Hour)
	app.SendAndWait(NewEvent("charge.dispute.created", Dispute(NewID("dp"), paid, "", 3000, "usd", "needs_response", "fraudulent", due)))
	dup := NewEvent("customer.created", Customer(cus, "a@example.com", "Ana"))
	app.SendAndWait(dup)
	app.Send(dup) // a duplicate delivery
	held := NewEvent("customer.updated", Customer(cus, "a@example.com", "Ana"))
	held.APIVersion = "2020-08-27"
	app.SendAndWait(held)
	if code, _ := app.Post(held.JSON(), "t=1,v1=bad"); code != http.StatusBadRequest {
		t.Fatalf("bad signature: got %d, want 400", code)
	}

	p := app.SignIn(store.UserAdmin).Get("/").Want(http.StatusOK)
	for testid, want := range map[string]string{
		"webhooks-received":          "Webhooks received 6",
		"webhooks-bad-signature":     "Bad signatures 1",
		"webhooks-processing-failed": "Processing failures 0",
		"duplicates":                 "Duplicates absorbed 1",
		"events-held":                "Held for API version 1",
		"payment-success-rate":       "Payment success rate 66.7%",
		"open-disputes":              "Open disputes 1",
		"jobs-failed":                "Jobs failed 0",
		"last-crm-sync":              "Last CRM sync never",
	} {
		if got := p.Text(testid); got != want {
			t.Errorf("%s: got %q, want %q", testid, got, want)
		}
	}
	if got := p.Text("next-evidence-due"); !strings.Contains(got, "in 2 days") && !strings.Contains(got, "in 3 days") {
		t.Errorf("next evidence deadline: got %q, want in about 3 days", got)
	}
	stats := p.Find("overview-stats")
	if trig, _ := stats.Attr("hx-trigger"); !strings.HasPrefix(trig, "every ") {
		t.Fatalf("overview-stats hx-trigger: got %q, want a poll", trig)
	}
	// The poll gets the fragment alone.
	f := app.SignIn(store.UserSupport).HTMX(http.MethodGet, "/", nil).Want(http.StatusOK)
	if strings.Contains(f.Body, "<html") || f.Doc.Find("nav").Length() != 0 || f.Find("overview-stats").Length() != 1 {
		t.Fatalf("htmx poll: got a page, want the stats fragment:\n%s", f.Body)
	}
	if vary := strings.Join(f.Header.Values("Vary"), ", "); !strings.Contains(vary, "HX-Request") {
		t.Fatalf("Vary: got %q, want HX-Request", vary)
	}
	// Support sees the figures, without links to admin pages.
	if f.Find("jobs-failed").Find("a").Length() != 0 {
		t.Fatalf("support sees a link to /jobs")
	}
}

func TestOverviewEmpty(t *testing.T) {
	t.Parallel()
	app := New(t)
	p := app.SignIn(store.UserAdmin).Get("/").Want(http.StatusOK)
	if got := p.Text("payment-success-rate"); got != "Payment success rate —" {
		t.Fatalf("success rate with no payments: got %q", got)
	}
	if got := p.Text("next-evidence-due"); !strings.HasSuffix(got, "none") {
		t.Fatalf("next evidence deadline with no disputes: got %q", got)
	}
	// Security headers on console pages.
	if csp := p.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP: got %q", csp)
	}
	if p.Doc.Find("script:not([src])").Length() != 0 {
		t.Fatalf("an inline script would break the CSP")
	}
	if p.Header.Get("X-Frame-Options") != "DENY" || p.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("security headers: got %v", p.Header)
	}
	// Every input has a label.
	for _, path := range []string{"/events", "/users", "/login"} {
		pg := app.SignIn(store.UserAdmin).Get(path)
		pg.Doc.Find("input:not([type=hidden]), select").Each(func(_ int, s *Selectionish) {
			id, _ := s.Attr("id")
			if id == "" || pg.Doc.Find(fmt.Sprintf(`label[for=%q]`, id)).Length() != 1 {
				t.Errorf("%s: input %v has no label", path, s.Nodes[0].Attr)
			}
		})
	}
}

func TestEventsListFiltersAndPages(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	cus := NewID("cus")
	for i := 0; i < 53; i++ {
		app.Send(NewEvent("customer.updated", Customer(NewID("cus"), "", "")))
	}
	app.Send(NewEvent("customer.created", Customer(cus, "ana@example.com", "Ana")))
	charge := NewEvent("charge.succeeded", Charge(NewID("ch"), NewID("pi"), 100, 0, "usd", cus, "", "succeeded", nil))
	app.Send(charge)
	ctx := context.Background()
	if _, _, err := app.Store.CreateSignup(ctx, store.Signup{Email: "ana@example.com", Role: "buyer"}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Pool.Exec(ctx, `UPDATE accounts SET stripe_customer_id = $1 WHERE email = 'ana@example.com'`, cus); err != nil {
		t.Fatal(err)
	}
	c := app.SignIn(store.UserSupport)

	first := c.Get("/events").Want(http.StatusOK)
	if n := first.Find("event-row").Length(); n != 50 {
		t.Fatalf("first page: got %d rows, want 50", n)
	}
	next, ok := first.Find("next-page").Attr("href")
	if !ok {
		t.Fatal("no link to the next page")
	}
	second := c.Get(next).Want(http.StatusOK)
	if n := second.Find("event-row").Length(); n != 5 || second.Find("next-page").Length() != 0 {
		t.Fatalf("second page: got %d rows (next link %d), want 5 and none", n, second.Find("next-page").Length())
	}
	seen := map[string]bool{}
	for _, pg := range []*Page{first, second} {
		pg.Find("event-row").Each(func(_ int, s *Selectionish) {
			id, _ := s.Attr("data-id")
			if seen[id] {
				t.Errorf("event %s on two pages", id)
			}
			seen[id] = true
		})
	}

	for q, want := range map[string]int{
		"type=charge.succeeded":                 1,
		"type=customer.updated":                 53,
		"customer=" + cus:                       2,
		"customer=ANA%40example.com":            2,
		"customer=nobody%40example.com":         0,
		"status=received&type=customer.created": 1,
		"status=processed":                      0,
		"day=" + time.Now().UTC().Format(time.DateOnly) + "&type=charge.succeeded": 1,
		"day=2001-01-01": 0,
	} {
		p := c.Get("/events?" + q).Want(http.StatusOK)
		if got := p.Find("event-row").Length(); got != min(want, 50) {
			t.Errorf("filter %s: got %d rows, want %d", q, got, want)
		}
		if want == 0 && p.Find("events-empty").Length() != 1 {
			t.Errorf("filter %s: no empty state", q)
		}
	}
	c.Get("/events?status=bogus").Want(http.StatusBadRequest)
	c.Get("/events?day=yesterday").Want(http.StatusBadRequest)
	// What was typed comes back escaped.
	p := c.Get("/events?customer=" + url.QueryEscape(xss)).Want(http.StatusOK)
	noRawScript(t, p)
	if v, _ := p.Doc.Find("#f-customer").Attr("value"); v != xss {
		t.Fatalf("customer field: got %q", v)
	}
}

func TestEventPageEscapesThePayload(t *testing.T) {
	t.Parallel()
	app := New(t)
	cus := NewID("cus")
	ev := NewEvent("customer.created", Customer(cus, "x@example.com", xss))
	app.SendAndWait(ev)
	for _, role := range []string{store.UserAdmin, store.UserSupport} {
		p := app.SignIn(role).Get("/events/" + ev.ID).Want(http.StatusOK)
		noRawScript(t, p)
		if !strings.Contains(p.Find("payload").Text(), `"name": "`+xss+`"`) {
			t.Fatalf("payload: the name is not shown as text, pretty-printed:\n%s", p.Find("payload").Text())
		}
		if got := p.Text("event-status"); got != "processed" {
			t.Fatalf("status: got %q", got)
		}
		if p.Find("effects").Length() != 1 || !strings.Contains(p.Text("effects"), "account ") {
			t.Fatalf("what it changed: got %q", p.Find("effects").Text())
		}
		if has := p.Find("replay-panel").Length() == 1; has != (role == store.UserAdmin) {
			t.Fatalf("%s sees the replay panel: %v", role, has)
		}
	}
	app.SignIn(store.UserAdmin).Get("/events/evt_missing").Want(http.StatusNotFound)
}

func TestSettingsShowStatusTableAndMaskSecrets(t *testing.T) {
	t.Parallel()
	app := New(t)
	p := app.SignIn(store.UserAdmin).Get("/settings").Want(http.StatusOK)
	if got := p.Find("status-row").Length(); got != len(jobs.StatusTable) {
		t.Fatalf("status rows: got %d, want %d", got, len(jobs.StatusTable))
	}
	if strings.Contains(p.Body, Secret) || strings.Contains(p.Body, "apptest_secret") {
		t.Fatal("the settings page shows the webhook secret")
	}
	if got := p.Text("setting-STRIPE_WEBHOOK_SECRET"); !strings.HasPrefix(got, "whsec_… (set, ") {
		t.Fatalf("masked secret: got %q", got)
	}
	if p.Doc.Find("main form, main input").Length() != 0 {
		t.Fatal("the settings page has a form: it is read-only")
	}
}

func TestAuditLogPagesAndEscapes(t *testing.T) {
	t.Parallel()
	app := New(t)
	ctx := context.Background()
	for i := 0; i < 104; i++ {
		if err := app.Store.Audit(ctx, "cli", "test.action", fmt.Sprintf("thing:%d", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.Store.Audit(ctx, "cli", "test.action", xss, map[string]any{"note": xss, "key": "sk_live_abcdefghijklmnop"}); err != nil {
		t.Fatal(err)
	}
	c := app.SignIn(store.UserAdmin) // adds a user.login entry: 106 in all
	p := c.Get("/audit").Want(http.StatusOK)
	noRawScript(t, p)
	if strings.Contains(p.Body, "sk_live_abcdefghijklmnop") {
		t.Fatal("the audit page shows a secret key")
	}
	if n := p.Find("audit-row").Length(); n != 100 {
		t.Fatalf("first page: got %d rows, want 100", n)
	}
	if first := p.Find("audit-row").First().Text(); !strings.Contains(first, "user.login") {
		t.Fatalf("newest first: got %q", first)
	}
	next, _ := p.Find("next-page").Attr("href")
	p2 := c.Get(next).Want(http.StatusOK)
	if n := p2.Find("audit-row").Length(); n != 6 {
		t.Fatalf("second page: got %d rows, want 6", n)
	}
	if p2.Find("next-page").Length() != 0 {
		t.Fatal("a link past the last page")
	}
}

func TestUsersAdminManagesUsers(t *testing.T) {
	t.Parallel()
	app := New(t)
	admin := app.SignIn(store.UserAdmin)
	add := func(email, pw, role, acct string) *Page {
		return admin.Post("/users", url.Values{"email": {email}, "password": {pw}, "role": {role}, "account_id": {acct}})
	}
	add("sam@example.com", Password, "support", "").Want(http.StatusSeeOther)
	p := admin.Get("/users").Want(http.StatusOK)
	if got := p.Text("flash-ok"); got != "Added sam@example.com as support." {
		t.Fatalf("flash: got %q", got)
	}
	if p.Doc.Find(`[data-testid="user-row"][data-email="sam@example.com"]`).Length() != 1 {
		t.Fatal("the new user is not listed")
	}
	for name, p := range map[string]*Page{
		"short password":      add("kim@example.com", "short", "support", ""),
		"bad email":           add("not-an-email", "long enough password", "support", ""),
		"unknown role":        add("kim@example.com", "long enough password", "owner", ""),
		"seller, no account":  add("kim@example.com", "long enough password", "seller", ""),
		"seller, no such one": add("kim@example.com", "long enough password", "seller", "424242"),
		"taken email":         add("SAM@example.com", "long enough password", "support", ""),
	} {
		p.Want(http.StatusUnprocessableEntity)
		if p.Find("user-form-error").Length() != 1 {
			t.Errorf("%s: no error on the form", name)
		}
	}
	sam := app.SignInAs(mustUser(t, app, "sam@example.com"))
	sam.Get("/").Want(http.StatusOK)

	admin.Post(fmtPath("/users/%d/disable", sam.User.ID), nil).Want(http.StatusSeeOther)
	admin.Post(fmtPath("/users/%d/disable", admin.User.ID), nil).Want(http.StatusBadRequest)
	admin.Post(fmtPath("/users/%d/role", admin.User.ID), url.Values{"role": {"support"}}).Want(http.StatusBadRequest)
	sam.Get("/").Want(http.StatusSeeOther)
	admin.Post(fmtPath("/users/%d/enable", sam.User.ID), nil).Want(http.StatusSeeOther)
	app.SignInAs(sam.User).Get("/").Want(http.StatusOK)

	for _, action := range []string{"user.add", "user.disable", "user.enable"} {
		if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = $1 AND actor = $2`, action, admin.User.Email); n != 1 {
			t.Errorf("audit %s: got %d entries, want 1", action, n)
		}
	}
}

func mustUser(t *testing.T, app *App, email string) store.User {
	t.Helper()
	u, err := app.Store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
