package web_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

func TestCheckoutGivesExactlyOneOrder(t *testing.T) {
	t.Parallel()
	app := New(t)
	cus, pi, ch := NewID("cus"), NewID("pi"), NewID("ch")
	app.SendAndWait(NewEvent("customer.created", Customer(cus, "ana@example.com", "Ana")))
	app.SendAndWait(NewEvent("checkout.session.completed", CheckoutSession(NewID("cs"), pi, 4200, "usd", cus, "ana@example.com", "Ana", "ord_17")))
	app.SendAndWait(NewEvent("payment_intent.succeeded", PaymentIntent(pi, 4200, "usd", cus, "succeeded", map[string]string{"order_id": "ord_17"})))
	app.SendAndWait(NewEvent("charge.succeeded", Charge(ch, pi, 4200, 0, "usd", cus, "ana@example.com", "succeeded", nil)))

	if n := app.Count(`SELECT count(*) FROM orders`); n != 1 {
		t.Fatalf("orders: got %d, want 1", n)
	}
	var orders []store.Order
	if code := app.API("GET", "/api/v1/orders?payment_intent="+pi, nil, &orders); code != 200 || len(orders) != 1 {
		t.Fatalf("GET orders: got %d %v", code, orders)
	}
	o := orders[0]
	if o.Status != "paid" || o.Amount != 4200 || o.Currency != "usd" || o.Reference != "ord_17" || o.BuyerAccountID == nil {
		t.Fatalf("order: got %+v", o)
	}
	var acct store.Account
	app.API("GET", "/api/v1/accounts?stripe_customer_id="+cus, nil, &acct)
	if acct.PaymentState != "active" || *acct.Email != "ana@example.com" || acct.ID != *o.BuyerAccountID {
		t.Fatalf("account: got %+v", acct)
	}
}

func TestDuplicateDeliveriesHaveOneEffect(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	ev := NewEvent("payment_intent.succeeded", PaymentIntent(NewID("pi"), 1000, "usd", "", "succeeded", nil))
	body := ev.JSON()
	sig := Sign(body, Secret, time.Now())
	for i := 0; i < 2; i++ {
		if code, resp := app.Post(body, sig); code != 200 {
			t.Fatalf("delivery %d: got %d %s, want 200", i, code, resp)
		}
	}
	// 20 copies at the same instant.
	ev2 := NewEvent("payment_intent.succeeded", PaymentIntent(NewID("pi"), 1000, "usd", "", "succeeded", nil))
	body2 := ev2.JSON()
	sig2 := Sign(body2, Secret, time.Now())
	var wg sync.WaitGroup
	codes := make([]int, 20)
	start := make(chan struct{})
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i], _ = app.Post(body2, sig2)
		}()
	}
	close(start)
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Fatalf("concurrent delivery %d: got %d, want 200", i, c)
		}
	}
	for _, id := range []string{ev.ID, ev2.ID} {
		if n := app.Count(`SELECT count(*) FROM stripe_events WHERE id = $1`, id); n != 1 {
			t.Fatalf("event rows for %s: got %d, want 1", id, n)
		}
		if n := app.Count(`SELECT count(*) FROM river_job WHERE kind = 'stripe_event' AND args->>'event_id' = $1`, id); n != 1 {
			t.Fatalf("jobs for %s: got %d, want 1", id, n)
		}
	}
	if n := app.Count(`SELECT coalesce(sum(count), 0)::int FROM webhook_counters WHERE kind = 'duplicate'`); n != 20 {
		t.Fatalf("duplicates counted: got %d, want 20", n)
	}
}

func TestConcurrentDuplicatesWithWorkersGiveOneOrder(t *testing.T) {
	t.Parallel()
	app := New(t)
	pi := NewID("pi")
	ev := NewEvent("payment_intent.succeeded", PaymentIntent(pi, 1000, "usd", "", "succeeded", nil))
	body := ev.JSON()
	sig := Sign(body, Secret, time.Now())
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); app.Post(body, sig) }()
	}
	wg.Wait()
	if got := app.WaitEvent(ev.ID); got.Status != "processed" || got.Attempts != 1 {
		t.Fatalf("event: got status %q attempts %d, want processed after 1", got.Status, got.Attempts)
	}
	if n := app.Count(`SELECT count(*) FROM orders WHERE stripe_payment_intent_id = $1`, pi); n != 1 {
		t.Fatalf("orders: got %d, want 1", n)
	}
}

