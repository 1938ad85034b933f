package main

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// TestSeedSmall seeds 1,000 accounts (twice: runs do not collide) and checks
// the counts, the shapes the pages and the worker rely on, and that the pages
// render what was seeded.
func TestSeedSmall(t *testing.T) {
	app := apptest.New(t)
	t.Setenv("DATABASE_URL", app.URL)
	args := []string{"seed", "--accounts", "1000", "--events", "10000", "--orders", "2000", "--disputes", "50"}
	for i := 0; i < 2; i++ {
		if out, err := runCmd(t, "", args...); err != nil || !strings.Contains(out, "seeded in") {
			t.Fatalf("seed run %d: %v\n%s", i+1, err, out)
		}
	}
	for q, want := range map[string]int{
		`SELECT count(*) FROM accounts`:                       2000,
		`SELECT count(*) FROM accounts WHERE role = 'seller'`: 100,
		`SELECT count(*) FROM orders`:                         4000,
		`SELECT count(*) FROM stripe_events`:                  20000,
		`SELECT count(*) FROM disputes`:                       100,
		`SELECT count(DISTINCT type) FROM stripe_events`:      18,
		`SELECT count(*) FROM disputes d WHERE NOT EXISTS (SELECT 1 FROM tickets t WHERE t.dispute_id = d.id)`: 0,
		// Payloads are Stripe events whose envelope matches the ledger's columns.
		`SELECT count(*) FROM stripe_events WHERE convert_from(payload, 'UTF8')::jsonb->>'id' <> id
			OR convert_from(payload, 'UTF8')::jsonb->>'type' <> type
			OR convert_from(payload, 'UTF8')::jsonb->>'api_version' <> api_version
			OR convert_from(payload, 'UTF8')::jsonb->'data'->'object'->>'id' IS DISTINCT FROM nullif(object_id, '')`: 0,
		// Orders and their facts agree, as the store's rule derives them.
		`SELECT count(*) FROM orders WHERE (status = 'disputed') <> (dispute = 'open')
			OR (status = 'charged_back') <> (dispute = 'lost') OR refunded_amount > amount`: 0,
		`SELECT count(*) FROM orders o JOIN disputes d ON d.order_id = o.id WHERE d.queue_state = 'open' AND o.status <> 'disputed'`: 0,
	} {
		if got := app.Count(q); got != want {
			t.Errorf("%s: got %d, want %d", q, got, want)
		}
	}
	for q, min := range map[string]int{
		`SELECT count(*) FROM disputes WHERE queue_state = 'open'`:                        2,
		`SELECT count(*) FROM stripe_events WHERE status = 'failed'`:                      1,
		`SELECT count(*) FROM stripe_events WHERE status = 'ignored'`:                     1,
		`SELECT count(*) FROM stripe_events WHERE received_at > now() - interval '1 day'`: 10,
		`SELECT count(*) FROM accounts WHERE payment_state = 'disputed'`:                  1,
		`SELECT count(*) FROM accounts WHERE crm_sync_status = 'failed'`:                  1,
		`SELECT count(*) FROM messages`:                                                   100,
	} {
		if got := app.Count(q); got < min {
			t.Errorf("%s: got %d, want at least %d", q, got, min)
		}
	}

	// The pages render the seed, and the worker can apply a seeded event.
	ctx := context.Background()
	var evt, cus string
	var acct, dispute int64
	if err := app.Pool.QueryRow(ctx, `SELECT e.id, e.customer_id, a.id FROM stripe_events e
		JOIN accounts a ON a.stripe_customer_id = e.customer_id
		WHERE e.type = 'charge.succeeded' AND e.status = 'processed' LIMIT 1`).Scan(&evt, &cus, &acct); err != nil {
		t.Fatal(err)
	}
	if err := app.Pool.QueryRow(ctx, `SELECT id FROM disputes WHERE queue_state = 'open' LIMIT 1`).Scan(&dispute); err != nil {
		t.Fatal(err)
	}
	admin := app.SignIn(store.UserAdmin)
	if p := admin.Get("/events/" + evt).Want(http.StatusOK); !strings.Contains(p.Text("payload"), `"object": "charge"`) {
		t.Fatalf("event page payload: %s", p.Text("payload"))
	}
	dry := admin.Post("/events/"+evt+"/dry-run", nil).Want(http.StatusOK)
	if dry.Find("dry-run-failure").Length() != 0 || dry.Find("dry-run-status").Length() != 1 {
		t.Fatalf("dry run of a seeded event: %s", dry.Find("replay-panel").Text())
	}
	if p := admin.Get("/customers/" + strconv.FormatInt(acct, 10)).Want(http.StatusOK); p.Find("timeline-item").Length() == 0 {
		t.Fatalf("a seeded customer has an empty timeline")
	}
	if admin.Get("/disputes").Want(http.StatusOK).Find("dispute-row").Length() == 0 {
		t.Fatalf("the seeded dispute queue is empty")
	}
	admin.Get("/disputes/" + strconv.FormatInt(dispute, 10)).Want(http.StatusOK)
	if admin.Get("/events?customer="+url.QueryEscape(cus)).Find("event-row").Length() == 0 {
		t.Fatalf("no events for a seeded customer")
	}
	admin.Get("/orders?status=refunded").Want(http.StatusOK)
	admin.Get("/").Want(http.StatusOK)
}

func TestSeedRefusals(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://nowhere.invalid/x")
	t.Setenv("APP_ENV", "production")
	if _, err := runCmd(t, "", "seed", "--accounts", "1000"); err == nil || !strings.Contains(err.Error(), "APP_ENV=production") {
		t.Fatalf("seed in production: got %v, want a refusal", err)
	}
	t.Setenv("APP_ENV", "development")
	for _, args := range [][]string{{"seed", "--accounts", "5"}, {"seed", "--orders", "10", "--disputes", "6"},
		{"seed", "--events", "-1"}, {"seed", "--bogus"}} {
		if _, err := runCmd(t, "", args...); err == nil {
			t.Errorf("%v: got no error", args)
		}
	}
}
