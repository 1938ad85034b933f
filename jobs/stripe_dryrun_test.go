package jobs_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

// uniqueFollowUp enqueues one job per applied event, unique by its args, the
// way a CRM sync or a receipt email is enqueued under an idempotency key.
type uniqueFollowUp struct{ client *river.Client[pgx.Tx] }

func (f uniqueFollowUp) AfterApply(ctx context.Context, tx *store.Store, fx *jobs.Effects) error {
	_, err := f.client.InsertTx(ctx, tx.Tx(), jobs.StripeEventArgs{EventID: "evt_followup_" + fx.EventID},
		&river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}})
	return err
}

func (f uniqueFollowUp) Raise(context.Context, *store.Store, store.NewAlert) error {
	return nil
}

func TestDryRunRollsBackAndReportsFollowUps(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	ctx := context.Background()
	ev := NewEvent("charge.succeeded", Charge(NewID("ch"), NewID("pi"), 1200, 0, "usd", NewID("cus"), "d@example.com", "succeeded", nil))
	app.Send(ev)
	w := jobs.NewEventWorker(jobs.Deps{Store: app.Store, Logger: app.Log, FollowUps: uniqueFollowUp{app.River}})
	jobsBefore := app.Count(`SELECT count(*) FROM river_job`)

	dr, err := w.DryRun(ctx, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	if dr.Failure != "" || dr.Status != store.EventProcessed {
		t.Fatalf("dry run: got status %q failure %q, want processed", dr.Status, dr.Failure)
	}
	if len(dr.Effects.Orders) != 1 || !dr.Effects.Orders[0].Created || dr.Effects.Orders[0].To != "paid" {
		t.Fatalf("dry run effects: got %+v, want one created paid order", dr.Effects.Orders)
	}
	if len(dr.Jobs) != 1 || dr.Jobs[0].Existing || !strings.Contains(dr.Jobs[0].Args, "evt_followup_"+ev.ID) {
		t.Fatalf("dry run jobs: got %+v, want one new follow-up", dr.Jobs)
	}
	if n := app.Count(`SELECT count(*) FROM river_job`); n != jobsBefore {
		t.Fatalf("jobs after a dry run: got %d, want %d", n, jobsBefore)
	}
	if n := app.Count(`SELECT count(*) FROM orders`); n != 0 {
		t.Fatalf("orders after a dry run: got %d, want 0", n)
	}
	if got, _ := app.Store.EventByID(ctx, ev.ID); got.Status != store.EventReceived || got.Attempts != 0 {
		t.Fatalf("event after a dry run: got %q with %d attempts, want untouched", got.Status, got.Attempts)
	}

	if st, err := w.Apply(ctx, ev.ID, false); err != nil || st != store.EventProcessed {
		t.Fatalf("apply: got %q, %v", st, err)
	}
	raw, err := app.Store.EventEffects(ctx, ev.ID)
	if err != nil || !strings.Contains(string(raw), `"to": "paid"`) {
		t.Fatalf("recorded effects: got %s, %v", raw, err)
	}

	// Replaying now changes no order, and the follow-up already exists under
	// its unique key: River would skip it.
	dr, err = w.DryRun(ctx, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(dr.Effects.Orders) != 0 {
		t.Fatalf("second dry run orders: got %+v, want none", dr.Effects.Orders)
	}
	if len(dr.Jobs) != 1 || !dr.Jobs[0].Existing || dr.Jobs[0].State != "available" {
		t.Fatalf("second dry run jobs: got %+v, want the existing follow-up", dr.Jobs)
	}
	if _, err := w.DryRun(ctx, "evt_nosuchevent"); err == nil {
		t.Fatal("dry run of a missing event: got no error")
	}
}
