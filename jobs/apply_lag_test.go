package jobs_test

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

// waitingEvent stores a received event, never attempted, that arrived ago.
func waitingEvent(t *testing.T, app *App, ago time.Duration) string {
	t.Helper()
	id := NewID("evt")
	if _, err := app.Store.InsertEvent(t.Context(), store.NewEvent{ID: id, Type: "customer.created", Created: time.Now(),
		Payload: []byte(`{}`), Status: store.EventReceived}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Pool.Exec(t.Context(), `UPDATE stripe_events SET received_at = now() - $2::interval WHERE id = $1`, id, ago); err != nil {
		t.Fatal(err)
	}
	return id
}

// workWatch runs the webhook watch once through River's test worker, with the
// apply-lag alert at a minute.
func workWatch(t *testing.T, app *App) {
	t.Helper()
	w := &jobs.WebhookWatchWorker{Store: app.Store, Logger: app.Log, Dispatch: app.Dispatch, ApplyLagAlert: time.Minute}
	tw := rivertest.NewWorker(t, riverpgxv5.New(app.Pool), &river.Config{}, w)
	tx, err := app.Pool.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(t.Context()) }()
	res, err := tw.Work(t.Context(), t, pgx.Tx(tx), jobs.WebhookWatchArgs{}, nil)
	if err != nil {
		t.Fatalf("webhook watch: %v", err)
	}
	if res.EventKind != river.EventKindJobCompleted {
		t.Fatalf("webhook watch: got %s, want completed", res.EventKind)
	}
}

func TestApplyLagAlert(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ages []time.Duration // of events waiting for their first apply
		want bool
	}{
		{"nothing waiting", nil, false},
		{"waiting under the threshold", []time.Duration{30 * time.Second}, false},
		// Over the minute for one minute only: not for five.
		{"over the threshold, not for long", []time.Duration{2 * time.Minute}, false},
		{"over the threshold for five minutes", []time.Duration{7 * time.Minute, 10 * time.Second}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			app := NewWith(t, Options{NoWorkers: true})
			for _, age := range tc.ages {
				waitingEvent(t, app, age)
			}
			workWatch(t, app)
			a, err := app.Store.AlertByKey(t.Context(), store.AlertApplyLag, "stripe_events")
			if got := err == nil; got != tc.want {
				t.Fatalf("apply-lag alert raised: got %v (%v), want %v", got, err, tc.want)
			}
			if tc.want && a.Severity != store.SeverityWarning {
				t.Errorf("severity: got %s, want %s", a.Severity, store.SeverityWarning)
			}
		})
	}
}

// The lag is read from the ledger's history: an event that waited from 8
// minutes ago until 30 s ago kept the lag over the minute then, and one
// waiting for 2 minutes keeps it over now, so it lasted five minutes although
// no single event waited that long.
func TestApplyLagAlertFromHistory(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	done := waitingEvent(t, app, 8*time.Minute)
	if _, err := app.Pool.Exec(t.Context(), `UPDATE stripe_events SET status = 'processed', attempts = 1,
		processed_at = now() - interval '30 seconds' WHERE id = $1`, done); err != nil {
		t.Fatal(err)
	}
	waitingEvent(t, app, 2*time.Minute)
	workWatch(t, app)
	if _, err := app.Store.AlertByKey(t.Context(), store.AlertApplyLag, "stripe_events"); err != nil {
		t.Fatalf("apply-lag alert: %v, want it raised", err)
	}
	backlog, lag, err := app.Store.ApplyLag(t.Context())
	if err != nil || backlog != 1 || lag < 2*time.Minute || lag > 3*time.Minute {
		t.Fatalf("apply lag: got %d waiting, %s, %v; want 1 waiting for about 2 minutes", backlog, lag, err)
	}
}
