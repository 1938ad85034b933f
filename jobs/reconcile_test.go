package jobs_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/internal/stripefake"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/jobs/stripeapi"
	"github.com/switchboardhq/switchboard/store"
)

// reconciler builds a Reconciler for app against the fake, with short
// backoffs.
func reconciler(app *App, fake *stripefake.Stripe) *jobs.Reconciler {
	return &jobs.Reconciler{
		Stripe: stripeapi.New(fake.Key, fake.URL, stripeapi.WithRetries(0)),
		Ingest: &jobs.Ingester{Store: app.Store, Dispatch: app.Dispatch},
		Store:  app.Store, Logger: app.Log, Backoff: 5 * time.Millisecond,
	}
}

// source is where the ledger says an event came from.
func source(t *testing.T, app *App, id string) string {
	t.Helper()
	var s string
	if err := app.Pool.QueryRow(context.Background(), `SELECT source FROM stripe_events WHERE id = $1`, id).Scan(&s); err != nil {
		t.Fatalf("source of %s: %v", id, err)
	}
	return s
}

func TestReconcileAddsMissedEventsThroughTheWebhookPath(t *testing.T) {
	t.Parallel()
	app := New(t)
	fake := stripefake.New(t)
	now := time.Now()

	// One payment the webhook delivered, one it missed, an event of another
	// API version (held), and enough unhandled ones for three pages.
	delivered := NewEvent("payment_intent.succeeded", PaymentIntent(NewID("pi"), 1500, "usd", "", "succeeded", nil)).At(now.Add(-2 * time.Hour))
	app.SendAndWait(delivered)
	missedPI := NewID("pi")
	missed := NewEvent("payment_intent.succeeded", PaymentIntent(missedPI, 4200, "usd", "", "succeeded", nil)).At(now.Add(-time.Hour))
	held := NewEvent("payment_intent.succeeded", PaymentIntent(NewID("pi"), 900, "usd", "", "succeeded", nil)).At(now.Add(-3 * time.Hour))
	held.APIVersion = "2020-08-27"
	old := NewEvent("payment_intent.succeeded", PaymentIntent(NewID("pi"), 100, "usd", "", "succeeded", nil)).At(now.Add(-80 * time.Hour))
	for _, e := range []*Event{delivered, missed, held, old} {
		fake.AddEvent(t, e.JSON())
	}
	for i := range 205 {
		fake.AddEvent(t, NewEvent("balance.available", map[string]any{"id": NewID("bal"), "object": "balance"}).At(now.Add(-time.Duration(i)*time.Second)).JSON())
	}

	res, err := reconciler(app, fake).Run(context.Background(), now.Add(-72*time.Hour), store.ReconcileCLI)
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	want := store.ReconcileCounts{Pages: 3, Listed: 208, Added: 207, Known: 1, Held: 1, Ignored: 205}
	if res.Total != want || len(res.Accounts) != 1 || res.Clamped {
		t.Fatalf("got %+v (%d accounts, clamped %v), want %+v, the platform only", res.Total, len(res.Accounts), res.Clamped, want)
	}
	if ev := app.WaitEvent(missed.ID); ev.Status != store.EventProcessed {
		t.Fatalf("missed event: got %s (%s), want processed", ev.Status, ev.LastError)
	}
	if o := order(t, app, missedPI); o.Status != "paid" || o.Amount != 4200 {
		t.Fatalf("order of the missed payment: got %s %d, want paid 4200", o.Status, o.Amount)
	}
	if got := source(t, app, missed.ID); got != store.SourceReconcile {
		t.Errorf("missed event's source: got %q, want reconcile", got)
	}
	if got := source(t, app, delivered.ID); got != store.SourceWebhook {
		t.Errorf("delivered event's source: got %q, want webhook (untouched)", got)
	}
	if ev := app.WaitEvent(held.ID); ev.Status != store.EventHeld {
		t.Errorf("event of another API version: got %s, want held", ev.Status)
	}
	if n := app.Count(`SELECT count(*) FROM alerts WHERE kind = $1`, store.AlertEventHeld); n != 1 {
		t.Errorf("held alerts: got %d, want 1", n)
	}
	if n := app.Count(`SELECT count(*) FROM stripe_events WHERE id = $1`, old.ID); n != 0 {
		t.Errorf("an event older than --since was ingested")
	}
	for _, r := range fake.Requests() {
		if r.Query.Get("limit") != "100" || r.Query.Get("created[gte]") == "" {
			t.Errorf("request %s?%s: want limit=100 and created[gte]", r.Path, r.Query.Encode())
		}
	}

	again, err := reconciler(app, fake).Run(context.Background(), now.Add(-72*time.Hour), store.ReconcileCLI)
	if err != nil {
		t.Fatalf("second reconcile: %v", err)
	}
	if want := (store.ReconcileCounts{Pages: 3, Listed: 208, Known: 208}); again.Total != want {
		t.Fatalf("second run: got %+v, want %+v (nothing added)", again.Total, want)
	}
	runs, err := app.Store.ReconcileRuns(context.Background(), 5)
	if err != nil || len(runs) != 2 || runs[0].FinishedAt == nil || runs[0].Known != 208 || runs[1].Added != 207 || runs[0].Trigger != store.ReconcileCLI {
		t.Fatalf("recorded runs: got %+v %v, want two finished runs, newest first", runs, err)
	}
}

