package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/jobs/crm"
	"github.com/switchboardhq/switchboard/store"
)

const hsToken = "pat-na1-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"

// signup creates an account through the API.
func signup(app *App, email, role, tier string) store.Account {
	app.T.Helper()
	var a store.Account
	body := map[string]string{"email": email, "name": "Ana Lima", "role": role, "plan_tier": tier}
	if code := app.API("POST", "/api/v1/signups", body, &a); code != 201 && code != 200 {
		app.T.Fatalf("signup %s: got %d", email, code)
	}
	return a
}

// pay sends a customer and a succeeded payment for email, as Stripe would.
func pay(app *App, email, orderRef string, amount int64) (cus, pi string) {
	app.T.Helper()
	cus, pi = NewID("cus"), NewID("pi")
	app.SendAndWait(NewEvent("customer.created", Customer(cus, email, "Ana Lima")))
	app.SendAndWait(NewEvent("payment_intent.succeeded", PaymentIntent(pi, amount, "usd", cus, "succeeded", map[string]string{"order_id": orderRef})))
	return cus, pi
}

// waitSynced waits until an account's CRM sync status is synced with no change pending.
func waitSynced(app *App, id int64) store.Account {
	app.T.Helper()
	var a store.Account
	app.Eventually(15*time.Second, fmt.Sprintf("account %d synced to the CRM", id), func() bool {
		w, err := app.Store.CRMWorkFor(context.Background(), id)
		a = w.Account
		return err == nil && a.CRMSyncStatus == store.CRMSynced && w.DirtySince == nil
	})
	return a
}

func TestNewCustomerAppearsInCRMOnce(t *testing.T) {
	t.Parallel()
	hs := NewHubSpot(t, hsToken)
	app := NewWith(t, Options{HubSpot: hs})
	acct := signup(app, "ana@example.com", "buyer", "pro")
	if acct.CRMSync.Status != store.CRMPending {
		t.Fatalf("sync status right after signup: got %q, want pending", acct.CRMSync.Status)
	}
	pay(app, "ana@example.com", "ord_1", 4200)
	got := waitSynced(app, acct.ID)
	contacts := hs.Contacts()
	if len(contacts) != 1 {
		t.Fatalf("HubSpot contacts: got %d, want 1: %v", len(contacts), contacts)
	}
	if got.CRMContactID == nil || contacts[*got.CRMContactID] == nil {
		t.Fatalf("crm_contact_id: got %v, want one of %v", got.CRMContactID, contacts)
	}
	p := contacts[*got.CRMContactID]
	if p["email"] != "ana@example.com" || p[crm.PropPlanTier] != "pro" || p[crm.PropPaymentState] != "active" ||
		p[crm.PropAccountID] != fmt.Sprint(acct.ID) {
		t.Fatalf("contact: got %v", p)
	}
	if hs.CallCount("create") != 1 {
		t.Fatalf("creates: got %d, want 1", hs.CallCount("create"))
	}
	// The API shows the sync as the contract says.
	var shown store.Account
	app.API("GET", fmt.Sprintf("/api/v1/accounts/%d", acct.ID), nil, &shown)
	if shown.CRMSync.Status != "synced" || shown.CRMSync.LastSyncedAt == nil || shown.CRMSync.LastError != "" || shown.CRMSync.Attempts < 1 {
		t.Fatalf("crm_sync: got %+v", shown.CRMSync)
	}
	lat, err := app.Store.CRMLatencySince(t.Context(), time.Now().Add(-time.Hour))
	if err != nil || lat.Syncs < 1 || lat.Median <= 0 {
		t.Fatalf("latency: got %+v, %v", lat, err)
	}
}

