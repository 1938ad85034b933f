package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// postAs posts a console form as a client behind the load balancer, with a
// user agent.
func postAs(app *App, c *Console, path, client, agent string, form url.Values) *Page {
	req, _ := http.NewRequest(http.MethodPost, app.Server.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", app.Server.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("X-Forwarded-For", client)
	req.Header.Set("User-Agent", agent)
	return c.Do(req)
}

// auditRow is one audit entry's origin.
type auditRow struct{ actor, subject, detail, address, agent, requestID string }

func lastAudit(t *testing.T, app *App, action string) auditRow {
	t.Helper()
	var a auditRow
	if err := app.Pool.QueryRow(t.Context(), `SELECT actor, subject, detail::text, address, user_agent, request_id
		FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1`, action).Scan(&a.actor, &a.subject, &a.detail, &a.address,
		&a.agent, &a.requestID); err != nil {
		t.Fatalf("audit entry %s: %v", action, err)
	}
	return a
}

// TestAuditEntriesCarryTheClient: a failed sign-in is an audit entry (who
// tried, which user, why; never the password), and every entry a request
// writes carries the client's address (after TRUSTED_PROXIES), its user
// agent and the request ID, shown on the audit page.
func TestAuditEntriesCarryTheClient(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{TrustedProxies: loopbackProxy})
	victim := app.NewUser(store.UserSupport, nil)
	const agent = "AuditTest/1.0 (X11; Linux)"

	p := postAs(app, app.Anonymous(), "/login", "203.0.113.5", agent,
		url.Values{"email": {victim.Email}, "password": {"not the password at all"}}).Want(http.StatusUnprocessableEntity)
	a := lastAudit(t, app, "user.login_failed")
	want := auditRow{actor: victim.Email, subject: fmt.Sprintf("user:%d", victim.ID), address: "203.0.113.5", agent: agent,
		requestID: p.Header.Get("X-Request-Id")}
	if a.actor != want.actor || a.subject != want.subject || a.address != want.address || a.agent != want.agent ||
		a.requestID == "" || a.requestID != want.requestID || !strings.Contains(a.detail, "wrong password") {
		t.Fatalf("failed sign-in's audit entry: got %+v, want %+v with the reason", a, want)
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE detail::text LIKE '%not the password%'`); n != 0 {
		t.Fatalf("the password is in the audit log")
	}
	postAs(app, app.Anonymous(), "/login", "203.0.113.6", agent,
		url.Values{"email": {"Nobody@Example.com"}, "password": {"whatever it is"}}).Want(http.StatusUnprocessableEntity)
	if a := lastAudit(t, app, "user.login_failed"); a.subject != "login:nobody@example.com" || !strings.Contains(a.detail, "unknown email") {
		t.Fatalf("unknown email's audit entry: got %+v", a)
	}

	// A state change from the console, through the load balancer.
	admin := app.SignIn(store.UserAdmin)
	p = postAs(app, admin, fmt.Sprintf("/users/%d/disable", victim.ID), "198.51.100.23, 10.0.0.1", "Admin Browser 2.0", nil)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("disabling a user: got %d", p.Status)
	}
	a = lastAudit(t, app, "user.disable")
	// Read from the right: 10.0.0.1 is not a trusted proxy here, so it is the client.
	if a.address != "10.0.0.1" || a.agent != "Admin Browser 2.0" || a.requestID != p.Header.Get("X-Request-Id") {
		t.Fatalf("disable's audit entry: got %+v, want 10.0.0.1, the user agent and request %s", a, p.Header.Get("X-Request-Id"))
	}
	page := admin.Get("/audit").Want(http.StatusOK)
	if got := page.Find("audit-address").First().Text(); got != "10.0.0.1" {
		t.Errorf("audit page's newest address: got %q, want 10.0.0.1", got)
	}
	if got := page.Find("audit-user-agent").First().Text(); got != "Admin Browser 2.0" {
		t.Errorf("audit page's newest user agent: got %q", got)
	}
}

// TestAuditLogFilters: /audit filters by actor (any case), action (exact, or
// a prefix ending in a dot) and object, together, and its pages keep the
// filter.
func TestAuditLogFilters(t *testing.T) {
	t.Parallel()
	app := New(t)
	ctx := t.Context()
	audit := func(actor, action, subject string) {
		t.Helper()
		if err := app.Store.Audit(ctx, actor, action, subject, nil); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 103 {
		audit("ana@example.com", "refund.request", fmt.Sprintf("order:%d", i%3))
	}
	audit("ana@example.com", "user.disable", "user:7")
	audit("bo@example.com", "user.role", "user:7")
	audit("bo@example.com", "refund.request", "order:1")
	c := app.SignIn(store.UserAdmin)
	rows := func(p *Page) []string {
		var out []string
		p.Find("audit-row").Each(func(_ int, s *goquery.Selection) {
			out = append(out, strings.TrimSpace(s.Find(`[data-testid=audit-actor]`).Text())+" "+
				strings.TrimSpace(s.Find(`[data-testid=audit-action]`).Text())+" "+strings.TrimSpace(s.Find(`[data-testid=audit-subject]`).Text()))
		})
		return out
	}
	for query, want := range map[string][]string{
		"?actor=BO@example.com":                       {"bo@example.com refund.request order:1", "bo@example.com user.role user:7"},
		"?action=user.&subject=user:7":                {"bo@example.com user.role user:7", "ana@example.com user.disable user:7"},
		"?action=user.disable":                        {"ana@example.com user.disable user:7"},
		"?actor=bo@example.com&action=refund.request": {"bo@example.com refund.request order:1"},
		"?subject=order:9":                            nil,
	} {
		p := c.Get("/audit" + query).Want(http.StatusOK)
		if got := rows(p); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("/audit%s: got %q, want %q", query, got, want)
		}
	}
	p := c.Get("/audit?actor=ana@example.com&action=refund.request").Want(http.StatusOK)
	if n := len(rows(p)); n != 100 {
		t.Fatalf("first filtered page: got %d rows, want 100", n)
	}
	next, _ := p.Find("next-page").Attr("href")
	p = c.Get(next).Want(http.StatusOK)
	want := []string{"ana@example.com refund.request order:2", "ana@example.com refund.request order:1", "ana@example.com refund.request order:0"}
	if got := rows(p); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("second filtered page (%s): got %q, want the 3 oldest of ana's refund requests", next, got)
	}
}
