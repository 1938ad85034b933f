package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// concrete fills a route pattern's wildcards with values that name nothing, so
// an admitted role gets a 404 (or a form error), never a side effect.
func concrete(pattern string) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok { // a pattern for every method
		method, path = http.MethodGet, pattern
	}
	path = strings.ReplaceAll(path, "{$}", "")
	path = strings.ReplaceAll(path, "/events/{id}", "/events/evt_nosuchevent")
	path = strings.ReplaceAll(path, "{id}", "987654321")
	if strings.HasSuffix(path, "/static/") {
		path += "style.css"
	}
	return method, path
}

// wantAccess is who should open each route, written down independently of the
// route table: a new route fails the test until it is added here.
var wantAccess = map[string]string{
	"POST /webhooks/stripe":              "stripe",
	"GET /healthz":                       "public",
	"GET /readyz":                        "public",
	"GET /metrics":                       "token",
	"GET /static/":                       "public",
	"GET /api/v1/openapi.json":           "public",
	"POST /api/v1/signups":               "token",
	"GET /api/v1/accounts":               "token",
	"GET /api/v1/accounts/{id}":          "token",
	"GET /api/v1/orders":                 "token",
	"GET /api/v1/checkout-sessions/{id}": "token",
	"GET /api/v1/disputes":               "token",
	"GET /api/v1/events/{id}":            "token",
	"POST /api/v1/tickets":               "token",
	"GET /api/v1/tickets":                "token",
	"GET /api/v1/alerts":                 "token",
	"GET /api/v1/search":                 "token",
	"GET /search":                        "admin support",
	"POST /webhooks/inbound-email":       "basic",

	"GET /login":   "login",
	"POST /login":  "login",
	"POST /logout": "admin support seller",

	"GET /account/security":                         "admin support seller",
	"POST /account/security/password":               "admin support seller",
	"POST /account/security/sessions/{id}/revoke":   "admin support seller",
	"POST /account/security/sessions/revoke-others": "admin support seller",
	"GET /account/security/totp":                    "admin support seller",
	"POST /account/security/totp":                   "admin support seller",
	"POST /account/security/totp/confirm":           "admin support seller",
	"GET /account/step-up":                          "admin support seller",
	"POST /account/step-up":                         "admin support seller",
	"GET /login/verify":                             "login",
	"POST /login/verify":                            "login",

	"GET /{$}":                  "admin support",
	"GET /events":               "admin support",
	"GET /events/{id}":          "admin support",
	"POST /events/{id}/dry-run": "admin",
	"POST /events/{id}/ignore":  "admin",
	"POST /events/{id}/replay":  "admin",
	"GET /events/bulk-replay":   "admin",
	"POST /events/bulk-replay":  "admin",
	"GET /events/reconcile":     "admin support",
	"POST /events/reconcile":    "admin",
	"GET /jobs":                 "admin",
	"/admin/river":              "admin",
	"/admin/river/":             "admin",
	"GET /jobs/{id}":            "admin",
	"GET /jobs/bulk":            "admin",
	"POST /jobs/bulk":           "admin",
	"POST /jobs/{id}/retry":     "admin",
	"POST /jobs/{id}/discard":   "admin",
	"GET /settings":             "admin",
	"GET /settings/checks":      "admin",
	"GET /users":                "admin",
	"POST /users":               "admin",
	"POST /users/{id}/role":     "admin",
	"POST /users/{id}/disable":  "admin",
	"POST /users/{id}/enable":   "admin",
	"GET /audit":                "admin",
	"GET /tokens":               "admin",
	"POST /tokens/{id}/revoke":  "admin",
	"GET /seller/{$}":           "admin seller",
	"GET /seller/disputes/{id}": "admin seller",

	"GET /customers":                "admin support",
	"GET /customers.csv":            "admin support",
	"GET /customers/{id}":           "admin support",
	"POST /customers/{id}/crm-sync": "admin support",
	"GET /crm/backfill":             "admin",
	"POST /crm/backfill":            "admin",
	"GET /orders":                   "admin support",
	"GET /orders.csv":               "admin support",
	"GET /orders/{id}":              "admin support",
	"GET /orders/{id}/refund":       "admin",
	"POST /orders/{id}/refund":      "admin",
	"GET /disputes":                 "admin support",
	"GET /disputes.csv":             "admin support",
	"GET /disputes/{id}":            "admin support",
	"POST /disputes/{id}/notes":     "admin support",
	"POST /disputes/{id}/assign":    "admin",
	"POST /disputes/{id}/take":      "admin support",
	"POST /disputes/{id}/close":     "admin",
	// Support too with SUPPORT_SUBMITS_EVIDENCE (TestEvidenceSupportSetting).
	"POST /disputes/{id}/evidence":        "admin",
	"POST /disputes/{id}/evidence/submit": "admin",
	"GET /seller/orders":                  "admin seller",
	"GET /seller/orders/{id}":             "admin seller",
	"GET /seller/disputes":                "admin seller",

	"GET /tickets":                    "admin support",
	"GET /tickets.csv":                "admin support",
	"GET /tickets/{id}":               "admin support",
	"POST /tickets/{id}/notes":        "admin support",
	"POST /tickets/{id}/status":       "admin support",
	"POST /tickets/{id}/reply":        "admin support",
	"POST /tickets/{id}/assign":       "admin support",
	"GET /alerts":                     "admin support",
	"POST /alerts/{id}/acknowledge":   "admin",
	"GET /outbox":                     "admin",
	"GET /deliveries":                 "admin",
	"POST /deliveries/{id}/redeliver": "admin",
	"GET /setup":                      "admin",
	"POST /setup/{id}/test":           "admin",
	"GET /outbox/{id}":                "admin",
	"GET /outbox/{id}/html":           "admin",
	"POST /outbox/{id}/resend":        "admin",
}

