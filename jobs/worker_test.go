package jobs_test

import (
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

func eventJob(id string, attempt int) *river.Job[jobs.StripeEventArgs] {
	return &river.Job[jobs.StripeEventArgs]{
		JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: 20, State: rivertype.JobStateRunning, CreatedAt: time.Now()},
		Args:   jobs.StripeEventArgs{EventID: id},
	}
}

// A job naming no stored event is cancelled, not retried for days.
func TestWorkerCancelsAJobForNoSuchEvent(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	w := jobs.NewEventWorker(jobs.Deps{Store: app.Store, Logger: app.Log, FollowUps: app.Dispatch})
	var cancel *river.JobCancelError
	if err := w.Work(t.Context(), eventJob("evt_nothing_here", 1)); !errors.As(err, &cancel) || !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("job for a missing event: got %v, want it cancelled as not found", err)
	}
}

// A stored payload that is not a Stripe event fails at once, with an alert:
// retrying cannot make it readable.
func TestWorkerFailsAnUnreadablePayloadPermanently(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	ctx := t.Context()
	id := NewID("evt")
	if _, err := app.Store.InsertEvent(ctx, store.NewEvent{ID: id, Type: "charge.succeeded", Created: time.Now(),
		Payload: []byte(`{"id": "` + id + `", "data": "not an object"`), Status: store.EventReceived}); err != nil {
		t.Fatal(err)
	}
	w := jobs.NewEventWorker(jobs.Deps{Store: app.Store, Logger: app.Log, FollowUps: app.Dispatch})
	var cancel *river.JobCancelError
	if err := w.Work(ctx, eventJob(id, 1)); !errors.As(err, &cancel) {
		t.Fatalf("unreadable payload: got %v, want the job cancelled", err)
	}
	ev, err := app.Store.EventByID(ctx, id)
	if err != nil || ev.Status != store.EventFailed || ev.Attempts != 1 || ev.LastError == "" {
		t.Fatalf("event: got %s after %d attempts (%q), %v; want failed after 1 with the reason", ev.Status, ev.Attempts, ev.LastError, err)
	}
	if _, err := app.Store.AlertByKey(ctx, store.AlertEventFailed, "event:"+id); err != nil {
		t.Fatalf("alert: %v", err)
	}
}
