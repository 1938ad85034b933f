package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// raise records an alert occurrence through the store, as the workers do.
func raise(app *App, kind, subject, msg string) store.Alert {
	app.T.Helper()
	r, err := app.Store.RaiseAlert(app.T.Context(), store.NewAlert{Kind: kind, Subject: subject, Message: msg})
	if err != nil {
		app.T.Fatal(err)
	}
	return r.Alert
}

func TestAlertsPageAcknowledgeAndHistory(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	ctx := t.Context()
	crm := raise(app, store.AlertCRMSyncFailed, "account:42", "CRM sync of account 42 failed: "+xss)
	raise(app, store.AlertCRMSyncFailed, "account:42", "CRM sync of account 42 failed again")
	slack := raise(app, store.AlertPayoutFailed, "payout:po_1", "Payout po_1 failed")
	if err := app.Store.AlertDelivered(ctx, slack.ID, "slack", "HTTP 500 from hooks.slack.com"); err != nil {
		t.Fatal(err)
	}
	old := raise(app, store.AlertMailUnavailable, "smtp", "SMTP refused")
	if err := app.Store.ResolveAlert(ctx, store.AlertMailUnavailable, "smtp", store.AlertResolver, "test"); err != nil {
		t.Fatal(err)
	}
	admin, sup := app.SignIn(store.UserAdmin), app.SignIn(store.UserSupport)

	p := admin.Get("/alerts").Want(http.StatusOK)
	noRawScript(t, p)
	if n := p.Find("alert-row").Length(); n != 2 {
		t.Fatalf("open alerts: got %d rows, want 2", n)
	}
	row := p.Doc.Find(fmt.Sprintf(`[data-testid="alert-row"][data-id="%d"]`, crm.ID))
	if got := strings.TrimSpace(row.Find(`[data-testid="alert-count"]`).Text()); got != "2" {
		t.Fatalf("count of a repeated alert: got %q, want 2", got)
	}
	if got := row.Find(`[data-testid="alert-message"]`).Text(); got != "CRM sync of account 42 failed again" {
		t.Fatalf("message: got %q, want the latest", got)
	}
	if href, _ := row.Find("a").Attr("href"); href != "/customers/42" {
		t.Fatalf("subject link: got %q, want /customers/42", href)
	}
	if got := p.Text("alert-delivery-error"); got != "slack: HTTP 500 from hooks.slack.com" {
		t.Fatalf("delivery error: got %q", got)
	}
	for st, want := range map[string]string{"open": "open (2)", "acknowledged": "acknowledged (0)", "resolved": "resolved (1)"} {
		if got := p.Text("alert-tab-" + st); got != want {
			t.Errorf("tab %s: got %q, want %q", st, got, want)
		}
	}

	// Support reads, cannot acknowledge.
	sp := sup.Get("/alerts").Want(http.StatusOK)
	if sp.Find("alert-row").Length() != 2 || sp.Find("alert-ack").Length() != 0 {
		t.Fatalf("support: got %d rows and %d acknowledge buttons, want 2 and 0", sp.Find("alert-row").Length(), sp.Find("alert-ack").Length())
	}
	sup.Post(fmt.Sprintf("/alerts/%d/acknowledge", crm.ID), nil).Want(http.StatusForbidden)
	crossSitePost(app, admin, fmt.Sprintf("/alerts/%d/acknowledge", crm.ID), nil).Want(http.StatusForbidden)
	if a, _ := app.Store.AlertByID(ctx, crm.ID); a.AcknowledgedAt != nil {
		t.Fatal("a refused POST acknowledged the alert")
	}

	// htmx takes the row off the open tab: the answer has no row (the empty
	// swap removes it), only the tabs and a flash saying where it went.
	f := admin.HTMX(http.MethodPost, fmt.Sprintf("/alerts/%d/acknowledge", crm.ID), nil).Want(http.StatusOK)
	frag, err := goquery.NewDocumentFromReader(strings.NewReader(f.Body))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(f.Body, "<html") || frag.Find(`[data-testid="alert-row"]`).Length() != 0 {
		t.Fatalf("htmx acknowledge: the row stays on the open tab:\n%s", f.Body)
	}
	if oob, _ := frag.Find("#flash").Attr("hx-swap-oob"); oob != "true" ||
		!strings.Contains(frag.Find(`[data-testid="flash-ok"]`).Text(), "acknowledged tab") {
		t.Fatalf("htmx acknowledge: no flash saying where the alert went:\n%s", f.Body)
	}
	// The tabs' counts come along, swapped out of band.
	if oob, _ := frag.Find("#alert-states").Attr("hx-swap-oob"); oob != "true" ||
		strings.TrimSpace(frag.Find(`[data-testid="alert-tab-acknowledged"]`).Text()) != "acknowledged (1)" ||
		strings.TrimSpace(frag.Find(`[data-testid="alert-tab-open"]`).Text()) != "open (1)" {
		t.Fatalf("htmx acknowledge: the tabs are not refreshed:\n%s", f.Body)
	}
	if got := admin.Get("/alerts?state=acknowledged").Find("alert-acked-by").Text(); got != "by "+admin.User.Email {
		t.Fatalf("acknowledged by: got %q", got)
	}
	if n := admin.Get("/alerts").Find("alert-row").Length(); n != 1 {
		t.Fatalf("open tab after one acknowledgement: got %d rows, want 1", n)
	}
	admin.Post(fmt.Sprintf("/alerts/%d/acknowledge", slack.ID), nil).Want(http.StatusSeeOther)
	admin.Post("/alerts/999999/acknowledge", nil).Want(http.StatusNotFound)

	p = admin.Get("/alerts").Want(http.StatusOK)
	if p.Find("alerts-empty").Length() != 1 {
		t.Fatal("no empty state once every alert is acknowledged")
	}
	acked := admin.Get("/alerts?state=acknowledged").Want(http.StatusOK)
	if n := acked.Find("alert-row").Length(); n != 2 {
		t.Fatalf("acknowledged: got %d rows, want 2", n)
	}
	resolved := admin.Get("/alerts?state=resolved").Want(http.StatusOK)
	if id, _ := resolved.Find("alert-row").Attr("data-id"); resolved.Find("alert-row").Length() != 1 || id != fmt.Sprint(old.ID) {
		t.Fatalf("resolved: got %d rows", resolved.Find("alert-row").Length())
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'alert.acknowledge' AND actor = $1`, admin.User.Email); n != 2 {
		t.Fatalf("audit entries: got %d, want 2", n)
	}
	admin.Get("/alerts?state=muted").Want(http.StatusBadRequest)
	admin.Get("/alerts?after=yesterday").Want(http.StatusBadRequest)
}

func TestAlertsPagePages(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	for i := 0; i < 53; i++ {
		raise(app, store.AlertDisputeOpened, fmt.Sprintf("dispute:dp_%d", i), "Dispute opened")
	}
	// Several alerts seen at the same instant: the cursor's ID breaks the tie.
	if _, err := app.Pool.Exec(t.Context(), `UPDATE alerts SET last_seen_at = $1 WHERE id % 3 = 0`, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	c := app.SignIn(store.UserSupport)
	p := c.Get("/alerts").Want(http.StatusOK)
	next, ok := p.Find("next-page").Attr("href")
	if p.Find("alert-row").Length() != 50 || !ok {
		t.Fatalf("first page: got %d rows, next link %v", p.Find("alert-row").Length(), ok)
	}
	p2 := c.Get(next).Want(http.StatusOK)
	seen := map[string]bool{}
	for _, pg := range []*Page{p, p2} {
		pg.Find("alert-row").Each(func(_ int, s *Selectionish) {
			id, _ := s.Attr("data-id")
			if seen[id] {
				t.Errorf("alert %s on two pages", id)
			}
			seen[id] = true
		})
	}
	if len(seen) != 53 || p2.Find("next-page").Length() != 0 {
		t.Fatalf("got %d distinct alerts over two pages, want 53 and no third page", len(seen))
	}
}

func TestOverviewShowsAlertsAndCRMLatency(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	ctx := t.Context()
	admin := app.SignIn(store.UserAdmin)
	p := admin.Get("/").Want(http.StatusOK)
	if got := p.Text("open-alerts"); got != "Open alerts 0" {
		t.Fatalf("open alerts with none: got %q", got)
	}
	if got := p.Text("crm-latency"); got != "Change to CRM update, median — no CRM updates in 24 h" {
		t.Fatalf("CRM latency with no syncs: got %q", got)
	}
	if p.Find("overview-alerts").Length() != 0 {
		t.Fatal("an alert list with no alerts")
	}

	var ids []int64
	for i := 0; i < 5; i++ {
		a := raise(app, store.AlertCRMSyncFailed, fmt.Sprintf("account:%d", i), fmt.Sprintf("sync %d failed %s", i, xss))
		ids = append(ids, a.ID)
		// Seen one after the other, the last one newest.
		if _, err := app.Pool.Exec(ctx, `UPDATE alerts SET last_seen_at = now() - make_interval(mins => $2) WHERE id = $1`, a.ID, 10-i); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.Store.AcknowledgeAlert(ctx, ids[4], "someone@example.com"); err != nil {
		t.Fatal(err)
	}
	acct := signup(app, "lat@example.com", "buyer", "free")
	// Five CRM updates that took 1, 2, 3, 4 and 10 seconds after their payment.
	for _, secs := range []int{1, 2, 3, 4, 10} {
		if _, err := app.Pool.Exec(ctx, `INSERT INTO crm_syncs (account_id, provider, requested_at, synced_at)
			VALUES ($1, 'hubspot', now() - interval '1 hour' - make_interval(secs => $2), now() - interval '1 hour')`, acct.ID, secs); err != nil {
			t.Fatal(err)
		}
	}
	// One from two days ago is outside the 24-hour window.
	if _, err := app.Pool.Exec(ctx, `INSERT INTO crm_syncs (account_id, provider, requested_at, synced_at)
		VALUES ($1, 'hubspot', now() - interval '49 hours', now() - interval '48 hours')`, acct.ID); err != nil {
		t.Fatal(err)
	}

	// The support role's poll gets the same figures in the fragment.
	f := app.SignIn(store.UserSupport).HTMX(http.MethodGet, "/", nil).Want(http.StatusOK)
	noRawScript(t, f)
	if got := f.Text("open-alerts"); got != "Open alerts 4" {
		t.Fatalf("open alerts: got %q, want 4 (one acknowledged)", got)
	}
	if href, _ := f.Find("open-alerts").Find("a").Attr("href"); href != "/alerts" {
		t.Fatalf("open alerts link: got %q", href)
	}
	var shown []string
	f.Find("overview-alert").Each(func(_ int, s *Selectionish) { shown = append(shown, s.Text()) })
	if len(shown) != 3 || !strings.Contains(shown[0], "sync 3 failed "+xss) || !strings.Contains(shown[2], "sync 1 failed") {
		t.Fatalf("newest open alerts: got %q, want syncs 3, 2, 1", shown)
	}
	if got := f.Text("crm-latency"); got != "Change to CRM update, median 3.0 s p95 8.8 s over 5 updates" {
		t.Fatalf("CRM latency: got %q", got)
	}
}

// The Acknowledge button is one word on one line, however narrow its cell:
// the state column may wrap long names anywhere, never the button.
func TestAlertsAcknowledgeButtonDoesNotBreak(t *testing.T) {
	t.Parallel()
	app := New(t)
	css := app.Anonymous().Get("/static/style.css").Want(http.StatusOK).Body
	if !strings.Contains(css, "table.alerts td.state button { white-space: nowrap; overflow-wrap: normal; }") {
		t.Fatal("style.css: the alert table's buttons may break mid-word")
	}
}

// TestSupportReadsNoSettingNames: an alert whose message names a setting
// reads, for support staff, that an admin can fix it; admins read it whole.
func TestSupportReadsNoSettingNames(t *testing.T) {
	t.Parallel()
	app := New(t)
	msg := "In the last 5m the Stripe endpoint refused 9 bad signatures. Check STRIPE_WEBHOOK_SECRET (rotation?) and the failed events."
	if _, err := app.Store.RaiseAlert(t.Context(), store.NewAlert{Kind: store.AlertWebhookFailures, Subject: "stripe", Message: msg}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/alerts", "/"} {
		if got := app.SignIn(store.UserSupport).Get(path).Want(http.StatusOK).Body; strings.Contains(got, "STRIPE_WEBHOOK_SECRET") || !strings.Contains(got, "An admin can fix this") {
			t.Errorf("support's %s names the setting, or does not say who fixes it", path)
		}
		if got := app.SignIn(store.UserAdmin).Get(path).Want(http.StatusOK).Body; !strings.Contains(got, "STRIPE_WEBHOOK_SECRET") {
			t.Errorf("admin's %s: the setting is not named", path)
		}
	}
}
