package faults

import (
	"context"
	"testing"
	"time"
)

// TestBaseline is the story without faults: shuffled, with duplicates, at
// concurrency 24. Every event is applied once, the ledger matches the story,
// every email arrives once and the CRM matches the database. It shows the
// harness itself is sound, so the failures of the other tests are the faults'.
func TestBaseline(t *testing.T) {
	t.Parallel()
	e := Setup(t, nil)
	st := Marketplace(StoryOptions{Buyers: 8, Sellers: 3, Payments: 40, RefundEvery: 5, DisputeEvery: 7, Seed: 1})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if un := e.Sender(24).Send(ctx, Deliveries(st.Events, 0.3, 1)); len(un) > 0 {
		t.Fatalf("undelivered: %v", un)
	}
	ids := st.EventIDs()
	if !Eventually(60*time.Second, func() bool { return e.Drained(ids) }) {
		t.Fatalf("not drained in 60 s: %d events unprocessed, jobs %s, CRM %v", e.Unprocessed(ids), e.JobSummary(), first(e.CRMOutOfDate(), 5))
	}
	if p := e.Ledger(st); len(p) > 0 {
		t.Errorf("ledger:\n%v", first(p, 10))
	}
	if m := e.Mail(); len(m.Problems) > 0 || m.Messages == 0 {
		t.Errorf("mail: %d messages, problems:\n%v", m.Messages, first(m.Problems, 10))
	}
}