// subPaths are more requests to check for a pattern that is a subtree: each
// role must get the same answer there as at the pattern itself.
var subPaths = map[string][]string{
	"/admin/river/": {"GET /admin/river/jobs?state=running", "GET /admin/river/api/jobs?state=available",
		"GET /admin/river/api/queues", "POST /admin/river/api/jobs/cancel", "PUT /admin/river/api/queues/no_such_queue/pause"},
}

// wantStepUp are the routes whose state changes need a fresh second factor.
var wantStepUp = map[string]bool{
	"POST /orders/{id}/refund": true, "POST /disputes/{id}/evidence/submit": true, "POST /disputes/{id}/close": true,
	"POST /jobs/bulk": true, "POST /jobs/{id}/retry": true, "POST /jobs/{id}/discard": true,
	"POST /events/{id}/replay": true, "POST /events/bulk-replay": true,
	"POST /users": true, "POST /users/{id}/role": true, "POST /users/{id}/disable": true, "POST /users/{id}/enable": true,
	"POST /tokens/{id}/revoke": true, "/admin/river": true, "/admin/river/": true,
}

// TestEveryRouteHasARule walks the route table × {signed out, admin, support,
// seller}: a route without a rule (in the table or in wantAccess) fails, and
// each role must get the answer wantAccess gives.
func TestEveryRouteHasARule(t *testing.T) {
	t.Parallel()
	app := New(t)
	roles := []string{store.UserAdmin, store.UserSupport, store.UserSeller}
	clients := map[string]*Console{"": app.Anonymous()}
	for _, r := range roles {
		clients[r] = app.SignIn(r)
	}
	routes := app.Web.Routes()
	// Signing out ends the session the other checks use: walk it last.
	slices.SortStableFunc(routes, func(a, b webRoute) int {
		return strings.Compare(boolStr(a.Pattern == "POST /logout"), boolStr(b.Pattern == "POST /logout"))
	})
	seen := map[string]bool{}
	for _, rt := range routes {
		seen[rt.Pattern] = true
		want, ok := wantAccess[rt.Pattern]
		switch {
		case rt.Access == "":
			t.Errorf("%s has no access rule in the route table", rt.Pattern)
			continue
		case !ok:
			t.Errorf("%s (access %q) is not in this test's wantAccess: add who may open it", rt.Pattern, rt.Access)
			continue
		case want != rt.Access:
			t.Errorf("%s: the route table says %q, want %q", rt.Pattern, rt.Access, want)
		}
		if rt.StepUp != wantStepUp[rt.Pattern] {
			t.Errorf("%s: step-up %v in the route table, want %v", rt.Pattern, rt.StepUp, wantStepUp[rt.Pattern])
		}
		method, path := concrete(rt.Pattern)
		checkAccess(t, rt.Pattern, want, method, path, clients, roles)
		for _, sub := range subPaths[rt.Pattern] {
			method, path, _ := strings.Cut(sub, " ")
			checkAccess(t, rt.Pattern+" at "+sub, want, method, path, clients, roles)
		}
	}
	for p := range wantAccess {
		if !seen[p] {
			t.Errorf("%s is in wantAccess but not registered", p)
		}
	}
}

