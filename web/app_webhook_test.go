package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/jobs/crm"
	"github.com/switchboardhq/switchboard/store"
)

const appSecret = "app_secret_0123456789abcdef"

// appReceiver is the marketplace app's webhook route: it verifies each
// signature as the README tells apps to, and answers what the test scripts.
type appReceiver struct {
	*httptest.Server
	mu sync.Mutex
	// answers are the next answers to events of a type, in order; 200 once
	// there are no more.
	answers  map[string][]int
	received []appReceived
}

type appReceived struct {
	Status   int
	Verified bool
	Body     struct {
		ID      string          `json:"id"`
		Type    string          `json:"type"`
		Created int64           `json:"created"`
		Version int64           `json:"version"`
		Data    json.RawMessage `json:"data"`
	}
}

func newAppReceiver(t *testing.T, answers map[string][]int) *appReceiver {
	rcv := &appReceiver{answers: answers}
	rcv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var got appReceived
		got.Verified = crm.Verify(appSecret, r.Header.Get(crm.SignatureHeader), body, time.Now(), 5*time.Minute)
		_ = json.Unmarshal(body, &got.Body)
		rcv.mu.Lock()
		got.Status = http.StatusOK
		if a := rcv.answers[got.Body.Type]; len(a) > 0 {
			got.Status, rcv.answers[got.Body.Type] = a[0], a[1:]
		}
		rcv.received = append(rcv.received, got)
		rcv.mu.Unlock()
		w.WriteHeader(got.Status)
		_, _ = w.Write([]byte(`{"ok":` + strconv.FormatBool(got.Status < 300) + `}`))
	}))
	t.Cleanup(rcv.Close)
	return rcv
}

// of returns what was received of one type.
func (rcv *appReceiver) of(typ string) []appReceived {
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	var out []appReceived
	for _, g := range rcv.received {
		if g.Body.Type == typ {
			out = append(out, g)
		}
	}
	return out
}

// TestAppWebhookDeliversSignedEventsOnce: a paid checkout reaches the app as
// order.paid and account.payment_state_changed, signed; a 500 is retried with
// the same event ID; replaying the Stripe event sends nothing new.
func TestAppWebhookDeliversSignedEventsOnce(t *testing.T) {
	t.Parallel()
	rcv := newAppReceiver(t, map[string][]int{"order.paid": {http.StatusInternalServerError}})
	app := NewWith(t, Options{AppWebhookURL: rcv.URL, AppWebhookSecret: appSecret})
	cs, pi := NewID("cs"), NewID("pi")
	ev := NewEvent("checkout.session.completed", CheckoutSession(cs, pi, 4800, "usd", NewID("cus"), "maya@example.com", "Maya Lind", "ORD-1001"))
	app.SendAndWait(ev)
	app.Eventually(20*time.Second, "order.paid delivered after a 500", func() bool {
		got := rcv.of("order.paid")
		return len(got) == 2 && got[1].Status == http.StatusOK
	})
	paid := rcv.of("order.paid")
	if paid[0].Body.ID == "" || paid[0].Body.ID != paid[1].Body.ID || !paid[0].Verified || !paid[1].Verified {
		t.Fatalf("order.paid attempts: got %+v, want the same ID twice, signed", paid)
	}
	var order store.Order
	if err := json.Unmarshal(paid[1].Body.Data, &order); err != nil || order.Reference != "ORD-1001" || order.Status != store.OrderPaid ||
		order.Amount != 4800 || paid[1].Body.Version == 0 {
		t.Fatalf("order.paid data: got %s (%v), version %d", paid[1].Body.Data, err, paid[1].Body.Version)
	}
	app.Eventually(10*time.Second, "the buyer's payment state change delivered", func() bool {
		return len(rcv.of("account.payment_state_changed")) == 1
	})
	admin := app.SignIn(store.UserAdmin)
	p := admin.Get("/deliveries").Want(http.StatusOK)
	if n := p.Find("delivery").Length(); n != 2 {
		t.Fatalf("deliveries listed: got %d, want 2", n)
	}
	// Replaying the Stripe event changes nothing for the app.
	admin.HTMX(http.MethodPost, "/events/"+ev.ID+"/replay", nil).Want(http.StatusOK)
	time.Sleep(3 * time.Second) // past the first retry's backoff: nothing new may arrive
	if n, m := len(rcv.of("order.paid")), len(rcv.of("account.payment_state_changed")); n != 2 || m != 1 {
		t.Fatalf("after a replay: got %d order.paid and %d payment state deliveries, want 2 and 1", n, m)
	}
	if n := app.Count(`SELECT count(*) FROM app_deliveries`); n != 2 {
		t.Fatalf("deliveries after a replay: got %d, want 2", n)
	}
}

// TestAppWebhookRefusedIsSeenAndRedelivered: the app refusing an event (a
// 4xx) fails it at once, alerted and in Needs attention; once the app is
// fixed, "Redeliver" sends it again with the same ID, and the alert resolves.
func TestAppWebhookRefusedIsSeenAndRedelivered(t *testing.T) {
	t.Parallel()
	rcv := newAppReceiver(t, map[string][]int{"order.paid": {http.StatusGone}})
	app := NewWith(t, Options{AppWebhookURL: rcv.URL, AppWebhookSecret: appSecret})
	app.SendAndWait(NewEvent("checkout.session.completed", CheckoutSession(NewID("cs"), NewID("pi"), 1000, "usd", "", "", "", "ORD-9")))
	var d store.AppDelivery
	app.Eventually(10*time.Second, "the refusal recorded", func() bool {
		ds, _ := app.Store.AppDeliveries(context.Background(), store.AppDeliveryFailed, 0, 10)
		if len(ds) == 1 {
			d = ds[0]
		}
		return len(ds) == 1
	})
	if d.Type != "order.paid" || d.ResponseStatus == nil || *d.ResponseStatus != http.StatusGone || d.Attempts != 1 {
		t.Fatalf("failed delivery: got %+v", d)
	}
	admin := app.SignIn(store.UserAdmin)
	if got := admin.Get("/").Text("attention"); !strings.Contains(got, "App webhook: 1 event not delivered") {
		t.Fatalf("Needs attention: got %q", got)
	}
	subject := "app_delivery:" + strconv.FormatInt(d.ID, 10)
	if a, err := app.Store.AlertByKey(context.Background(), store.AlertAppWebhookFailed, subject); err != nil || a.Severity != store.SeverityCritical {
		t.Fatalf("alert: got %+v %v", a, err)
	}
	admin.Post("/deliveries/"+strconv.FormatInt(d.ID, 10)+"/redeliver", nil).Want(http.StatusSeeOther)
	app.Eventually(10*time.Second, "redelivered", func() bool {
		got, _ := app.Store.AppDeliveryByID(context.Background(), d.ID)
		return got.Status == store.AppDeliveryDelivered
	})
	if got := rcv.of("order.paid"); len(got) != 2 || got[0].Body.ID != got[1].Body.ID {
		t.Fatalf("order.paid attempts: got %+v, want the same ID twice", got)
	}
	admin.Get("/alerts").Want(http.StatusOK)
	if a, _ := app.Store.AlertByKey(context.Background(), store.AlertAppWebhookFailed, subject); a.ResolvedAt == nil {
		t.Fatalf("the alert after the redelivery: got %+v, want resolved", a)
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'app_delivery.redeliver'`); n != 1 {
		t.Fatalf("redeliver audit entries: got %d, want 1", n)
	}
}
