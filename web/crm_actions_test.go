package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// existingAccounts inserts n accounts as a marketplace run without a CRM has
// them: never synced.
func existingAccounts(t *testing.T, app *App, n int) []int64 {
	t.Helper()
	var ids []int64
	for i := range n {
		var id int64
		err := app.Pool.QueryRow(context.Background(), `INSERT INTO accounts (email, name, role, crm_sync_status)
			VALUES ($1, $2, 'buyer', 'disabled') RETURNING id`, fmt.Sprintf("%s-%d@example.com", NewID("old"), i), "Old customer").Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// TestCRMBackfillReachesExistingCustomers: turning the CRM on, an admin's
// backfill schedules a sync for every account never synced, each reaches
// HubSpot, and the page shows the progress; it is audited.
func TestCRMBackfillReachesExistingCustomers(t *testing.T) {
	t.Parallel()
	hs := NewHubSpot(t, hsToken)
	app := NewWith(t, Options{HubSpot: hs})
	ids := existingAccounts(t, app, 5)
	c := app.SignIn(store.UserAdmin)
	c.Post("/crm/backfill", url.Values{"before": {"yesterday"}}).Want(http.StatusUnprocessableEntity)
	c.Post("/crm/backfill", url.Values{}).Want(http.StatusSeeOther)
	app.Eventually(20*time.Second, "every existing account reaches HubSpot", func() bool {
		return app.Count(`SELECT count(*) FROM accounts WHERE id = ANY($1) AND crm_sync_status = 'synced'`, ids) == len(ids)
	})
	if got := len(hs.Contacts()); got != len(ids) {
		t.Fatalf("HubSpot contacts: got %d, want %d", got, len(ids))
	}
	p := c.Get("/crm/backfill").Want(http.StatusOK)
	if p.Text("crm-backfill-total") != "5" || p.Text("crm-backfill-enqueued") != "5" || p.Text("crm-backfill-remaining") != "0" {
		t.Fatalf("progress: got total %s scheduled %s remaining %s, want 5 5 0", p.Text("crm-backfill-total"),
			p.Text("crm-backfill-enqueued"), p.Text("crm-backfill-remaining"))
	}
	// The syncs were spread at jobs.CRMBackfillPerSecond, not all at once.
	var spread time.Duration
	if err := app.Pool.QueryRow(context.Background(), `SELECT max(scheduled_at) - min(scheduled_at) FROM river_job WHERE kind = 'crm_sync'`).Scan(&spread); err != nil {
		t.Fatal(err)
	}
	if spread < 1500*time.Millisecond {
		t.Fatalf("5 syncs scheduled over %s, want about 2 s at 2 a second", spread)
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'crm.backfill' AND detail->>'accounts' = '5'`); n != 1 {
		t.Fatalf("crm.backfill audit entries: got %d, want 1", n)
	}
	// Synced now: a second backfill covers nobody.
	c.Post("/crm/backfill", url.Values{}).Want(http.StatusSeeOther)
	if got := c.Get("/crm/backfill").Text("crm-backfill-total"); got != "0" {
		t.Fatalf("second backfill: got %s accounts, want 0", got)
	}
}

// TestCRMSyncNow: support and admins push one customer now; sellers may
// not; without a CRM the button is refused and nothing changes.
func TestCRMSyncNow(t *testing.T) {
	t.Parallel()
	hs := NewHubSpot(t, hsToken)
	app := NewWith(t, Options{HubSpot: hs})
	id := existingAccounts(t, app, 1)[0]
	path := "/customers/" + strconv.FormatInt(id, 10) + "/crm-sync"
	if app.SignIn(store.UserSupport).Get("/customers/"+strconv.FormatInt(id, 10)).Find("crm-sync-now").Length() != 1 {
		t.Fatal("the customer page has no Sync now button")
	}
	app.SignIn(store.UserSeller).Post(path, nil).Want(http.StatusForbidden)
	app.SignIn(store.UserSupport).Post(path, nil).Want(http.StatusSeeOther)
	app.Eventually(10*time.Second, "the customer reaches HubSpot", func() bool {
		return app.Count(`SELECT count(*) FROM accounts WHERE id = $1 AND crm_sync_status = 'synced'`, id) == 1
	})
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'crm.sync_now' AND subject = $1`, "account:"+strconv.FormatInt(id, 10)); n != 1 {
		t.Fatalf("crm.sync_now audit entries: got %d, want 1", n)
	}

	off := New(t)
	oid := existingAccounts(t, off, 1)[0]
	off.SignIn(store.UserAdmin).Post("/customers/"+strconv.FormatInt(oid, 10)+"/crm-sync", nil).Want(http.StatusConflict)
	if off.SignIn(store.UserAdmin).Get("/crm/backfill").Find("crm-off").Length() != 1 {
		t.Fatal("the backfill page does not say the CRM is off")
	}
	if n := off.Count(`SELECT count(*) FROM river_job WHERE kind = 'crm_sync'`); n != 0 {
		t.Fatalf("crm jobs without a CRM: got %d, want 0", n)
	}
}
