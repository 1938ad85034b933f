package main

import (
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/pgtest"
	"github.com/switchboardhq/switchboard/store"
)

// TestDemoFillsTheSupportPages checks that 'switchboard demo' gives every
// support page something to show: tickets in the queues (secrets redacted),
// alerts, and mail waiting for the workers.
func TestDemoFillsTheSupportPages(t *testing.T) {
	url := pgtest.URL(t)
	t.Setenv("DATABASE_URL", url)
	if out, err := runCmd(t, "", "demo"); err != nil || !strings.Contains(out, "demo data loaded") {
		t.Fatalf("demo: %v %s", err, out)
	}
	st := store.New(pgtest.PoolFor(t, url))
	qs, err := st.TicketQueues(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		if q.Total == 0 && q.Queue != store.TicketSellers {
			t.Errorf("queue %s is empty after the demo", q.Queue)
		}
	}
	ts, err := st.Tickets(t.Context(), store.TicketFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range ts {
		if strings.Contains(tk.Body, "4242 4242 4242 4242") {
			t.Fatalf("ticket %d keeps a card number: %q", tk.ID, tk.Body)
		}
	}
	alerts, err := st.AlertsIn(t.Context(), store.AlertStateOpen, nil, 10)
	if err != nil || len(alerts) < 2 {
		t.Fatalf("open alerts after the demo: got %d (%v), want the dispute and the payout", len(alerts), err)
	}
	var emails int
	if err := pgtest.PoolFor(t, url).QueryRow(t.Context(), `SELECT count(*) FROM river_job WHERE kind = 'email'`).Scan(&emails); err != nil || emails == 0 {
		t.Fatalf("email jobs queued by the demo: got %d (%v), want some", emails, err)
	}
	if out, err := runCmd(t, "", "demo"); err != nil || !strings.Contains(out, "already loaded") {
		t.Fatalf("second demo: %v %s", err, out)
	}
}
