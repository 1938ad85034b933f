package web_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/jobs/mail"
	"github.com/switchboardhq/switchboard/store"
)

// An email whose send never recorded its outcome (the process died between
// the SMTP conversation and the database write) is not sent again by a retry:
// it is marked unknown and alerted, and only an admin's resend sends it.
func TestEmailWithUnknownOutcomeIsNotSentAgainUntilResent(t *testing.T) {
	t.Parallel()
	smtp := NewSMTP(t)
	app := NewWith(t, Options{SMTPURL: smtp.URL()})
	ctx := t.Context()
	acct := signup(app, "una@example.com", "buyer", "pro")
	pay(app, "una@example.com", "ord_u1", 1500)
	m := messages(app, acct.ID, 1, store.MsgSent)[0]
	app.Eventually(5*time.Second, "mail arrives", func() bool { return len(smtp.Messages()) == 1 })

	// As a crash leaves it: claimed for sending, outcome never recorded.
	if _, err := app.Pool.Exec(ctx, `UPDATE messages SET status = 'sending' WHERE id = $1`, m.ID); err != nil {
		t.Fatal(err)
	}
	w := &jobs.EmailWorker{Store: app.Store, Logger: app.Log, Dispatch: app.Dispatch, Mail: mustSMTP(t, smtp.URL())}
	job := &river.Job[jobs.EmailArgs]{JobRow: &rivertype.JobRow{Attempt: 2, MaxAttempts: 8}, Args: jobs.EmailArgs{MessageID: m.ID}}
	var cancel *river.JobCancelError
	if err := w.Work(ctx, job); !errors.As(err, &cancel) {
		t.Fatalf("retry of a send with an unknown outcome: got %v, want the job cancelled", err)
	}
	if got := mustMessage(t, app, m.ID); got.Status != store.MsgUnknown {
		t.Fatalf("message: got %s, want unknown", got.Status)
	}
	subject := fmt.Sprintf("message:%d", m.ID)
	if a, err := app.Store.AlertByKey(ctx, store.AlertEmailUnknown, subject); err != nil || a.ResolvedAt != nil {
		t.Fatalf("alert: got %+v, %v; want an open email_unknown alert", a, err)
	}
	if n := len(smtp.Messages()); n != 1 {
		t.Fatalf("mails received: got %d, want 1 (no silent resend)", n)
	}

	admin := app.SignIn(store.UserAdmin)
	page := admin.Get(fmt.Sprintf("/outbox/%d", m.ID)).Want(http.StatusOK)
	if page.Find("message-unknown").Length() != 1 || page.Find("message-resend").Length() != 1 {
		t.Fatalf("message page: want the unknown notice and the resend form")
	}
	support := app.SignIn(store.UserSupport)
	if p := support.Post(fmt.Sprintf("/outbox/%d/resend", m.ID), nil); p.Status != http.StatusForbidden && p.Status != http.StatusNotFound {
		t.Fatalf("support resending: got %d, want 403 or 404", p.Status)
	}
	admin.Post(fmt.Sprintf("/outbox/%d/resend", m.ID), url.Values{}).Want(http.StatusSeeOther)
	app.Eventually(10*time.Second, "the resend is sent", func() bool {
		got := mustMessage(t, app, m.ID)
		return got.Status == store.MsgSent && got.Resends == 1 && len(smtp.Messages()) == 2
	})
	if a, err := app.Store.AlertByKey(ctx, store.AlertEmailUnknown, subject); err != nil || a.ResolvedAt == nil {
		t.Fatalf("alert after the resend: got %+v, %v; want it resolved", a, err)
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'message.resend' AND subject = $1`, subject); n != 1 {
		t.Fatalf("audit entries: got %d, want 1", n)
	}
	// A sent message cannot be resent by mistake.
	admin.Post(fmt.Sprintf("/outbox/%d/resend", m.ID), url.Values{}).Want(http.StatusSeeOther)
	app.Idle()
	if got := mustMessage(t, app, m.ID); got.Resends != 1 || len(smtp.Messages()) != 2 {
		t.Fatalf("resend of a sent message: got %d resends and %d mails, want 1 and 2", got.Resends, len(smtp.Messages()))
	}
}

// hangingSender is an SMTP server that takes the message and never answers,
// until the worker's context ends.
type hangingSender struct{ started chan struct{} }

func (h hangingSender) Send(ctx context.Context, _ mail.Message) error {
	close(h.started)
	<-ctx.Done()
	return ctx.Err()
}

// A send cut off mid-conversation (timeout, or SIGTERM past the shutdown
// window) may have reached the customer: unknown, alerted, not retried.
func TestEmailInterruptedMidSendIsUnknown(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	ctx := t.Context()
	acct, _, err := app.Store.CreateSignup(ctx, store.Signup{Email: "ivo@example.com", Name: "Ivo", Role: store.RoleBuyer})
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := app.Store.QueueMessage(ctx, store.NewMessage{Key: "payment_failed:invoice:in_x", Kind: store.MsgPaymentFailed,
		AccountID: &acct.ID, To: "ivo@example.com", Detail: map[string]any{"invoice_id": "in_x"}})
	if err != nil {
		t.Fatal(err)
	}
	h := hangingSender{started: make(chan struct{})}
	w := &jobs.EmailWorker{Store: app.Store, Logger: app.Log, Dispatch: app.Dispatch, Mail: h}
	wctx, stop := context.WithCancel(ctx)
	go func() { <-h.started; stop() }()
	job := &river.Job[jobs.EmailArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 8}, Args: jobs.EmailArgs{MessageID: id}}
	var cancel *river.JobCancelError
	if err := w.Work(wctx, job); !errors.As(err, &cancel) {
		t.Fatalf("interrupted send: got %v, want the job cancelled", err)
	}
	if got := mustMessage(t, app, id); got.Status != store.MsgUnknown || !strings.Contains(got.LastError, "interrupted") {
		t.Fatalf("message: got %s %q, want unknown, interrupted", got.Status, got.LastError)
	}
	if _, err := app.Store.AlertByKey(ctx, store.AlertEmailUnknown, fmt.Sprintf("message:%d", id)); err != nil {
		t.Fatalf("alert: %v", err)
	}
}

// A database that cannot be read while a message is rendered (a Postgres
// restart, a lock) is a retry, never the message's end: the job must not be
// cancelled with its message left queued or marked failed for good. Found by
// the chaos run: a refund notice stayed queued with its job cancelled.
func TestEmailRenderedDuringAnOutageIsRetried(t *testing.T) {
	t.Parallel()
	smtp := NewSMTP(t)
	app := NewWith(t, Options{NoWorkers: true})
	ctx := t.Context()
	acct, _, err := app.Store.CreateSignup(ctx, store.Signup{Email: "rhea@example.com", Name: "Rhea", Role: store.RoleBuyer})
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := app.Store.QueueMessage(ctx, store.NewMessage{Key: "payment_failed:invoice:in_r", Kind: store.MsgPaymentFailed,
		AccountID: &acct.ID, To: "rhea@example.com", Detail: map[string]any{"invoice_id": "in_r"}})
	if err != nil {
		t.Fatal(err)
	}
	lock, err := app.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback(context.Background()) // a failed check must not leave the pool waiting
	if _, err := lock.Exec(ctx, `LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	w := &jobs.EmailWorker{Store: app.Store, Logger: app.Log, Dispatch: app.Dispatch, Mail: mustSMTP(t, smtp.URL())}
	job := &river.Job[jobs.EmailArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 8}, Args: jobs.EmailArgs{MessageID: id}}
	wctx, stop := context.WithTimeout(ctx, 300*time.Millisecond)
	err = w.Work(wctx, job)
	stop()
	var cancel *river.JobCancelError
	if err == nil || errors.As(err, &cancel) {
		t.Fatalf("render with the accounts table unreadable: got %v, want an error that River retries", err)
	}
	if err := lock.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mustMessage(t, app, id); got.Status != store.MsgQueued {
		t.Fatalf("message after the failed attempt: got %s %q, want queued", got.Status, got.LastError)
	}
	job.Attempt = 2
	if err := w.Work(ctx, job); err != nil {
		t.Fatalf("retry once the database answers: %v", err)
	}
	if got := mustMessage(t, app, id); got.Status != store.MsgSent || len(smtp.Messages()) != 1 {
		t.Fatalf("after the retry: got %s and %d mails, want sent and 1", got.Status, len(smtp.Messages()))
	}
}

