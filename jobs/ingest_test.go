package jobs_test

import (
	"encoding/json"
	"os"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

// The webhook writes an event's job row itself, in the event's own statement
// (riverjob.go). The row must be the one River's InsertTx writes: this test
// fails first when a River upgrade changes river_job.
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

// The store names some job kinds and args in SQL it runs on River's table (the
// customer timeline: crm_sync by account_id, email by message_id; the fast
// webhook path: stripe_event by event_id). Kinds never change (STYLE.md); this
// keeps the SQL and the args types in step if someone tries.
func TestJobKindsNamedInStoreSQL(t *testing.T) {
	t.Parallel()
	for got, want := range map[string]string{
		jobs.CRMSyncArgs{}.Kind():      "crm_sync",
		jobs.EmailArgs{}.Kind():        "email",
		jobs.StripeEventArgs{}.Kind():  "stripe_event",
		jobs.WebhookWatchArgs{}.Kind(): "webhook_watch",
	} {
		if got != want {
			t.Errorf("job kind %q: the store's SQL names %q", got, want)
		}
	}
	for _, tc := range []struct {
		args any
		key  string
	}{{jobs.CRMSyncArgs{AccountID: 1}, "account_id"}, {jobs.EmailArgs{MessageID: 1}, "message_id"}, {jobs.StripeEventArgs{EventID: "evt_1"}, "event_id"}} {
		b, _ := json.Marshal(tc.args)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil || m[tc.key] == nil {
			t.Errorf("%T: got %s, want the key %q the store's SQL reads", tc.args, b, tc.key)
		}
	}
}

// riverjob.go writes River's job row by hand; a River upgrade must re-check
// it (TestIngestJobRowIsRivers, River's changelog for river_job and its insert
// notification), then move RiverCheckedWith to the new version.
func TestRiverVersionChecked(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*github\.com/riverqueue/river (v\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("go.mod names no github.com/riverqueue/river")
	}
	if got := string(m[1]); got != jobs.RiverCheckedWith {
		t.Fatalf("go.mod has River %s, but jobs/riverjob.go was checked against %s: re-check its job row and notification, then update RiverCheckedWith", got, jobs.RiverCheckedWith)
	}
}
