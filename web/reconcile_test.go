package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/internal/stripefake"
	"github.com/switchboardhq/switchboard/store"
)

func TestConsoleFetchesMissedEvents(t *testing.T) {
	t.Parallel()
	fake := stripefake.New(t)
	app := NewWith(t, Options{Stripe: fake})
	missed := NewEvent("payment_intent.succeeded", PaymentIntent(NewID("pi"), 1200, "usd", "", "succeeded", nil)).At(time.Now().Add(-30 * time.Hour))
	fake.AddEvent(t, missed.JSON())
	admin := app.SignIn(store.UserAdmin)

	p := admin.Get("/events").Want(http.StatusOK)
	if got := p.Text("reconcile-last"); !strings.Contains(got, "No fetch") {
		t.Errorf("before any run: got %q", got)
	}
	if p.Find("reconcile-fetch").Length() != 1 {
		t.Fatalf("no fetch button for an admin:\n%s", p.Body)
	}
	p = admin.Post("/events/reconcile", nil).Want(http.StatusSeeOther)
	if loc := p.Header.Get("Location"); loc != "/events" {
		t.Errorf("redirect: got %q, want /events", loc)
	}
	app.Eventually(15*time.Second, "the console's reconcile run finished", func() bool {
		return app.Count(`SELECT count(*) FROM reconcile_runs WHERE trigger = 'console' AND finished_at IS NOT NULL`) == 1
	})
	if ev := app.WaitEvent(missed.ID); ev.Status != store.EventProcessed {
		t.Errorf("missed event: got %s, want processed", ev.Status)
	}
	app.Eventually(5*time.Second, "no reconcile job pending", func() bool {
		return app.Count(`SELECT count(*) FROM river_job WHERE kind = 'stripe_reconcile' AND state NOT IN ('completed', 'discarded', 'cancelled')`) == 0
	})
	p = admin.Get("/events").Want(http.StatusOK)
	got := p.Text("reconcile-last")
	for _, want := range []string{"(console,", "listed 1, added 1, already known 0"} {
		if !strings.Contains(got, want) {
			t.Errorf("last run: got %q, want %q in it", got, want)
		}
	}
	if p.Find("reconcile-pending").Length() != 0 || p.Find("reconcile-error").Length() != 0 {
		t.Errorf("a finished, complete run shows as pending or failed:\n%s", got)
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'events.reconcile'`); n != 1 {
		t.Errorf("audit entries: got %d, want 1", n)
	}
}

func TestConsoleReconcilePendingAndRoles(t *testing.T) {
	t.Parallel()
	fake := stripefake.New(t)
	app := NewWith(t, Options{Stripe: fake, NoWorkers: true})
	admin := app.SignIn(store.UserAdmin)
	admin.Post("/events/reconcile", nil).Want(http.StatusSeeOther)
	p := admin.Get("/events").Want(http.StatusOK)
	if got := p.Text("flash-ok"); !strings.Contains(got, "Fetching missed events") {
		t.Errorf("flash: got %q", got)
	}
	panel := p.Find("reconcile-panel")
	if id, _ := panel.Attr("id"); id != "reconcile" {
		t.Errorf("panel id: got %q, want reconcile", id)
	}
	if hx, _ := panel.Attr("hx-get"); hx != "/events/reconcile" || p.Find("reconcile-pending").Length() != 1 || p.Find("reconcile-fetch").Length() != 0 {
		t.Errorf("while queued: want a polling panel saying fetching…, without the button:\n%s", p.Body)
	}
	frag := admin.HTMX(http.MethodGet, "/events/reconcile", nil).Want(http.StatusOK)
	if !strings.Contains(frag.Text("reconcile-pending"), "fetching") || strings.Contains(frag.Body, "<html") {
		t.Errorf("fragment: got %s", frag.Body)
	}
	// Opened directly, it is a page of the console, not a bare fragment.
	if page := admin.Get("/events/reconcile").Want(http.StatusOK); !strings.Contains(page.Body, "<html") || page.Find("reconcile-pending").Length() != 1 {
		t.Errorf("opened directly: got %s", page.Body)
	}
	admin.Post("/events/reconcile", nil).Want(http.StatusSeeOther)
	if got := admin.Get("/events").Text("flash-ok"); !strings.Contains(got, "already queued") {
		t.Errorf("a second click: got %q, want already queued", got)
	}
	if n := app.Count(`SELECT count(*) FROM river_job WHERE kind = 'stripe_reconcile'`); n != 1 {
		t.Errorf("reconcile jobs: got %d, want 1 (unique while pending)", n)
	}
	support := app.SignIn(store.UserSupport)
	if p := support.Get("/events").Want(http.StatusOK); p.Find("reconcile-panel").Length() != 1 || p.Find("reconcile-fetch").Length() != 0 {
		t.Errorf("support: want the panel without the button")
	}
	support.Post("/events/reconcile", nil).Want(http.StatusForbidden)
}

func TestConsoleReconcileNeedsASecretKey(t *testing.T) {
	t.Parallel()
	app := New(t)
	admin := app.SignIn(store.UserAdmin)
	p := admin.Get("/events").Want(http.StatusOK)
	if got := p.Text("reconcile-disabled"); !strings.Contains(got, "STRIPE_SECRET_KEY") || p.Find("reconcile-fetch").Length() != 0 {
		t.Errorf("without a key: got %q, want the sentence and no button", got)
	}
	admin.Post("/events/reconcile", nil).Want(http.StatusConflict)
	if n := app.Count(`SELECT count(*) FROM river_job WHERE kind = 'stripe_reconcile'`); n != 0 {
		t.Errorf("reconcile jobs: got %d, want none", n)
	}
}