func mustMessage(t *testing.T, app *App, id int64) store.Message {
	t.Helper()
	m, err := app.Store.MessageByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// With the ledger locked, the webhook answers 503 within its budget so that
// Stripe retries, /readyz says the instance cannot take writes, and the
// retried delivery is stored once the lock is gone.
func TestLockedLedgerAnswers503WithinTheBudget(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{WebhookDBTimeout: time.Second})
	ctx := t.Context()
	lock, err := app.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.Exec(ctx, `LOCK TABLE stripe_events IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	ev := NewEvent("customer.created", Customer(NewID("cus"), "lock@example.com", "Lock"))
	body := ev.JSON()
	start := time.Now()
	req, _ := http.NewRequest(http.MethodPost, app.Server.URL+"/webhooks/stripe", strings.NewReader(string(body)))
	req.Header.Set("Stripe-Signature", Sign(body, Secret, time.Now()))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	took := time.Since(start)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("webhook with the ledger locked: got %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if took > 3*time.Second {
		t.Fatalf("webhook with the ledger locked answered after %s, want within the 1 s budget and a margin", took)
	}
	r, err := http.Get(app.Server.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with the ledger locked: got %d, want 503", r.StatusCode)
	}
	if err := lock.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if got := app.SendAndWait(ev); got.Status != store.EventProcessed {
		t.Fatalf("the retried delivery: got %s, want processed", got.Status)
	}
	if r, err := http.Get(app.Server.URL + "/readyz"); err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("/readyz after the lock: got %v %v, want 200", r, err)
	}
}

// The first delivery after Postgres dropped every connection (a restart) is
// stored, not refused: a broken pooled connection is retried once.
func TestFirstWebhookAfterConnectionsDropIsStored(t *testing.T) {
	t.Parallel()
	app := New(t)
	ctx := t.Context()
	app.SendAndWait(NewEvent("customer.created", Customer(NewID("cus"), "warm@example.com", "Warm")))
	// Keep the pool's connections busy-recent, then kill every one of them
	// (what a Postgres restart does) from a connection outside the pool.
	for range 3 {
		app.Send(NewEvent("customer.created", Customer(NewID("cus"), NewID("w")+"@example.com", "Warm")))
	}
	killer, err := app.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn := killer.Hijack()
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		ev := NewEvent("customer.created", Customer(NewID("cus"), fmt.Sprintf("after%d@example.com", i), "After"))
		body := ev.JSON()
		if code, resp := app.Post(body, Sign(body, Secret, time.Now())); code != http.StatusOK {
			t.Fatalf("delivery %d after the connections dropped: got %d %s, want 200", i+1, code, resp)
		}
	}
}

// Many events about the same few buyers and sellers, shuffled and delivered at
// once to 8 workers, never deadlock: no attempt of any job failed.
func TestConcurrentEventsForTheSameAccountsNeverDeadlock(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{EventWorkers: 8})
	ctx := t.Context()
	buyers := []string{NewID("cus"), NewID("cus"), NewID("cus")}
	sellers := []string{NewID("acct"), NewID("acct")}
	var evs []*Event
	for i, cus := range buyers {
		evs = append(evs, NewEvent("customer.created", Customer(cus, fmt.Sprintf("b%d-%s@example.com", i, cus), "Buyer")))
		evs = append(evs, NewEvent("customer.updated", Customer(cus, fmt.Sprintf("b%d-%s@example.com", i, cus), "Buyer Renamed")))
	}
	for i, acct := range sellers {
		evs = append(evs, NewEvent("account.updated", ConnectAccount(acct, fmt.Sprintf("s%d-%s@example.com", i, acct), "Seller")))
	}
	for i := range 24 {
		cus, seller := buyers[i%len(buyers)], sellers[i%len(sellers)]
		pi, ch := NewID("pi"), NewID("ch")
		cs := CheckoutSession(NewID("cs"), pi, 1000+int64(i), "usd", cus, "", "Buyer", fmt.Sprintf("ORD-%d", i))
		cs["metadata"] = map[string]string{"order_id": fmt.Sprintf("ORD-%d", i), "seller_account": seller}
		evs = append(evs, NewEvent("checkout.session.completed", cs),
			NewEvent("payment_intent.succeeded", PaymentIntent(pi, 1000+int64(i), "usd", cus, "succeeded", nil)),
			NewEvent("charge.succeeded", Charge(ch, pi, 1000+int64(i), 0, "usd", cus, "", "succeeded", nil)))
		switch i % 4 {
		case 1:
			evs = append(evs, NewEvent("charge.refunded", Charge(ch, pi, 1000+int64(i), 300, "usd", cus, "", "succeeded", nil)))
		case 2:
			evs = append(evs, NewEvent("charge.dispute.created", Dispute(NewID("dp"), ch, pi, 1000+int64(i), "usd",
				"needs_response", "fraudulent", time.Now().Add(72*time.Hour))))
		}
	}
	rand.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for _, ev := range evs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			body := ev.JSON()
			if code, resp := app.Post(body, Sign(body, Secret, time.Now())); code != http.StatusOK {
				t.Errorf("%s: got %d %s", ev.Type, code, resp)
			}
		}()
	}
	wg.Wait()
	app.Eventually(60*time.Second, "every event applied", func() bool {
		return app.Count(`SELECT count(*) FROM stripe_events WHERE status IN ('received', 'failed')`) == 0
	})
	var failures []string
	rows, err := app.Pool.Query(ctx, `SELECT kind, e->>'error' FROM river_job, unnest(errors) e`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var kind, msg string
		if err := rows.Scan(&kind, &msg); err != nil {
			t.Fatal(err)
		}
		failures = append(failures, kind+": "+msg)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(failures) > 0 {
		t.Fatalf("%d failed job attempts (want none), first: %s", len(failures), failures[0])
	}
	if n := app.Count(`SELECT count(*) FROM orders`); n != 24 {
		t.Fatalf("orders: got %d, want 24", n)
	}
}

// A Stripe object the database refuses (an email without an @) cannot be
// applied however often it is tried: one attempt, failed, alerted, no retry.
func TestPermanentErrorIsNotRetried(t *testing.T) {
	t.Parallel()
	app := New(t)
	ev := NewEvent("customer.created", Customer(NewID("cus"), "not-an-email", "Bad Email"))
	got := app.SendAndWait(ev)
	if got.Status != store.EventFailed || got.Attempts != 1 || !strings.Contains(got.LastError, "accounts_email_shape") {
		t.Fatalf("event: got %s after %d attempts (%q), want failed after 1 with the constraint named", got.Status, got.Attempts, got.LastError)
	}
	if st := app.JobState(ev.ID); st != string(rivertype.JobStateCancelled) {
		t.Fatalf("job: got %s, want cancelled", st)
	}
	if _, err := app.Store.AlertByKey(t.Context(), store.AlertEventFailed, "event:"+ev.ID); err != nil {
		t.Fatalf("alert: %v", err)
	}
	var api struct{ Status, LastError string }
	if code := app.API("GET", "/api/v1/events/"+ev.ID, nil, &api); code != 200 || api.Status != "failed" {
		t.Fatalf("API: got %d %+v, want failed", code, api)
	}
}