func TestBadSignaturesAreRefusedAndStoreNothing(t *testing.T) {
	t.Parallel()
	app := New(t)
	ev := NewEvent("payment_intent.succeeded", PaymentIntent(NewID("pi"), 1000, "usd", "", "succeeded", nil))
	body := ev.JSON()
	cases := []struct {
		name string
		sig  string
		want string
	}{
		{"missing", "", "missing Stripe-Signature"},
		{"wrong secret", Sign(body, "whsec_someoneelse_0123456789", time.Now()), "invalid signature"},
		{"stale", Sign(body, Secret, time.Now().Add(-10*time.Minute)), "too old"},
		{"future", Sign(body, Secret, time.Now().Add(10*time.Minute)), "future"},
		{"garbage", "t=abc,v1=zzz", "no timestamp"},
	}
	for _, c := range cases {
		code, resp := app.Post(body, c.sig)
		if code != http.StatusBadRequest || !strings.Contains(resp, c.want) {
			t.Errorf("%s: got %d %s, want 400 mentioning %q", c.name, code, resp, c.want)
		}
	}
	// A body altered after signing.
	sig := Sign(body, Secret, time.Now())
	tampered := []byte(strings.Replace(string(body), `"amount":1000`, `"amount":1`, 1))
	if code, _ := app.Post(tampered, sig); code != http.StatusBadRequest {
		t.Errorf("tampered body: got %d, want 400", code)
	}
	if n := app.Count(`SELECT count(*) FROM stripe_events`); n != 0 {
		t.Fatalf("stored events: got %d, want 0", n)
	}
	if n := app.Count(`SELECT coalesce(sum(count), 0)::int FROM webhook_counters WHERE kind = 'bad_signature'`); n != len(cases)+1 {
		t.Fatalf("bad signatures counted: got %d, want %d", n, len(cases)+1)
	}
}

func TestSecretRotationAcceptsEitherSecret(t *testing.T) {
	t.Parallel()
	old := "whsec_old_secret_0123456789"
	app := NewWith(t, Options{Secrets: []string{Secret, old}})
	for _, secret := range []string{Secret, old} {
		ev := NewEvent("customer.created", Customer(NewID("cus"), "", ""))
		body := ev.JSON()
		if code, resp := app.Post(body, Sign(body, secret, time.Now())); code != 200 {
			t.Fatalf("signed with %s: got %d %s", secret[:10], code, resp)
		}
	}
}

func TestOversizedAndMalformedBodies(t *testing.T) {
	t.Parallel()
	app := New(t)
	big := []byte(`{"id":"evt_big","pad":"` + strings.Repeat("x", 1<<20) + `"}`)
	if code, _ := app.Post(big, Sign(big, Secret, time.Now())); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("1 MiB+ body: got %d, want 413", code)
	}
	for _, body := range []string{`not json`, `{"id":"cus_1","type":"x","created":1}`, `{"id":"evt_1"}`} {
		if code, _ := app.Post([]byte(body), Sign([]byte(body), Secret, time.Now())); code != http.StatusBadRequest {
			t.Fatalf("body %q: got %d, want 400", body, code)
		}
	}
	if n := app.Count(`SELECT count(*) FROM stripe_events`); n != 0 {
		t.Fatalf("stored events: got %d, want 0", n)
	}
}

func TestUnknownTypesAreAcknowledgedAndIgnored(t *testing.T) {
	t.Parallel()
	app := New(t)
	ev := NewEvent("issuing_card.created", map[string]any{"id": "ic_1", "object": "issuing.card"})
	app.Send(ev)
	var got struct {
		Status    string `json:"status"`
		LastError string `json:"last_error"`
	}
	app.API("GET", "/api/v1/events/"+ev.ID, nil, &got)
	if got.Status != "ignored" || !strings.Contains(got.LastError, "not handled") {
		t.Fatalf("unknown type: got %+v, want ignored with a reason", got)
	}
	if n := app.Count(`SELECT count(*) FROM river_job`); n != 0 {
		t.Fatalf("jobs for an ignored event: got %d, want 0", n)
	}
}

func TestOtherAPIVersionIsHeldThenReplayed(t *testing.T) {
	t.Parallel()
	app := New(t)
	pi := NewID("pi")
	ev := NewEvent("payment_intent.succeeded", PaymentIntent(pi, 500, "eur", "", "succeeded", nil))
	ev.APIVersion = "2024-06-20"
	app.Send(ev)
	var got struct {
		Status     string `json:"status"`
		APIVersion string `json:"api_version"`
	}
	app.API("GET", "/api/v1/events/"+ev.ID, nil, &got)
	if got.Status != "held" || got.APIVersion != "2024-06-20" {
		t.Fatalf("other version: got %+v, want held", got)
	}
	if n := app.Count(`SELECT count(*) FROM orders`); n != 0 {
		t.Fatalf("a held event was applied: %d orders", n)
	}
	if n := app.Count(`SELECT count(*) FROM river_job`); n != 0 {
		t.Fatalf("a held event was queued: %d jobs", n)
	}
	if _, err := app.Store.AlertByKey(t.Context(), store.AlertEventHeld, "api_version:2024-06-20"); err != nil {
		t.Fatalf("held alert: %v", err)
	}
	// Once the endpoint's version is fixed, the admin replays it: applied once.
	admin := app.SignIn(store.UserAdmin)
	r := admin.HTMX(http.MethodPost, "/events/"+ev.ID+"/replay", nil).Want(http.StatusOK)
	if got := r.Text("replay-result"); !strings.Contains(got, "processed") {
		t.Fatalf("replay of the held event: got %q, want processed", got)
	}
	app.API("GET", "/api/v1/events/"+ev.ID, nil, &got)
	if got.Status != "processed" {
		t.Fatalf("after the replay: got %+v, want processed", got)
	}
	if n := app.Count(`SELECT count(*) FROM orders WHERE stripe_payment_intent_id = $1 AND status = 'paid'`, pi); n != 1 {
		t.Fatalf("paid orders after the replay: got %d, want 1", n)
	}
}

