package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

func TestWebhookFailuresRaiseOneAlert(t *testing.T) {
	t.Parallel()
	slack := NewSlack(t)
	app := NewWith(t, Options{SlackURL: slack.URL})
	watch := &jobs.WebhookWatchWorker{Store: app.Store, Logger: app.Log, Dispatch: app.Dispatch}
	run := func() {
		t.Helper()
		if err := watch.Work(t.Context(), &river.Job[jobs.WebhookWatchArgs]{}); err != nil {
			t.Fatal(err)
		}
	}
	body := NewEvent("payment_intent.succeeded", PaymentIntent(NewID("pi"), 100, "usd", "", "succeeded", nil)).JSON()
	for i := 0; i < 4; i++ {
		if code, _ := app.Post(body, Sign(body, "whsec_an_old_rotated_secret_00000", time.Now())); code != 400 {
			t.Fatalf("bad signature: got %d, want 400", code)
		}
	}
	run()
	if n := app.Count(`SELECT count(*) FROM alerts`); n != 0 {
		t.Fatalf("alerts after 4 failures: got %d, want 0", n)
	}
	app.Post(body, Sign(body, "whsec_an_old_rotated_secret_00000", time.Now()))
	run()
	run() // the next minute's check, still over the threshold
	a, err := app.Store.AlertByKey(t.Context(), store.AlertWebhookFailures, "stripe")
	if err != nil || a.Count != 2 || !strings.Contains(a.Message, "5 bad signatures") {
		t.Fatalf("alert: got %+v, %v; want one alert counted twice", a, err)
	}
	app.Eventually(5*time.Second, "Slack hears of it", func() bool { return len(slack.Texts()) == 1 })
	app.Idle()
	if n := len(slack.Texts()); n != 1 {
		t.Fatalf("slack posts: got %d, want 1 (repeats are counted, not re-sent)", n)
	}
}

func TestHeldEventsRaiseOneAlertPerVersion(t *testing.T) {
	t.Parallel()
	app := New(t)
	for i := 0; i < 2; i++ {
		ev := NewEvent("payment_intent.succeeded", PaymentIntent(NewID("pi"), 500, "eur", "", "succeeded", nil))
		ev.APIVersion = "2024-06-20"
		app.Send(ev)
	}
	var alerts []store.Alert
	app.API("GET", "/api/v1/alerts", nil, &alerts)
	if len(alerts) != 1 || alerts[0].Kind != store.AlertEventHeld || alerts[0].Subject != "api_version:2024-06-20" || alerts[0].Count != 2 {
		t.Fatalf("alerts: got %+v", alerts)
	}
}

func TestPayoutFailureAlertsAndSlackOutageDoesNotLoop(t *testing.T) {
	t.Parallel()
	slack := NewSlack(t)
	slack.SetDown(500)
	app := NewWith(t, Options{SlackURL: slack.URL, AlertEmail: "founder@example.com"})
	acct := NewID("acct")
	ev := NewEvent("payout.failed", Payout(NewID("po"), 12000, "failed", "account_closed", "The bank account has been closed."))
	ev.Account = acct
	app.SendAndWait(ev)
	var a store.Alert
	app.Eventually(10*time.Second, "the Slack failure is recorded on the alert", func() bool {
		as, _ := app.Store.Alerts(t.Context(), true, 10)
		if len(as) == 1 {
			a = as[0]
		}
		return strings.HasPrefix(a.DeliveryError, "slack: 500")
	})
	if a.Kind != store.AlertPayoutFailed || !strings.Contains(a.Message, "120.00 USD") || !strings.Contains(a.Message, "account_closed") {
		t.Fatalf("alert: got %+v", a)
	}
	// Email still works while Slack is down (kept in the outbox: no SMTP here).
	app.Eventually(10*time.Second, "the alert email", func() bool {
		out, _ := app.Store.Outbox(t.Context(), 10)
		return len(out) == 1 && out[0].To == "founder@example.com" && strings.Contains(out[0].TextBody, "payout_failed")
	})
	// A channel that is gone for good stops being retried, and nothing
	// alerts about the alert channel.
	slack.SetDown(404)
	app.Eventually(20*time.Second, "the Slack delivery is given up", func() bool {
		return app.Count(`SELECT count(*) FROM river_job WHERE kind = 'alert_deliver' AND args->>'channel' = 'slack' AND state = 'cancelled'`) == 1
	})
	if n := app.Count(`SELECT count(*) FROM alerts`); n != 1 {
		t.Fatalf("alerts: got %d, want 1", n)
	}
}

func TestAcknowledgedAlertIsAuditedAndNotResent(t *testing.T) {
	t.Parallel()
	slack := NewSlack(t)
	app := NewWith(t, Options{SlackURL: slack.URL})
	raise := func() {
		t.Helper()
		err := app.Dispatch.RaiseNow(t.Context(), app.Store, store.NewAlert{Kind: store.AlertBadCredential, Subject: "hubspot", Message: "401 token sk_live_abcdefghijklmnop"})
		if err != nil {
			t.Fatal(err)
		}
	}
	raise()
	app.Eventually(5*time.Second, "first delivery", func() bool { return len(slack.Texts()) == 1 })
	if strings.Contains(slack.Texts()[0], "sk_live_abcdefghijklmnop") {
		t.Fatalf("slack shows a secret: %q", slack.Texts()[0])
	}
	a, _ := app.Store.AlertByKey(t.Context(), store.AlertBadCredential, "hubspot")
	if err := app.Store.AcknowledgeAlert(t.Context(), a.ID, "admin@example.com"); err != nil {
		t.Fatal(err)
	}
	raise()
	a, _ = app.Store.AlertByKey(t.Context(), store.AlertBadCredential, "hubspot")
	if a.Count != 2 || a.AcknowledgedBy != "admin@example.com" {
		t.Fatalf("alert: got %+v", a)
	}
	if audit, _ := app.Store.AuditFor(t.Context(), fmt.Sprintf("alert:%d", a.ID), 10); len(audit) != 1 || audit[0].Action != "alert.acknowledge" {
		t.Fatalf("audit: got %+v", audit)
	}
	// Resolved, then back: a new problem, sent again.
	if err := app.Store.ResolveAlert(t.Context(), store.AlertBadCredential, "hubspot", store.AlertResolver, "test"); err != nil {
		t.Fatal(err)
	}
	raise()
	app.Eventually(5*time.Second, "delivery after it came back", func() bool { return len(slack.Texts()) == 2 })
}
