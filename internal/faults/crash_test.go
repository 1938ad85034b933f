package faults

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestKill9DuringJobs kills the server (SIGKILL) while email sends are waiting
// for the SMTP server's reply and CRM calls are under way, and starts it again
// with the default JOB_RESCUE_AFTER. Within 2 minutes of the restart every
// event is processed and no job is left running or queued; no Message-ID
// reaches the SMTP server twice, and each message is either sent once or
// marked unknown with an email_unknown alert (never resent on its own).
func TestKill9DuringJobs(t *testing.T) {
	t.Parallel()
	e := Setup(t, nil)
	e.SMTP.SetDelay(3 * time.Second)
	e.CRM.SetDelay(1500 * time.Millisecond)
	st := Marketplace(StoryOptions{Buyers: 12, Sellers: 3, Payments: 24, RefundEvery: 6, Seed: 2})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if un := e.Sender(8).Send(ctx, Deliveries(st.Events, 0, 2)); len(un) > 0 {
		t.Fatalf("undelivered before the kill: %v", un)
	}
	if !Eventually(30*time.Second, func() bool { return e.SMTP.InFlight() >= 3 }) {
		t.Fatalf("no email send was in flight within 30 s (in flight %d, jobs %s)", e.SMTP.InFlight(), e.JobSummary())
	}
	t.Logf("killing with %d sends awaiting the SMTP reply; jobs: %s", e.SMTP.InFlight(), e.JobSummary())
	e.Srv.Kill()
	e.Srv.Start()
	restarted := time.Now()

	ids := st.EventIDs()
	done := Eventually(2*time.Minute, func() bool {
		return e.Unprocessed(ids) == 0 && e.Unfinished() == 0 && e.MailPending() == 0
	})
	if !done {
		t.Errorf("2 minutes after the restart: %d events unprocessed, unfinished jobs: %s (want every job interrupted by the crash finished: JOB_RESCUE_AFTER)",
			e.Unprocessed(ids), e.JobSummary())
		t.Logf("unprocessed: %v", e.UnprocessedDetail(ids, 5))
	} else {
		t.Logf("everything finished %s after the restart", time.Since(restarted).Round(time.Second))
	}
	m := e.Mail()
	if m.Duplicates > 0 || len(m.Problems) > 0 {
		t.Errorf("mail: %d messages, %d received, %d duplicate Message-IDs, %d unknown; problems:\n%v",
			m.Messages, m.Received, m.Duplicates, m.Unknown, first(m.Problems, 10))
	}
}

// TestPostgresRestartMidLoad restarts Postgres (immediate mode: a crash) while
// events are being delivered and emails sent. Nothing is lost, nothing is
// doubled (one order per PaymentIntent, no Message-ID twice at the SMTP
// server), every CRM contact ends with its account's payment_state, and every
// delivery made after Postgres is back gets 200 (also the first one after a
// quick restart of an idle server, whose pool still holds the old connections).
func TestPostgresRestartMidLoad(t *testing.T) {
	t.Parallel()
	e := Setup(t, nil)
	e.SMTP.SetDelay(400 * time.Millisecond)
	st := Marketplace(StoryOptions{Buyers: 30, Sellers: 5, Payments: 120, RefundEvery: 5, DisputeEvery: 7, Seed: 3})
	ds := Deliveries(st.Events, 0.3, 3)
	s := e.Sender(12)
	s.Rate = float64(len(ds)) / 12 // about 12 s of deliveries
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	undelivered := make(chan []string, 1)
	go func() { undelivered <- s.Send(ctx, ds) }()

	if !Eventually(60*time.Second, func() bool { return s.Finished() >= len(ds)*4/10 }) {
		t.Fatalf("deliveries stalled before the restart: %d of %d", s.Finished(), len(ds))
	}
	Eventually(10*time.Second, func() bool { return e.SMTP.InFlight() > 0 })
	t.Logf("restarting Postgres after %d of %d deliveries, %d sends in flight", s.Finished(), len(ds), e.SMTP.InFlight())
	e.PG.Restart("immediate", 0) // quick: the pool still holds connections from before
	up := time.Now()
	if un := <-undelivered; len(un) > 0 {
		t.Fatalf("%d deliveries never acknowledged: %v", len(un), first(un, 5))
	}
	var after, bad int
	for _, a := range s.Answers() {
		if a.Start.After(up) {
			after++
			if a.Status != 200 {
				bad++
			}
		}
	}
	if bad > 0 {
		t.Errorf("deliveries started after Postgres was back: %d of %d did not get 200", bad, after)
	}

	ids := st.EventIDs()
	if !Eventually(90*time.Second, func() bool { return e.Drained(ids) }) {
		t.Errorf("not drained 90 s after the last delivery: %d events unprocessed %v, jobs %s", e.Unprocessed(ids), e.UnprocessedDetail(ids, 5), e.JobSummary())
	}
	if n := e.Missing(ids); n > 0 {
		t.Errorf("events lost: %d acknowledged events are not in the ledger", n)
	}
	if n := e.Unprocessed(ids); n > 0 {
		t.Errorf("events lost: %d acknowledged events never applied: %v", n, e.UnprocessedDetail(ids, 5))
	}
	if p := e.Ledger(st); len(p) > 0 {
		t.Errorf("ledger:\n%v", first(p, 10))
	}
	if m := e.Mail(); m.Duplicates > 0 || len(m.Problems) > 0 {
		t.Errorf("mail: %d messages, %d received, %d duplicate Message-IDs, %d unknown; problems:\n%v",
			m.Messages, m.Received, m.Duplicates, m.Unknown, first(m.Problems, 10))
	}
	if out := e.CRMOutOfDate(); len(out) > 0 {
		t.Errorf("CRM out of date for %d accounts:\n%v", len(out), first(out, 10))
	}

	// A quick restart while the server's pool holds connections it used less
	// than a second ago: the first delivery after Postgres is back gets 200.
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() { defer wg.Done(); s.Post(ctx, ds[i], 1) }()
	}
	wg.Wait()
	e.PG.Restart("fast", 0)
	probe := Marketplace(StoryOptions{Buyers: 1, Seed: 4}).Events[1] // a customer.created
	if a := s.Post(ctx, Delivery{EventID: probe.ID, Body: probe.JSON()}, 1); a.Status != 200 {
		t.Errorf("first delivery after a quick Postgres restart: got %d %s after %s, want 200",
			a.Status, a.Err, a.Latency.Round(time.Millisecond))
	}
}
