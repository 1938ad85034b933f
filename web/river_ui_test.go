package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// assetRef finds the page's stylesheet, scripts and icons.
var assetRef = regexp.MustCompile(`(?:src|href)="(/admin/river/[^"]+)"`)

// River's UI loads for an admin: the page, every asset it names, and its API.
func TestRiverUILoadsForAdmin(t *testing.T) {
	t.Parallel()
	app := New(t)
	admin := app.SignIn(store.UserAdmin)
	p := admin.Get("/admin/river").Want(http.StatusMovedPermanently)
	if loc := p.Header.Get("Location"); loc != "/admin/river/" {
		t.Fatalf("/admin/river redirects to %q, want /admin/river/", loc)
	}
	p = admin.Get("/admin/river/").Want(http.StatusOK)
	// The console's CSP, relaxed for inline styles only: scripts stay 'self'.
	csp := p.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self';") || strings.Count(csp, "unsafe") != 1 ||
		!strings.Contains(csp, "style-src 'self' 'unsafe-inline';") {
		t.Fatalf("CSP: got %q, want the console's with inline styles only", csp)
	}
	if got := admin.Get("/jobs").Header.Get("Content-Security-Policy"); strings.Contains(got, "unsafe") {
		t.Fatalf("the console's own pages: CSP %q, want no relaxation", got)
	}
	// The only inline script is River's JSON config, which browsers do not run.
	p.Doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		if src, _ := s.Attr("src"); src == "" {
			if typ, _ := s.Attr("type"); typ != "application/json" {
				t.Errorf("an inline script of type %q: the CSP would block it", typ)
			}
		}
	})
	refs := assetRef.FindAllStringSubmatch(p.Body, -1)
	if len(refs) < 3 {
		t.Fatalf("asset references: got %v in\n%s", refs, p.Body)
	}
	for _, m := range refs {
		a := admin.Get(m[1])
		ct := a.Header.Get("Content-Type")
		if a.Status != http.StatusOK || strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: got %d %s, want 200 and the asset", m[1], a.Status, ct)
		}
	}
	api := admin.Fetch(http.MethodGet, "/admin/river/api/jobs?state=available&limit=5", "")
	if api.Status != http.StatusOK || !strings.Contains(api.Body, `"data"`) {
		t.Fatalf("API: got %d %s", api.Status, api.Body)
	}
	// A deep link is the single-page app.
	admin.Get("/admin/river/queues").Want(http.StatusOK)
}

// State changes through River's API pass the same cross-origin check as the
// console's forms, and only admins reach it.
func TestRiverUIStateChangesAreGuarded(t *testing.T) {
	t.Parallel()
	app := New(t)
	admin := app.SignIn(store.UserAdmin)
	req, _ := http.NewRequest(http.MethodPost, app.Server.URL+"/admin/river/api/jobs/cancel", strings.NewReader(`{"ids":["1"]}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := admin.Do(req); p.Status != http.StatusForbidden {
		t.Fatalf("cross-site cancel: got %d, want 403", p.Status)
	}
	if p := admin.Fetch(http.MethodPost, "/admin/river/api/jobs/cancel", `{"ids":["987654321"]}`); p.Status >= 400 && p.Status != http.StatusNotFound {
		t.Fatalf("same-origin cancel of a missing job: got %d %s", p.Status, p.Body)
	}
	support := app.SignIn(store.UserSupport)
	if p := support.Fetch(http.MethodGet, "/admin/river/api/jobs?state=available", ""); p.Status != http.StatusForbidden {
		t.Fatalf("support on River's API: got %d, want 403", p.Status)
	}
}

// TestBrowserRiverUI opens River's UI from the jobs page in Chromium: it
// renders under the console's CSP without a single violation or script error.
func TestBrowserRiverUI(t *testing.T) {
	t.Parallel()
	ctx, problems := browser(t)
	app := New(t)
	admin := app.NewUser(store.UserAdmin, nil)
	run(t, ctx, "sign in and open the jobs page",
		chromedp.Navigate(app.Server.URL+"/login?next=/jobs"),
		chromedp.WaitVisible(tid("login-form")),
		chromedp.SendKeys(chromedp.ID("email"), admin.Email),
		chromedp.SendKeys(chromedp.ID("password"), Password),
		chromedp.Click(tid("login-submit")),
		chromedp.WaitVisible(tid("river-ui-link")),
		chromedp.Click(tid("river-ui-link")),
	)
	pollAcrossNavigation(t, ctx, "River's UI to render its job list",
		`location.pathname.startsWith('/admin/river/') && document.querySelector('#root') !== null &&
		 document.querySelector('#root').innerText.includes('Jobs')`)
	shot(t, ctx, "river-ui")
	if p := problems(); len(p) > 0 {
		t.Fatalf("the page logged problems (CSP violations, script errors): %v", p)
	}
}

// TestRiverUIActionsAreAudited: pausing a queue and cancelling jobs through
// River's own UI are audit entries with who, what, River's answer and where
// from; reading is not.
func TestRiverUIActionsAreAudited(t *testing.T) {
	t.Parallel()
	app := New(t)
	admin := app.SignIn(store.UserAdmin)
	admin.Fetch(http.MethodGet, "/admin/river/api/queues", "").Want(http.StatusOK)
	p := admin.Fetch(http.MethodPut, "/admin/river/api/queues/default/pause", `{}`)
	if p.Status >= 400 {
		t.Fatalf("pausing the default queue: got %d %s", p.Status, p.Body)
	}
	admin.Fetch(http.MethodPost, "/admin/river/api/jobs/cancel", `{"ids":["987654321"]}`)
	rows, err := app.Pool.Query(t.Context(), `SELECT actor, subject, detail->>'method', (detail->>'status')::int, address, request_id
		FROM audit_log WHERE action = 'river_ui.action' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var actor, subject, method, address, requestID string
		var status int
		if err := rows.Scan(&actor, &subject, &method, &status, &address, &requestID); err != nil {
			t.Fatal(err)
		}
		if actor != admin.User.Email || address == "" || requestID == "" || status == 0 {
			t.Errorf("River UI audit entry: got actor %q, address %q, request %q, status %d", actor, address, requestID, status)
		}
		got = append(got, method+" "+subject)
	}
	want := []string{"PUT river_ui:api/queues/default/pause", "POST river_ui:api/jobs/cancel"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Fatalf("River UI audit entries: got %q, want %q", got, want)
	}
}
