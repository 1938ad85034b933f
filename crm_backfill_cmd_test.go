package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/pgtest"
)

// TestCRMBackfillCommand: the command schedules one sync per account never
// synced, prints its progress, and a second run adds no duplicate; bad
// flags and a missing CRM are clear errors.
func TestCRMBackfillCommand(t *testing.T) {
	url := pgtest.URL(t)
	t.Setenv("DATABASE_URL", url)
	t.Setenv("CRM_PROVIDER", "none")
	if _, err := runCmd(t, "", "crm", "backfill"); err == nil || !strings.Contains(err.Error(), "CRM_PROVIDER is none") {
		t.Fatalf("without a CRM: got %v", err)
	}
	t.Setenv("CRM_PROVIDER", "webhook")
	t.Setenv("CRM_WEBHOOK_URL", "http://127.0.0.1:9/crm")
	t.Setenv("CRM_WEBHOOK_SECRET", "a-secret-of-some-length")
	if _, err := runCmd(t, "", "crm", "backfill", "--before", "last week"); err == nil || !strings.Contains(err.Error(), "--before") {
		t.Fatalf("bad --before: got %v", err)
	}
	pool := pgtest.PoolFor(t, url)
	for i := range 3 {
		if _, err := pool.Exec(context.Background(), `INSERT INTO accounts (email, role, crm_sync_status) VALUES ($1, 'buyer', 'disabled')`,
			fmt.Sprintf("old%d@example.com", i)); err != nil {
			t.Fatal(err)
		}
	}
	out, err := runCmd(t, "", "crm", "backfill")
	if err != nil || !strings.Contains(out, "3 accounts to sync") || !strings.Contains(out, "scheduled 3/3") {
		t.Fatalf("backfill: got %v\n%s", err, out)
	}
	var jobs int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'crm_sync'`).Scan(&jobs); err != nil || jobs != 3 {
		t.Fatalf("crm_sync jobs: got %d (%v), want 3", jobs, err)
	}
	// Run again before any was pushed: the same accounts, still one pending sync each.
	if out, err := runCmd(t, "", "crm", "backfill", "--before", "2020-01-01"); err != nil || !strings.Contains(out, "scheduled 3/3") {
		t.Fatalf("second backfill: got %v\n%s", err, out)
	}
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'crm_sync'`).Scan(&jobs); err != nil || jobs != 3 {
		t.Fatalf("crm_sync jobs after a second run: got %d (%v), want still 3", jobs, err)
	}
}
