package faults

import (
	"context"
	"regexp"
	"testing"
	"time"
)

// TestDeadlockStress delivers many events for the same few accounts (3 buyers,
// 2 sellers, 100 payments, half of them disputed, some refunded) at
// concurrency 24 with EVENT_WORKERS=8, each payment's events (and their
// duplicates) side by side so they are applied at the same moment: every
// event is applied, the ledger matches, and neither the server's log nor
// Postgres's mentions a deadlock (SQLSTATE 40P01).
func TestDeadlockStress(t *testing.T) {
	t.Parallel()
	e := Setup(t, map[string]string{"EVENT_WORKERS": "8"})
	st := Marketplace(StoryOptions{Buyers: 3, Sellers: 2, Payments: 100, RefundEvery: 4, DisputeEvery: 2, Seed: 8})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if un := e.Sender(24).Send(ctx, Bursts(st, 0.3, 8)); len(un) > 0 {
		t.Fatalf("%d deliveries never acknowledged: %v", len(un), first(un, 5))
	}
	ids := st.EventIDs()
	if !Eventually(90*time.Second, func() bool { return e.Unprocessed(ids) == 0 && e.Unfinished() == 0 }) {
		t.Errorf("%d of %d events not processed in 90 s: %v; jobs %s", e.Unprocessed(ids), len(ids), e.UnprocessedDetail(ids, 5), e.JobSummary())
	}
	if p := e.Ledger(st); len(p) > 0 {
		t.Errorf("ledger:\n%v", first(p, 10))
	}
	deadlock := `40P01|deadlock detected`
	if lines := e.LogLines(deadlock); len(lines) > 0 {
		t.Errorf("the server logged %d deadlocks, want none:\n%v", len(lines), first(lines, 3))
	}
	if n := len(regexp.MustCompile(`(?m)ERROR:\s+deadlock detected`).FindAllString(e.PG.Log(), -1)); n > 0 {
		t.Errorf("Postgres logged %d deadlocks, want none", n)
	}
	if n := e.Count(`SELECT count(*) FROM stripe_events WHERE attempts > 1`); n > 0 {
		t.Logf("%d events needed more than one attempt", n)
	}
}