func TestExistingContactIsUpdatedNotDuplicated(t *testing.T) {
	t.Parallel()
	hs := NewHubSpot(t, hsToken)
	// The founder had typed this customer into HubSpot by hand.
	existing := hs.Seed(map[string]string{"email": "bo@example.com", "firstname": "Bo"})
	app := NewWith(t, Options{HubSpot: hs})
	acct := signup(app, "bo@example.com", "buyer", "free")
	_, pi := pay(app, "bo@example.com", "ord_2", 1500)
	got := waitSynced(app, acct.ID)
	if got.CRMContactID == nil || *got.CRMContactID != existing {
		t.Fatalf("crm_contact_id: got %v, want the existing %s", got.CRMContactID, existing)
	}
	// A second change (a full refund) updates the same contact.
	app.SendAndWait(NewEvent("charge.refunded", Charge(NewID("ch"), pi, 1500, 1500, "usd", "", "bo@example.com", "succeeded", nil)))
	app.Eventually(15*time.Second, "refund reaches the CRM", func() bool {
		return hs.Contacts()[existing][crm.PropPaymentState] == "refunded"
	})
	if n := len(hs.Contacts()); n != 1 || hs.CallCount("create") != 0 {
		t.Fatalf("contacts %d, creates %d: want 1 and 0", n, hs.CallCount("create"))
	}
}

func TestFailedCRMCallRetriesAndAlerts(t *testing.T) {
	t.Parallel()
	hs := NewHubSpot(t, hsToken)
	slack := NewSlack(t)
	hs.Fail(Fault{Status: 503}) // the first call fails with HubSpot's HTML 503
	app := NewWith(t, Options{HubSpot: hs, SlackURL: slack.URL})
	acct := signup(app, "cy@example.com", "buyer", "free")

	// The failure is recorded while the job waits for its retry.
	app.Eventually(10*time.Second, "a failed attempt recorded", func() bool {
		a, _ := app.Store.AccountByID(context.Background(), acct.ID)
		return a.CRMSyncAttempts >= 1 && a.CRMLastError != ""
	})
	var alerts []store.Alert
	app.Eventually(10*time.Second, "an open alert", func() bool {
		app.API("GET", "/api/v1/alerts", nil, &alerts)
		return len(alerts) > 0
	})
	if len(alerts) != 1 || alerts[0].Kind != store.AlertCRMUnavailable || alerts[0].Subject != "hubspot" {
		t.Fatalf("alerts: got %+v, want one crm_unavailable", alerts)
	}
	app.Eventually(10*time.Second, "the alert reaches Slack", func() bool { return len(slack.Texts()) == 1 })
	if !strings.Contains(slack.Texts()[0], "crm_unavailable") {
		t.Fatalf("slack: got %q", slack.Texts()[0])
	}

	// The retry succeeds; success clears the alert and the error.
	got := waitSynced(app, acct.ID)
	if got.CRMLastError != "" || got.CRMSyncAttempts != 2 {
		t.Fatalf("after retry: last_error %q, attempts %d; want empty and 2", got.CRMLastError, got.CRMSyncAttempts)
	}
	var job struct{ Attempt int }
	if err := app.Pool.QueryRow(t.Context(), `SELECT attempt FROM river_job WHERE kind = 'crm_sync'`).Scan(&job.Attempt); err != nil || job.Attempt != 2 {
		t.Fatalf("job attempt: got %d, %v; want 2 (one retry)", job.Attempt, err)
	}
	a, err := app.Store.AlertByKey(t.Context(), store.AlertCRMUnavailable, "hubspot")
	if err != nil || a.ResolvedAt == nil {
		t.Fatalf("alert after success: got %+v, %v; want resolved", a, err)
	}
}

