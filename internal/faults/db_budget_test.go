package faults

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// budget is WEBHOOK_DB_TIMEOUT in these tests. An answer may take slack more:
// on a loaded two-core machine (every test package and its Postgres clusters
// at once) the 503 itself can wait for a core that long. Without the budget
// the answers took 8 to 12 s, so the test still tells the two apart.
const budget = 2 * time.Second

// slack is how much later than the budget an answer may come.
const slack = 2 * time.Second

// lockTable holds an ACCESS EXCLUSIVE lock on table from a connection of the
// test's own until the returned function is called (or the test ends).
func lockTable(t *testing.T, e *Env, table string) (release func()) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, e.PG.URL())
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE "+pgx.Identifier{table}.Sanitize()+" IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	done := false
	release = func() {
		if !done {
			done = true
			_ = tx.Rollback(ctx)
			_ = conn.Close(ctx)
		}
	}
	t.Cleanup(release)
	return release
}

type probe struct {
	status  int
	latency time.Duration
	err     error
}

// readyz asks /readyz (waiting up to 15 s) and times the answer.
func readyz(e *Env) probe {
	start := time.Now()
	code, _, err := get(e.Srv.URL+"/readyz", 15*time.Second)
	return probe{code, time.Since(start), err}
}

// TestTableLock holds stripe_events locked (ACCESS EXCLUSIVE) for longer than
// WEBHOOK_DB_TIMEOUT=2s: the webhook answers 503 with Retry-After within the
// budget plus slack, and /readyz answers 503 as fast; once the lock is
// gone, Stripe's retry of the same delivery gets 200 and the event is applied.
func TestTableLock(t *testing.T) {
	t.Parallel()
	e := Setup(t, map[string]string{"WEBHOOK_DB_TIMEOUT": budget.String()})
	st := Marketplace(StoryOptions{Buyers: 2, Payments: 1, Seed: 5})
	ds := Deliveries(st.Events, 0, 5)
	s := e.Sender(1)
	s.Timeout = 20 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if a := s.Post(ctx, ds[0], 1); a.Status != 200 {
		t.Fatalf("delivery before the lock: got %d %s, want 200", a.Status, a.Err)
	}

	release := lockTable(t, e, "stripe_events")
	locked := time.Now()
	ready, answer := make(chan probe, 1), make(chan Answer, 1)
	go func() { ready <- readyz(e) }()
	go func() { answer <- s.Post(ctx, ds[1], 1) }()
	time.Sleep(8*time.Second - time.Since(locked)) // the lock outlives the budget by far
	release()
	a, r := <-answer, <-ready

	if a.Status != 503 || a.Latency > budget+slack {
		t.Errorf("webhook while stripe_events is locked: got %d %s after %s, want 503 within %s", a.Status, a.Err, a.Latency.Round(time.Millisecond), budget+slack)
	} else if a.RetryAfter == "" {
		t.Errorf("webhook's 503 while stripe_events is locked has no Retry-After header")
	}
	if r.status != 503 || r.latency > budget+slack {
		t.Errorf("/readyz while stripe_events is locked: got %d %v after %s, want 503 within %s", r.status, r.err, r.latency.Round(time.Millisecond), budget+slack)
	}
	if !s.Deliver(ctx, ds[1]) {
		t.Fatalf("the retried delivery was not acknowledged after the lock went")
	}
	if last := s.Answers()[len(s.Answers())-1]; last.Status != 200 {
		t.Errorf("retry after the lock: got %d, want 200", last.Status)
	}
	ids := []string{ds[0].EventID, ds[1].EventID}
	if !Eventually(30*time.Second, func() bool { return e.Unprocessed(ids) == 0 }) {
		t.Errorf("events not processed after the lock: %v", e.UnprocessedDetail(ids, 2))
	}
	if r := readyz(e); r.status != 200 {
		t.Errorf("/readyz after the lock: got %d %v, want 200", r.status, r.err)
	}
}

// TestPoolExhausted runs with DB_MAX_CONNS=2 under load while the event
// workers are stuck on a locked accounts table and hold the pool's
// connections: every webhook answer (2xx or 503) still comes within
// WEBHOOK_DB_TIMEOUT plus slack, /readyz answers 503 as fast, and once the
// lock is gone every event is delivered and applied.
func TestPoolExhausted(t *testing.T) {
	t.Parallel()
	e := Setup(t, map[string]string{"WEBHOOK_DB_TIMEOUT": budget.String(), "DB_MAX_CONNS": "2"})
	st := Marketplace(StoryOptions{Buyers: 20, Sellers: 4, Payments: 40, Seed: 6})
	ds := Deliveries(st.Events, 0.3, 6)
	s := e.Sender(24)
	s.Rate = float64(len(ds)) / 8
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	release := lockTable(t, e, "accounts")
	undelivered := make(chan []string, 1)
	go func() { undelivered <- s.Send(ctx, ds) }()
	time.Sleep(4 * time.Second)
	r := readyz(e)
	time.Sleep(6 * time.Second)
	release()
	if un := <-undelivered; len(un) > 0 {
		t.Errorf("%d deliveries never acknowledged: %v", len(un), first(un, 5))
	}

	var late, n503 int
	for _, a := range s.Answers() {
		if a.Status == 503 {
			n503++
		}
		if a.Status != 0 && a.Latency > budget+slack {
			late++
		}
	}
	if late > 0 {
		w := s.Slowest()
		t.Errorf("%d of %d answers came later than %s; slowest %d after %s", late, len(s.Answers()), budget+slack, w.Status, w.Latency.Round(time.Millisecond))
	}
	t.Logf("%d tries, %d answered 503", len(s.Answers()), n503)
	if r.status != 503 || r.latency > budget+slack {
		t.Errorf("/readyz with the pool exhausted: got %d %v after %s, want 503 within %s", r.status, r.err, r.latency.Round(time.Millisecond), budget+slack)
	}
	ids := st.EventIDs()
	if !Eventually(60*time.Second, func() bool { return e.Unprocessed(ids) == 0 }) {
		t.Errorf("%d events not processed a minute after the lock went: %v", e.Unprocessed(ids), e.UnprocessedDetail(ids, 5))
	}
}
