package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/jobs/mail"
	"github.com/switchboardhq/switchboard/store"
)

// messages returns an account's messages once n of them are in a final state.
func messages(app *App, accountID int64, n int, final ...string) []store.Message {
	app.T.Helper()
	var ms []store.Message
	app.Eventually(15*time.Second, "messages delivered", func() bool {
		all, err := app.Store.MessagesByAccount(app.T.Context(), accountID, 50)
		if err != nil {
			return false
		}
		ms = ms[:0]
		for _, m := range all {
			for _, f := range final {
				if m.Status == f {
					ms = append(ms, m)
				}
			}
		}
		return len(ms) >= n
	})
	return ms
}

func TestConfirmationEmailIsSentOnce(t *testing.T) {
	t.Parallel()
	smtp := NewSMTP(t)
	app := NewWith(t, Options{SMTPURL: smtp.URL()})
	acct := signup(app, "ana@example.com", "buyer", "pro")
	pay(app, "ana@example.com", "ord_31", 4200)
	ms := messages(app, acct.ID, 1, store.MsgSent)
	if ms[0].Kind != store.MsgOrderConfirmation || ms[0].Subject != "Your order ord_31 is confirmed" ||
		!strings.Contains(ms[0].TextBody, "42.00 USD") || !strings.Contains(ms[0].HTMLBody, "<strong>42.00 USD</strong>") {
		t.Fatalf("message: got %+v", ms[0])
	}
	app.Eventually(5*time.Second, "mail arrives", func() bool { return len(smtp.Messages()) == 1 })
	got := smtp.Messages()[0]
	if got.To[0] != "ana@example.com" || got.Subject != "Your order ord_31 is confirmed" ||
		!strings.Contains(got.Raw, "text/plain") || !strings.Contains(got.Raw, "text/html") ||
		!strings.Contains(got.MessageID, "order_confirmation.order.") {
		t.Fatalf("received: got %+v", got)
	}
	// The job running again (a retry after a crash) sends nothing more.
	w := &jobs.EmailWorker{Store: app.Store, Logger: app.Log, Dispatch: app.Dispatch, Mail: mustSMTP(t, smtp.URL())}
	job := &river.Job[jobs.EmailArgs]{JobRow: &rivertype.JobRow{Attempt: 2, MaxAttempts: 8}, Args: jobs.EmailArgs{MessageID: ms[0].ID}}
	if err := w.Work(t.Context(), job); err != nil {
		t.Fatal(err)
	}
	// Nor does Stripe's charge event for the same, already paid, order.
	app.SendAndWait(NewEvent("charge.succeeded", Charge(NewID("ch"), *mustOrder(app, "ord_31").StripePaymentIntentID, 4200, 0, "usd", "", "ana@example.com", "succeeded", nil)))
	app.Idle()
	if n := len(smtp.Messages()); n != 1 {
		t.Fatalf("mails received: got %d, want 1", n)
	}
}

func TestRefundAndFailedPaymentMessages(t *testing.T) {
	t.Parallel()
	smtp := NewSMTP(t)
	app := NewWith(t, Options{SMTPURL: smtp.URL()})
	acct := signup(app, "bo@example.com", "buyer", "free")
	_, pi := pay(app, "bo@example.com", "ord_32", 2000)
	app.SendAndWait(NewEvent("charge.refunded", Charge(NewID("ch"), pi, 2000, 500, "usd", "", "bo@example.com", "succeeded", nil)))
	fail := PaymentIntent(NewID("pi"), 900, "usd", "", "requires_payment_method", map[string]string{"order_id": "ord_33"})
	fail["receipt_email"] = "bo@example.com"
	fail["last_payment_error"] = map[string]any{"message": "Your card was declined.", "code": "card_declined"}
	app.SendAndWait(NewEvent("payment_intent.payment_failed", fail))

	ms := messages(app, acct.ID, 3, store.MsgSent)
	byKind := map[string]store.Message{}
	for _, m := range ms {
		byKind[m.Kind] = m
	}
	if r := byKind[store.MsgRefundNotice]; !strings.Contains(r.TextBody, "We refunded 5.00 USD of your 20.00 USD payment for order ord_32") {
		t.Fatalf("refund notice: got %q", r.TextBody)
	}
	f := byKind[store.MsgPaymentFailed]
	if !strings.Contains(f.TextBody, "Next step: update your card at https://market.test/billing") ||
		!strings.Contains(f.HTMLBody, `href="https://market.test/billing"`) || f.Subject != "Your payment for order ord_33 did not go through" {
		t.Fatalf("failed payment: got %q / %q / %q", f.Subject, f.TextBody, f.HTMLBody)
	}
}