func TestFailedCRMCallLeavesRetryableJob(t *testing.T) {
	t.Parallel()
	hs := NewHubSpot(t, hsToken)
	hs.SetDown(&Fault{Status: 500})
	app := NewWith(t, Options{HubSpot: hs})
	acct := signup(app, "dee@example.com", "buyer", "free")
	app.Eventually(10*time.Second, "the job is retryable", func() bool {
		return app.Count(`SELECT count(*) FROM river_job WHERE kind = 'crm_sync' AND state = 'retryable'`) == 1
	})
	a, _ := app.Store.AccountByID(t.Context(), acct.ID)
	if a.CRMSyncStatus != store.CRMRetrying || !strings.Contains(a.CRMLastError, "500") {
		t.Fatalf("account: status %q, error %q; want retrying with the 500", a.CRMSyncStatus, a.CRMLastError)
	}

	// The last attempt gives up and raises a critical alert for the account.
	w := &jobs.CRMSyncWorker{Store: app.Store, Logger: app.Log, CRM: crm.NewHubSpot(hsToken, hs.URL), Dispatch: app.Dispatch}
	job := &river.Job[jobs.CRMSyncArgs]{JobRow: &rivertype.JobRow{Attempt: 10, MaxAttempts: 10}, Args: jobs.CRMSyncArgs{AccountID: acct.ID}}
	if err := w.Work(t.Context(), job); err == nil {
		t.Fatal("last attempt against a broken CRM: got nil error")
	}
	a, _ = app.Store.AccountByID(t.Context(), acct.ID)
	if a.CRMSyncStatus != store.CRMFailed {
		t.Fatalf("status after the last attempt: got %q, want failed", a.CRMSyncStatus)
	}
	if _, err := app.Store.AlertByKey(t.Context(), store.AlertCRMSyncFailed, fmt.Sprintf("account:%d", acct.ID)); err != nil {
		t.Fatalf("crm_sync_failed alert: %v", err)
	}
}

func TestRateLimitSnoozesWithoutBurningAttempts(t *testing.T) {
	t.Parallel()
	hs := NewHubSpot(t, hsToken)
	hs.Fail(Fault{Status: 429, RetryAfter: "1"}, Fault{Status: 429, RetryAfter: "1"})
	app := NewWith(t, Options{HubSpot: hs})
	start := time.Now()
	acct := signup(app, "ed@example.com", "buyer", "free")
	waitSynced(app, acct.ID)
	if d := time.Since(start); d < 2*time.Second {
		t.Fatalf("synced after %s: Retry-After (2 × 1 s) was not honoured", d)
	}
	var attempt int
	var snoozes int
	err := app.Pool.QueryRow(t.Context(), `SELECT attempt, coalesce((metadata->>'snoozes')::int, 0) FROM river_job WHERE kind = 'crm_sync'`).
		Scan(&attempt, &snoozes)
	if err != nil || attempt != 1 || snoozes != 2 {
		t.Fatalf("job: attempt %d, snoozes %d, %v; want 1 attempt and 2 snoozes", attempt, snoozes, err)
	}
	if n := app.Count(`SELECT count(*) FROM alerts`); n != 0 {
		t.Fatalf("alerts for a rate limit: got %d, want 0", n)
	}
}

func TestBadTokenStopsRetryingAndAlerts(t *testing.T) {
	t.Parallel()
	hs := NewHubSpot(t, "pat-na1-the-right-token-000000000000")
	app := NewWith(t, Options{HubSpot: &HubSpot{Server: hs.Server, Token: hsToken}})
	acct := signup(app, "fay@example.com", "buyer", "free")
	app.Eventually(10*time.Second, "the job is cancelled", func() bool {
		return app.Count(`SELECT count(*) FROM river_job WHERE kind = 'crm_sync' AND state = 'cancelled'`) == 1
	})
	a, _ := app.Store.AccountByID(t.Context(), acct.ID)
	if a.CRMSyncStatus != store.CRMFailed || !strings.Contains(a.CRMLastError, "401") {
		t.Fatalf("account: status %q, error %q", a.CRMSyncStatus, a.CRMLastError)
	}
	al, err := app.Store.AlertByKey(t.Context(), store.AlertBadCredential, "hubspot")
	if err != nil || al.Severity != store.SeverityCritical {
		t.Fatalf("bad_credential alert: got %+v, %v", al, err)
	}
	if strings.Contains(al.Message, hsToken) || strings.Contains(a.CRMLastError, hsToken) {
		t.Fatal("the token shows in an alert or the account's error")
	}
}
