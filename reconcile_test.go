package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/internal/stripefake"
	"github.com/switchboardhq/switchboard/store"
)

// reconcileEnv points the commands at app's database and at the fake.
func reconcileEnv(t *testing.T, app *apptest.App, fake *stripefake.Stripe) {
	t.Setenv("DATABASE_URL", app.URL)
	t.Setenv("STRIPE_SECRET_KEY", fake.Key)
	t.Setenv("STRIPE_API_BASE", fake.URL)
	old := reconcileBackoff
	reconcileBackoff = time.Millisecond
	t.Cleanup(func() { reconcileBackoff = old })
}

func TestReconcileCommand(t *testing.T) {
	app := apptest.New(t)
	fake := stripefake.New(t)
	reconcileEnv(t, app, fake)
	pi := apptest.NewID("pi")
	missed := apptest.NewEvent("payment_intent.succeeded", apptest.PaymentIntent(pi, 2500, "usd", "", "succeeded", nil)).At(time.Now().Add(-2 * time.Hour))
	delivered := apptest.NewEvent("payment_intent.succeeded", apptest.PaymentIntent(apptest.NewID("pi"), 700, "usd", "", "succeeded", nil))
	app.SendAndWait(delivered)
	fake.AddEvent(t, missed.JSON())
	fake.AddEvent(t, delivered.JSON())

	out, err := runCmd(t, "", "reconcile", "--since", "72h")
	if err != nil {
		t.Fatalf("reconcile: %v\n%s", err, out)
	}
	for _, want := range []string{"platform", "listed 2  added 1 (held 0, ignored 0)  already known 1", "total since", "1 accounts, 1 pages"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if ev := app.WaitEvent(missed.ID); ev.Status != store.EventProcessed {
		t.Fatalf("the missed event: got %s, want processed by the serving workers", ev.Status)
	}
	if n := app.Count(`SELECT count(*) FROM orders WHERE stripe_payment_intent_id = $1`, pi); n != 1 {
		t.Errorf("orders of the missed payment: got %d, want 1", n)
	}
	out, err = runCmd(t, "", "reconcile", "--since", time.Now().Add(-24*time.Hour).UTC().Format(time.DateOnly))
	if err != nil || !strings.Contains(out, "added 0 (held 0, ignored 0), already known 2") {
		t.Fatalf("second run: %v, want nothing added:\n%s", err, out)
	}
	if n := app.Count(`SELECT count(*) FROM reconcile_runs WHERE trigger = 'cli' AND finished_at IS NOT NULL`); n != 2 {
		t.Errorf("recorded runs: got %d, want 2", n)
	}
}

func TestReconcileCommandFailsOnAnUnreadPage(t *testing.T) {
	app := apptest.NewWith(t, apptest.Options{NoWorkers: true})
	fake := stripefake.New(t)
	reconcileEnv(t, app, fake)
	for range 120 {
		fake.AddEvent(t, apptest.NewEvent("balance.available", map[string]any{"id": apptest.NewID("bal"), "object": "balance"}).JSON())
	}
	fake.Fail(stripefake.Fault{})
	fake.FailNext(5, stripefake.Fault{Status: http.StatusInternalServerError})
	out, err := runCmd(t, "", "reconcile", "--since", "45d")
	if err == nil || !strings.Contains(err.Error(), "did not read every page") {
		t.Fatalf("got %v, want an error saying a page was not read", err)
	}
	for _, want := range []string{"note: Stripe keeps events for 30 days", "INCOMPLETE", "listed 100  added 100 (held 0, ignored 100)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestReconcileCommandRefusals(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("STRIPE_SECRET_KEY", "")
	if _, err := runCmd(t, "", "reconcile", "--since", "72h"); err == nil || !strings.Contains(err.Error(), "STRIPE_SECRET_KEY is not set") {
		t.Errorf("without a key: got %v, want a clear STRIPE_SECRET_KEY error", err)
	}
	for _, args := range [][]string{{"reconcile"}, {"reconcile", "--since", "yesterday"}, {"reconcile", "--since", "-3h"},
		{"reconcile", "--since", "2999-01-01"}, {"reconcile", "--bogus"}} {
		var ue usageError
		if _, err := runCmd(t, "", args...); err == nil || !asUsage(err, &ue) {
			t.Errorf("%v: got %v, want a usage error", args, err)
		}
	}
}

func asUsage(err error, ue *usageError) bool {
	u, ok := err.(usageError)
	*ue = u
	return ok
}

func TestParseSince(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"72h":                  now.Add(-72 * time.Hour),
		"30m":                  now.Add(-30 * time.Minute),
		"7d":                   now.Add(-7 * 24 * time.Hour),
		"2026-11-01":           time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		"2026-11-01T10:00:00Z": time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC),
	} {
		if got, err := parseSince(in, now); err != nil || !got.Equal(want) {
			t.Errorf("%q: got %s %v, want %s", in, got, err, want)
		}
	}
}

func TestReconcileIntervalSetting(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"": time.Hour, "0": -1, "off": -1, "15m": 15 * time.Minute} {
		if got, err := reconcileInterval(in); err != nil || got != want {
			t.Errorf("%q: got %s %v, want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"soon", "10s", "-1h"} {
		if _, err := reconcileInterval(in); err == nil {
			t.Errorf("%q: got no error", in)
		}
	}
}