func TestFailedSendIsDegradedThenRetried(t *testing.T) {
	t.Parallel()
	smtp := NewSMTP(t)
	smtp.FailNext(1)
	app := NewWith(t, Options{SMTPURL: smtp.URL()})
	acct := signup(app, "cy@example.com", "buyer", "free")
	pay(app, "cy@example.com", "ord_34", 1000)

	ms := messages(app, acct.ID, 1, store.MsgDegraded, store.MsgSent)
	if ms[0].Status == store.MsgDegraded {
		if c, _ := app.Store.AccountCommunication(t.Context(), acct.ID); c != store.CommsDegraded {
			t.Fatalf("communication while failing: got %q, want degraded", c)
		}
		if !strings.Contains(ms[0].LastError, "451") {
			t.Fatalf("last error: got %q", ms[0].LastError)
		}
	} else {
		t.Fatalf("the first send went through despite the 451: %+v", ms[0])
	}
	o := mustOrder(app, "ord_34")
	if o.Status != store.OrderPaid {
		t.Fatalf("order while mail fails: got %q, want paid", o.Status)
	}
	messages(app, acct.ID, 1, store.MsgSent)
	if c, _ := app.Store.AccountCommunication(t.Context(), acct.ID); c != store.CommsOK {
		t.Fatalf("communication after the retry: got %q, want ok", c)
	}
	if a, err := app.Store.AlertByKey(t.Context(), store.AlertMailUnavailable, "smtp"); err != nil || a.ResolvedAt == nil {
		t.Fatalf("mail alert: got %+v, %v; want raised then resolved", a, err)
	}
}

func TestMailGoesToOutboxWithoutSMTP(t *testing.T) {
	t.Parallel()
	app := New(t)
	acct := signup(app, "dee@example.com", "buyer", "free")
	pay(app, "dee@example.com", "ord_35", 700)
	messages(app, acct.ID, 1, store.MsgOutbox)
	out, err := app.Store.Outbox(t.Context(), 10)
	if err != nil || len(out) != 1 || out[0].To != "dee@example.com" || out[0].Subject != "Your order ord_35 is confirmed" {
		t.Fatalf("outbox: got %+v, %v", out, err)
	}
}

func TestWrongSMTPPasswordStopsAndAlerts(t *testing.T) {
	t.Parallel()
	smtp := NewSMTP(t)
	url := strings.Replace(smtp.URL(), smtp.Password, "wrong-password-42", 1)
	app := NewWith(t, Options{SMTPURL: url})
	acct := signup(app, "ed@example.com", "buyer", "free")
	pay(app, "ed@example.com", "ord_36", 700)
	ms := messages(app, acct.ID, 1, store.MsgFailed)
	if strings.Contains(ms[0].LastError, "wrong-password-42") {
		t.Fatalf("the password shows in the error: %q", ms[0].LastError)
	}
	if _, err := app.Store.AlertByKey(t.Context(), store.AlertBadCredential, "smtp"); err != nil {
		t.Fatalf("bad_credential alert: %v", err)
	}
	app.Eventually(5*time.Second, "the email job is cancelled, not retried", func() bool {
		return app.Count(`SELECT count(*) FROM river_job WHERE kind = 'email' AND state = 'cancelled'`) == 1
	})
}

func mustSMTP(t *testing.T, url string) *mail.SMTP {
	t.Helper()
	m, err := mail.ParseSMTP(url, MailFrom)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustOrder(app *App, ref string) store.Order {
	app.T.Helper()
	var id int64
	if err := app.Pool.QueryRow(app.T.Context(), `SELECT id FROM orders WHERE reference = $1`, ref).Scan(&id); err != nil {
		app.T.Fatalf("order %s: %v", ref, err)
	}
	o, err := app.Store.OrderByID(app.T.Context(), id)
	if err != nil {
		app.T.Fatal(err)
	}
	return o
}