func TestReconcileRetries429And500(t *testing.T) {
	t.Parallel()
	app := New(t)
	fake := stripefake.New(t)
	ev := NewEvent("balance.available", map[string]any{"id": NewID("bal"), "object": "balance"})
	fake.AddEvent(t, ev.JSON())
	fake.Fail(stripefake.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1"}, stripefake.Fault{Status: http.StatusInternalServerError},
		stripefake.Fault{Status: http.StatusServiceUnavailable})
	start := time.Now()
	res, err := reconciler(app, fake).Run(context.Background(), time.Now().Add(-time.Hour), store.ReconcileCLI)
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("took %s: want at least the 429's Retry-After (1 s)", took)
	}
	if res.Total.Added != 1 || res.Total.Pages != 1 {
		t.Errorf("got %+v, want one page, one event added", res.Total)
	}
	var statuses []int
	for _, r := range fake.Requests() {
		statuses = append(statuses, r.Status)
	}
	if len(statuses) != 4 || statuses[3] != 200 {
		t.Errorf("requests: got statuses %v, want 429, 500, 503, 200", statuses)
	}
}

func TestReconcileGivesUpAfterPersistent500WithPartialCounts(t *testing.T) {
	t.Parallel()
	app := New(t)
	fake := stripefake.New(t)
	for range 150 {
		fake.AddEvent(t, NewEvent("balance.available", map[string]any{"id": NewID("bal"), "object": "balance"}).JSON())
	}
	fake.Fail(stripefake.Fault{}) // the first page is answered
	fake.FailNext(5, stripefake.Fault{Status: http.StatusInternalServerError})
	res, err := reconciler(app, fake).Run(context.Background(), time.Now().Add(-time.Hour), store.ReconcileCLI)
	if err == nil || !strings.Contains(err.Error(), "platform") {
		t.Fatalf("got %v, want an error naming the platform's unread page", err)
	}
	if res.Total.Pages != 1 || res.Total.Added != 100 {
		t.Errorf("got %+v, want the first page's 100 events added", res.Total)
	}
	if n := len(fake.Requests()); n != 6 {
		t.Errorf("requests: got %d, want 1 + 5 tries", n)
	}
	runs, _ := app.Store.ReconcileRuns(context.Background(), 1)
	if len(runs) != 1 || runs[0].Error == "" || runs[0].Added != 100 {
		t.Errorf("recorded run: got %+v, want the error and the partial counts", runs)
	}
}

func TestReconcileConnectedSellers(t *testing.T) {
	t.Parallel()
	app := New(t)
	fake := stripefake.New(t)
	known, unknown := NewID("acct"), NewID("acct")
	seller, _, err := app.Store.CreateSignup(context.Background(), store.Signup{Email: NewID("s") + "@example.com", Name: "S", Role: store.RoleSeller})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Pool.Exec(context.Background(), `UPDATE accounts SET stripe_account_id = $1 WHERE id = $2`, known, seller.ID); err != nil {
		t.Fatal(err)
	}
	mine := NewEvent("payout.paid", Payout(NewID("po"), 5000, "paid", "", ""))
	mine.Account = known
	theirs := NewEvent("payout.paid", Payout(NewID("po"), 7000, "paid", "", ""))
	theirs.Account = unknown
	fake.AddEvent(t, mine.JSON())
	fake.AddEvent(t, theirs.JSON())

	res, err := reconciler(app, fake).Run(context.Background(), time.Now().Add(-time.Hour), store.ReconcileCLI)
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if len(res.Accounts) != 2 || res.Accounts[1].Account != known || res.Accounts[1].Added != 1 || res.Total.Added != 1 {
		t.Fatalf("got %+v, want the platform and %s, one event added", res.Accounts, known)
	}
	ev := app.WaitEvent(mine.ID)
	if ev.StripeAccount != known || source(t, app, mine.ID) != store.SourceReconcile {
		t.Errorf("connected event: got account %q, want %q from reconcile", ev.StripeAccount, known)
	}
	if n := app.Count(`SELECT count(*) FROM stripe_events WHERE id = $1`, theirs.ID); n != 0 {
		t.Errorf("an event of a seller we do not know was ingested")
	}
	var accounts []string
	for _, r := range fake.Requests() {
		accounts = append(accounts, r.Account)
	}
	if len(accounts) != 2 || accounts[0] != "" || accounts[1] != known {
		t.Errorf("Stripe-Account of the requests: got %q, want none, then %s", accounts, known)
	}
}

func TestReconcileClampsToStripesRetention(t *testing.T) {
	t.Parallel()
	app := New(t)
	fake := stripefake.New(t)
	res, err := reconciler(app, fake).Run(context.Background(), time.Now().Add(-45*24*time.Hour), store.ReconcileCLI)
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if age := time.Since(res.Since); !res.Clamped || age > jobs.EventRetention+time.Minute || age < jobs.EventRetention {
		t.Fatalf("got since %s clamped %v, want at most 30 days back, clamped", res.Since, res.Clamped)
	}
}

func TestReconcileJobRecordsAPeriodicRun(t *testing.T) {
	t.Parallel()
	fake := stripefake.New(t)
	app := NewWith(t, Options{Stripe: fake})
	ev := NewEvent("balance.available", map[string]any{"id": NewID("bal"), "object": "balance"}).At(time.Now().Add(-5 * time.Hour))
	fake.AddEvent(t, ev.JSON())
	if _, err := app.River.Insert(context.Background(), jobs.ReconcileArgs{WindowSeconds: 6 * 3600, Trigger: store.ReconcilePeriodic}, nil); err != nil {
		t.Fatal(err)
	}
	app.Eventually(15*time.Second, "the periodic run finished", func() bool {
		return app.Count(`SELECT count(*) FROM reconcile_runs WHERE trigger = 'periodic' AND finished_at IS NOT NULL AND added = 1`) == 1
	})
	if got := source(t, app, ev.ID); got != store.SourceReconcile {
		t.Errorf("source: got %q, want reconcile", got)
	}
}
