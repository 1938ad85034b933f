package faults

import (
	"context"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/fixture"
)

// TestPermanentError delivers a customer.created whose email fails the
// database's shape check (accounts_email_shape): retrying cannot help, so the
// event is failed after one attempt with last_error saying why, its job is not
// retried, and an open alert names the event.
func TestPermanentError(t *testing.T) {
	t.Parallel()
	e := Setup(t, nil)
	ev := fixture.NewEvent("customer.created", fixture.Customer(fixture.NewID("cus"), "no-at-sign", "Shapeless Email"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if !e.Sender(1).Deliver(ctx, Delivery{EventID: ev.ID, Body: ev.JSON()}) {
		t.Fatal("delivery not acknowledged")
	}
	if !Eventually(20*time.Second, func() bool { return e.Event(ev.ID).Attempts >= 1 }) {
		t.Fatalf("no attempt within 20 s: %+v", e.Event(ev.ID))
	}
	time.Sleep(5 * time.Second) // past River's first retry (about 1 s after the first attempt)
	got := e.Event(ev.ID)
	if got.Status != "failed" || got.Attempts != 1 || got.LastError == "" {
		t.Errorf("event: got status %s after %d attempts (last_error %q), want failed after 1 attempt with the reason", got.Status, got.Attempts, got.LastError)
	}
	var state string
	var attempt int
	if err := e.DB.QueryRow(ctx, `SELECT state::text, attempt FROM river_job WHERE kind = 'stripe_event' AND args->>'event_id' = $1`, ev.ID).Scan(&state, &attempt); err != nil {
		t.Fatal(err)
	}
	if state != "cancelled" && state != "discarded" {
		t.Errorf("job: got state %s after %d attempts, want cancelled (no retry scheduled)", state, attempt)
	}
	if n := e.Count(`SELECT count(*) FROM alerts WHERE resolved_at IS NULL AND (subject LIKE '%' || $1 || '%' OR message LIKE '%' || $1 || '%')`, ev.ID); n < 1 {
		t.Errorf("no open alert names %s", ev.ID)
	}
}

// TestRetryStaysReceived fails one attempt of an event with a transient error
// (its worker's connection is terminated while it waits for a lock): a retry
// is scheduled, so the API shows the event received, with attempts and
// last_error; once the lock goes, the retry applies it.
func TestRetryStaysReceived(t *testing.T) {
	t.Parallel()
	e := Setup(t, nil)
	release := lockTable(t, e, "accounts")
	ev := fixture.NewEvent("customer.created", fixture.Customer(fixture.NewID("cus"), "retry@example.test", "Retry Later"))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if !e.Sender(1).Deliver(ctx, Delivery{EventID: ev.ID, Body: ev.JSON()}) {
		t.Fatal("delivery not acknowledged")
	}
	const waiting = `SELECT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'accounts' AND NOT l.granted LIMIT 1`
	var pid int
	if !Eventually(20*time.Second, func() bool { return e.DB.QueryRow(ctx, waiting).Scan(&pid) == nil }) {
		t.Fatal("the event's worker never waited for the accounts lock")
	}
	if _, err := e.DB.Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	if !Eventually(20*time.Second, func() bool { return e.Event(ev.ID).Attempts >= 1 }) {
		t.Fatalf("the failed attempt was not recorded: %+v", e.Event(ev.ID))
	}
	got := e.Event(ev.ID)
	if got.Status != "received" || got.LastError == "" {
		t.Errorf("event after a failed attempt with a retry scheduled: got status %s, %d attempts, last_error %q; want received with the attempt and its error",
			got.Status, got.Attempts, got.LastError)
	}
	release()
	if !Eventually(30*time.Second, func() bool { return e.Event(ev.ID).Status == "processed" }) {
		t.Errorf("not processed after the lock went: %+v", e.Event(ev.ID))
	}
}
