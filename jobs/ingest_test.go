package jobs_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

// The webhook writes an event's job row itself, in the event's own statement
// (store.InsertEventWithJob). The row must be the one River's InsertTx writes:
// this test fails first when a River upgrade changes river_job.
func TestIngestJobRowIsRivers(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	ctx := t.Context()
	ev := NewEvent("customer.created", Customer(NewID("cus"), "row@example.com", "Row"))
	app.Send(ev)
	app.Send(ev) // a duplicate adds no job
	riverID := NewID("evt")
	if err := app.Store.InTx(ctx, func(tx *store.Store) error {
		_, err := app.River.InsertTx(ctx, tx.Tx(), jobs.StripeEventArgs{EventID: riverID}, nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	type row struct {
		Kind, Queue, State, Metadata   string
		MaxAttempts, Priority, Attempt int
		Tags                           []string
		UniqueKeyNull, UniqueNull      bool
		ErrorsNull, ScheduledNow       bool
	}
	read := func(eventID string) (row, int) {
		var r row
		var n int
		err := app.Pool.QueryRow(ctx, `SELECT kind, queue, state::text, metadata::text, max_attempts, priority, attempt,
				tags::text[], unique_key IS NULL, unique_states IS NULL, errors IS NULL,
				scheduled_at <= now() AND scheduled_at > now() - interval '1 minute',
				(SELECT count(*) FROM river_job WHERE args->>'event_id' = $1)
			FROM river_job WHERE args->>'event_id' = $1 ORDER BY id LIMIT 1`, eventID).
			Scan(&r.Kind, &r.Queue, &r.State, &r.Metadata, &r.MaxAttempts, &r.Priority, &r.Attempt,
				&r.Tags, &r.UniqueKeyNull, &r.UniqueNull, &r.ErrorsNull, &r.ScheduledNow, &n)
		if err != nil {
			t.Fatalf("job of %s: %v", eventID, err)
		}
		return r, n
	}
	ours, n := read(ev.ID)
	if n != 1 {
		t.Fatalf("jobs for the event delivered twice: got %d, want 1", n)
	}
	rivers, _ := read(riverID)
	if diff := cmp.Diff(rivers, ours); diff != "" {
		t.Fatalf("the webhook's job row differs from River's (-river +ours):\n%s", diff)
	}
}