// checkAccess sends one request as each of signed out, admin, support and
// seller, and checks each answer against access.
func checkAccess(t *testing.T, pattern, access, method, path string, clients map[string]*Console, roles []string) {
	t.Helper()
	req := func(c *Console) *Page {
		switch method {
		case http.MethodGet:
			return c.Get(path)
		case http.MethodPost:
			return c.Post(path, nil)
		}
		return c.Fetch(method, path, "")
	}
	switch access {
	case "public":
		if p := req(clients[""]); p.Status >= 400 {
			t.Errorf("%s (public) signed out: got %d, want it open", pattern, p.Status)
		}
		return
	case "token":
		if p := req(clients[""]); p.Status != http.StatusUnauthorized {
			t.Errorf("%s (token) without a token: got %d, want 401", pattern, p.Status)
		}
		return
	case "basic":
		for who, c := range clients {
			if p := req(c); p.Status != http.StatusUnauthorized {
				t.Errorf("%s (basic) as %q without credentials: got %d, want 401", pattern, who, p.Status)
			}
		}
		return
	case "stripe":
		if p := req(clients[""]); p.Status != http.StatusBadRequest {
			t.Errorf("%s (stripe) unsigned: got %d, want 400", pattern, p.Status)
		}
		return
	case "login":
		for who, c := range clients {
			if p := req(c); p.Status == http.StatusForbidden || p.Status == http.StatusUnauthorized || p.Status >= 500 {
				t.Errorf("%s (login) as %q: got %d, want it open", pattern, who, p.Status)
			}
		}
		return
	}
	admitted := strings.Fields(access)
	if len(admitted) == 0 {
		t.Errorf("%s has no access rule", pattern)
		return
	}
	for _, r := range admitted {
		if !slices.Contains(roles, r) {
			t.Errorf("%s: access rule %q names %q, which is not a console role", pattern, access, r)
		}
	}
	if !slices.Contains(admitted, store.UserAdmin) {
		t.Errorf("%s: admins open everything, but the rule is %q", pattern, access)
	}
	p := req(clients[""])
	if loc := p.Header.Get("Location"); p.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Errorf("%s signed out: got %d Location %q, want 303 to /login", pattern, p.Status, loc)
	}
	if method == http.MethodGet && !strings.Contains(p.Header.Get("Location"), "next=") {
		t.Errorf("%s signed out: Location %q carries no next", pattern, p.Header.Get("Location"))
	}
	for _, r := range roles {
		p := req(clients[r])
		switch {
		case slices.Contains(admitted, r):
			if p.Status == http.StatusForbidden || p.Status == http.StatusUnauthorized || p.Status >= 500 ||
				strings.HasPrefix(p.Header.Get("Location"), "/login?") {
				t.Errorf("%s as %s (admitted): got %d Location %q", pattern, r, p.Status, p.Header.Get("Location"))
			}
		case path == "/" && r == store.UserSeller:
			// The bare address sends a seller to their own home (TestSellerHomeIsTheirLanding).
			if loc := p.Header.Get("Location"); p.Status != http.StatusSeeOther || loc != "/seller/" {
				t.Errorf("%s as %s: got %d Location %q, want 303 to /seller/", pattern, r, p.Status, loc)
			}
		case p.Status != http.StatusForbidden:
			t.Errorf("%s as %s (not admitted): got %d, want 403", pattern, r, p.Status)
		}
	}
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
