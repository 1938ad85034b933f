package views

import (
	"testing"
	"time"
)

func TestCountdown(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	for _, c := range []struct {
		due       *time.Time
		want, cls string
	}{
		{at(3*24*time.Hour + 4*time.Hour + 59*time.Minute), "3 days 4 h left", "badge"},
		{at(24*time.Hour + 30*time.Minute), "1 day 0 h left", "badge warn"},
		{at(5*time.Hour + 7*time.Minute), "5 h 7 min left", "badge warn"},
		{at(59 * time.Minute), "59 min left", "badge warn"},
		{at(30 * time.Second), "0 min left", "badge warn"},
		{at(-2 * time.Minute), "overdue by 2 min", "badge bad overdue"},
		{at(-(2*24*time.Hour + 3*time.Hour)), "overdue by 2 days 3 h", "badge bad overdue"},
		{nil, "no deadline", "badge"},
	} {
		if got := Countdown(c.due, now); got != c.want {
			t.Errorf("Countdown(%v): got %q, want %q", c.due, got, c.want)
		}
		if got := urgency(c.due, now); got != c.cls {
			t.Errorf("urgency(%v): got %q, want %q", c.due, got, c.cls)
		}
	}
}

func TestAuditDetailReadsAsWords(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		`{"summary": "evidence submitted to Stripe (request req_1)", "stripe_request_id": "req_1"}`: "evidence submitted to Stripe (request req_1)",
		`{"amount": 4800, "currency": "usd", "refund_request_id": 7, "note": null}`:                 "amount: 4800 · currency: usd · note: — · refund request id: 7",
		`{"from": "open", "to": "pending", "tags": ["a", "b"]}`:                                     `from: open · tags: ["a","b"] · to: pending`,
		`null`: "—",
		`{}`:   "—",
	} {
		if got := auditDetail(raw); got != want {
			t.Errorf("auditDetail(%s): got %q, want %q", raw, got, want)
		}
	}
}
