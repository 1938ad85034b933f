package web_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/jobs/crm"
)

// BenchmarkPaymentToCRMAndEmail measures, with healthy HubSpot and SMTP fakes,
// the time from posting a payment webhook to (a) the CRM contact showing the
// payment and (b) the confirmation email arriving. One op is one payment from
// a new customer; payments are posted at 20 a second.
//
//	go test ./web/ -run '^$' -bench PaymentToCRMAndEmail -benchtime 300x
func BenchmarkPaymentToCRMAndEmail(b *testing.B) {
	hs := NewHubSpot(b, hsToken)
	smtp := NewSMTP(b)
	app := NewWith(b, Options{HubSpot: hs, SMTPURL: smtp.URL()})
	var mu sync.Mutex
	sent := map[string]time.Time{}
	var toCRM, toMail []time.Duration
	hs.OnWrite = func(p map[string]string) {
		mu.Lock()
		defer mu.Unlock()
		if t0, ok := sent[p["email"]]; ok && p[crm.PropPaymentState] == "active" {
			toCRM = append(toCRM, time.Since(t0))
			sent[p["email"]+"#crm"] = t0
			delete(sent, p["email"])
		}
	}
	smtp.OnMail = func(m Mail) {
		mu.Lock()
		defer mu.Unlock()
		if t0, ok := sent[m.To[0]+"#mail"]; ok {
			toMail = append(toMail, time.Since(t0))
			delete(sent, m.To[0]+"#mail")
		}
	}
	b.ResetTimer()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for i := 0; i < b.N; i++ {
		<-tick.C
		email := fmt.Sprintf("buyer%d-%s@example.com", i, NewID("x")[2:8])
		pi := PaymentIntent(NewID("pi"), 4200, "usd", "", "succeeded", map[string]string{"order_id": fmt.Sprintf("ord_%d", i)})
		pi["receipt_email"] = email
		ev := NewEvent("payment_intent.succeeded", pi)
		mu.Lock()
		now := time.Now()
		sent[email], sent[email+"#mail"] = now, now
		mu.Unlock()
		app.Send(ev)
	}
	app.Eventually(2*time.Minute, "every payment reached the CRM and the inbox", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(toCRM) == b.N && len(toMail) == b.N
	})
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	report(b, "crm", toCRM)
	report(b, "email", toMail)
	if n := len(hs.Contacts()); n != b.N {
		b.Fatalf("contacts: got %d, want %d", n, b.N)
	}
}

func report(b *testing.B, what string, ds []time.Duration) {
	slices.Sort(ds)
	med, p95 := ds[len(ds)/2], ds[min(len(ds)-1, len(ds)*95/100)]
	b.ReportMetric(float64(med.Milliseconds()), what+"-p50-ms")
	b.ReportMetric(float64(p95.Milliseconds()), what+"-p95-ms")
	b.Logf("payment webhook → %s: n=%d p50=%s p95=%s max=%s", what, len(ds), med, p95, ds[len(ds)-1])
}

// BenchmarkCRMBacklogDrain measures how long a backlog of CRM syncs takes to
// drain once the CRM answers again, and checks that it makes no duplicate
// contacts. The backlog is held on a paused CRM queue (as it builds up while
// HubSpot is down and jobs wait out Retry-After), then released. One op is
// one account; run it at 10,000:
//
//	go test ./web/ -run '^$' -bench CRMBacklogDrain -benchtime 10000x -timeout 30m
func BenchmarkCRMBacklogDrain(b *testing.B) {
	hs := NewHubSpot(b, hsToken)
	app := NewWith(b, Options{HubSpot: hs})
	ctx := context.Background()
	if err := app.River.QueuePause(ctx, jobs.QueueCRM, nil); err != nil {
		b.Fatal(err)
	}
	var ids []int64
	rows, _ := app.Pool.Query(ctx, `
		INSERT INTO accounts (email, name, plan_tier, payment_state, crm_sync_version, crm_dirty_since)
		SELECT 'backlog' || g || '@example.com', 'Backlog ' || g, 'pro', 'active', 1, now()
		FROM generate_series(1, $1) g RETURNING id`, b.N)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		b.Fatal(err)
	}
	for start := 0; start < len(ids); start += 1000 {
		params := make([]river.InsertManyParams, 0, 1000)
		for _, id := range ids[start:min(start+1000, len(ids))] {
			params = append(params, river.InsertManyParams{Args: jobs.CRMSyncArgs{AccountID: id}})
		}
		if _, err := app.River.InsertMany(ctx, params); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	if err := app.River.QueueResume(ctx, jobs.QueueCRM, nil); err != nil {
		b.Fatal(err)
	}
	app.Eventually(30*time.Minute, "the backlog drains", func() bool {
		return app.Count(`SELECT count(*) FROM accounts WHERE crm_sync_status = 'synced'`) == b.N
	})
	took := time.Since(start)
	b.StopTimer()
	contacts := hs.Contacts()
	seen := map[string]bool{}
	for _, p := range contacts {
		if seen[p[crm.PropAccountID]] {
			b.Fatalf("duplicate contact for account %s", p[crm.PropAccountID])
		}
		seen[p[crm.PropAccountID]] = true
	}
	if len(contacts) != b.N || hs.CallCount("create") != b.N {
		b.Fatalf("contacts %d, creates %d: want %d each", len(contacts), hs.CallCount("create"), b.N)
	}
	b.ReportMetric(took.Seconds(), "drain-s")
	b.ReportMetric(float64(b.N)/took.Seconds(), "syncs/s")
	b.Logf("backlog of %d CRM syncs drained in %s (%.0f/s), %d contacts, no duplicates", b.N, took, float64(b.N)/took.Seconds(), len(contacts))
}
