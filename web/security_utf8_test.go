package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	. "github.com/switchboardhq/switchboard/internal/apptest"
)

// utf8Params are the query and form names the handlers read; the test sends
// every one of them, as invalid UTF-8, to every route.
var utf8Params = []string{"q", "type", "customer", "status", "state", "kind", "queue", "range", "day", "before", "after",
	"trail", "next", "all", "email", "stripe_customer_id", "stripe_account_id", "account_id", "payment_intent", "limit",
	"v", "key", "amount", "reason", "note", "body", "to", "role", "user_id", "count", "password", "from"}

// TestInvalidUTF8Is400Everywhere: %FF (a byte that is not UTF-8) in any query
// or form value, or in the path, of any route, signed in or not, is a 400,
// never a 500 (Postgres refuses such text wherever it reaches a query).
func TestInvalidUTF8Is400Everywhere(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{InboundUser: "pm", InboundPassword: "inbound-secret"})
	admin := app.SignIn("admin")
	var query []string
	for _, p := range utf8Params {
		query = append(query, p+"=a%FFb")
	}
	send := func(c *Console, method, path, rawQuery, form string) int {
		t.Helper()
		req, _ := http.NewRequest(method, app.Server.URL+path+rawQuery, strings.NewReader(form))
		if form != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Header.Set("Origin", app.Server.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Authorization", "Bearer "+app.Token())
		return c.Do(req).Status
	}
	for _, r := range app.Web.Routes() {
		method, path := concrete(r.Pattern)
		if method != http.MethodGet {
			continue
		}
		if code := send(admin, method, path, "?"+strings.Join(query, "&"), ""); code != http.StatusBadRequest {
			t.Errorf("GET %s?…=a%%FFb: got %d, want 400", path, code)
		}
	}
	// One parameter at a time on the API and on a few pages, as a client sends them.
	for _, path := range []string{"/api/v1/accounts?email=a%FF@example.com", "/api/v1/accounts?stripe_customer_id=cus_%FF",
		"/api/v1/accounts?stripe_account_id=acct_%FF", "/api/v1/orders?account_id=%FF", "/api/v1/orders?payment_intent=pi_%FF",
		"/api/v1/disputes?status=%FF", "/api/v1/tickets?queue=%FF", "/customers?q=%FF", "/events?type=%FF", "/orders?q=%FF",
		"/events/evt_%FF", "/api/v1/events/evt_%FF", "/login?next=/%FF"} {
		if code := send(admin, http.MethodGet, path, "", ""); code != http.StatusBadRequest {
			t.Errorf("GET %s: got %d, want 400", path, code)
		}
	}
	form := url.Values{}
	for _, p := range utf8Params {
		form.Set(p, "x")
	}
	for _, r := range app.Web.Routes() {
		method, path := concrete(r.Pattern)
		if method != http.MethodPost || strings.HasPrefix(path, "/webhooks/") || strings.HasPrefix(path, "/api/") {
			continue
		}
		for _, p := range []string{"email", "body", "note", "q", "key"} {
			bad := strings.Replace(form.Encode(), p+"=x", p+"=a%FFb", 1)
			if code := send(admin, method, path, "", bad); code != http.StatusBadRequest {
				t.Errorf("POST %s with %s=a%%FFb: got %d, want 400", path, p, code)
			}
		}
	}
	// Signed out: the sign-in form.
	anon := app.Anonymous()
	for _, bad := range []string{"email=a%FF%40example.com&password=whatever+password", "email=a%40example.com&password=%FF%FE"} {
		if code := send(anon, http.MethodPost, "/login", "", bad); code != http.StatusBadRequest {
			t.Errorf("POST /login %s: got %d, want 400", bad, code)
		}
	}
	if n := app.Count(`SELECT count(*) FROM tickets`) + app.Count(`SELECT count(*) FROM accounts`); n != 0 {
		t.Errorf("rows stored from bad input: got %d, want 0", n)
	}
}