func TestLivemodeMismatchIsIgnored(t *testing.T) {
	t.Parallel()
	dev := New(t)
	ev := NewEvent("payment_intent.succeeded", PaymentIntent(NewID("pi"), 500, "usd", "", "succeeded", nil))
	ev.Livemode = true
	dev.Send(ev)
	if e, _ := dev.Store.EventByID(t.Context(), ev.ID); e.Status != "ignored" || !strings.Contains(e.LastError, "live-mode") {
		t.Fatalf("live event in development: got %q %q", e.Status, e.LastError)
	}
	prod := NewWith(t, Options{Production: true})
	ev2 := NewEvent("payment_intent.succeeded", PaymentIntent(NewID("pi"), 500, "usd", "", "succeeded", nil))
	prod.Send(ev2)
	if e, _ := prod.Store.EventByID(t.Context(), ev2.ID); e.Status != "ignored" || !strings.Contains(e.LastError, "test-mode") {
		t.Fatalf("test event in production: got %q %q", e.Status, e.LastError)
	}
	for _, a := range []*App{dev, prod} {
		if n := a.Count(`SELECT count(*) FROM orders`); n != 0 {
			t.Fatalf("mismatched mode applied: %d orders", n)
		}
	}
}

var _ = fmt.Sprint

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	app := New(t)
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 401} {
		resp, err := http.Get(app.Server.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: got %d, want %d", path, resp.StatusCode, want)
		}
	}
	app.Send(NewEvent("customer.created", Customer(NewID("cus"), "", "")))
	req, _ := http.NewRequest("GET", app.Server.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+app.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b := new(strings.Builder)
	_, _ = io.Copy(b, resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(b.String(), `switchboard_webhooks_total{result="stored"} 1`) {
		t.Fatalf("metrics: got %d\n%.2000s", resp.StatusCode, b.String())
	}
}

func TestAPINeedsAValidToken(t *testing.T) {
	t.Parallel()
	app := New(t)
	for _, auth := range []string{"", "Bearer ", "Bearer sbt_nottherealtoken", "Basic abc"} {
		req, _ := http.NewRequest("GET", app.Server.URL+"/api/v1/disputes", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("Authorization %q: got %d, want 401", auth, resp.StatusCode)
		}
	}
	var ds []any
	if code := app.API("GET", "/api/v1/disputes", nil, &ds); code != 200 || ds == nil {
		t.Fatalf("with token: got %d %v, want 200 and an empty list", code, ds)
	}
	var e struct{ Error string }
	if code := app.API("GET", "/api/v1/accounts/999", nil, &e); code != 404 || e.Error == "" {
		t.Fatalf("missing account: got %d %q", code, e.Error)
	}
	if code := app.API("GET", "/api/v1/accounts", nil, &e); code != 400 || e.Error == "" {
		t.Fatalf("accounts without a query: got %d %q", code, e.Error)
	}
	if code := app.API("GET", "/api/v1/events/evt_nope", nil, &e); code != 404 {
		t.Fatalf("missing event: got %d", code)
	}
}

// A database failure answers 5xx so Stripe retries, stores nothing, and the
// retried delivery is then stored once.
func TestDatabaseFailureGets5xxAndTheRetryLands(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{NoWorkers: true})
	_, err := app.Pool.Exec(t.Context(), `
		CREATE FUNCTION refuse_events() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'disk full (injected)'; END $$;
		CREATE TRIGGER refuse_events BEFORE INSERT ON stripe_events FOR EACH ROW EXECUTE FUNCTION refuse_events();`)
	if err != nil {
		t.Fatal(err)
	}
	ev := NewEvent("payment_intent.succeeded", PaymentIntent(NewID("pi"), 100, "usd", "", "succeeded", nil))
	body := ev.JSON()
	code, resp := app.Post(body, Sign(body, Secret, time.Now()))
	if code < 500 || strings.Contains(resp, "disk full") {
		t.Fatalf("database failure: got %d %s, want 5xx without internals", code, resp)
	}
	if _, err := app.Pool.Exec(t.Context(), `DROP TRIGGER refuse_events ON stripe_events`); err != nil {
		t.Fatal(err)
	}
	if code, resp := app.Post(body, Sign(body, Secret, time.Now())); code != 200 {
		t.Fatalf("retry: got %d %s", code, resp)
	}
	if n := app.Count(`SELECT count(*) FROM river_job WHERE args->>'event_id' = $1`, ev.ID); n != 1 {
		t.Fatalf("jobs after the retry: got %d, want 1", n)
	}
}
