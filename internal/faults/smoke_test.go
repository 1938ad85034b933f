package faults

import (
	"context"
	"testing"
	"time"
)

// TestHarness: the binary builds, a cluster of the test's own starts, the
// server serves, a story is delivered and applied, mail and the CRM arrive.
func TestHarness(t *testing.T) {
	t.Parallel()
	e := Setup(t, nil)
	st := Marketplace(StoryOptions{Buyers: 3, Sellers: 2, Payments: 10, RefundEvery: 4, DisputeEvery: 5, Seed: 1})
	s := e.Sender(8)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if un := s.Send(ctx, Deliveries(st.Events, 0.3, 1)); len(un) > 0 {
		t.Fatalf("undelivered: %v", un)
	}
	ids := st.EventIDs()
	if !Eventually(30*time.Second, func() bool { return e.Unprocessed(ids) == 0 && e.Unfinished() == 0 }) {
		t.Fatalf("not drained: %d unprocessed, jobs %s", e.Unprocessed(ids), e.JobSummary())
	}
	t.Logf("mail: %+v", e.Mail())
	t.Logf("crm out of date: %v", e.CRMOutOfDate())
	t.Logf("event: %+v", e.Event(ids[0]))
}
