package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
)

// apiRaw calls the JSON API with the app's token and a raw body and content type.
func apiRaw(app *App, method, path, contentType, body string) (int, string) {
	app.T.Helper()
	req, _ := http.NewRequest(method, app.Server.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+app.Token())
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		app.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestNULBytesAre4xxEverywhere sends a NUL byte to every input the security
// pass found answering 500 or 503: each must be a 4xx with nothing stored.
func TestNULBytesAre4xxEverywhere(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{InboundUser: "pm", InboundPassword: "inbound-secret"})
	admin := app.SignIn("admin")
	for _, path := range []string{"/customers?q=%00", "/events?type=%00", "/events?customer=%00", "/events/%00",
		"/events/evt_%00x", "/events/bulk-replay?type=%00", "/orders?q=a%00b"} {
		if p := admin.Get(path); p.Status < 400 || p.Status >= 500 {
			t.Errorf("GET %s: got %d, want 4xx", path, p.Status)
		}
	}
	p := admin.Post("/events/bulk-replay", url.Values{"type": {"charge.succeeded\x00"}, "count": {"1"}})
	if p.Status != http.StatusBadRequest {
		t.Errorf("POST /events/bulk-replay with a NUL: got %d, want 400", p.Status)
	}
	for _, path := range []string{"/api/v1/accounts?email=a%00@example.com", "/api/v1/orders?payment_intent=pi_%00",
		"/api/v1/disputes?status=%00", "/api/v1/events/evt_%00"} {
		if code, _ := apiRaw(app, "GET", path, "", ""); code != http.StatusBadRequest {
			t.Errorf("GET %s: got %d, want 400", path, code)
		}
	}
	for path, body := range map[string]string{
		"/api/v1/tickets": `{"email":"ana@example.com","subject":"hi\u0000","body":"b"}`,
		"/api/v1/signups": `{"email":"ana@example.com","name":"A\u0000na","role":"buyer"}`,
	} {
		if code, _ := apiRaw(app, "POST", path, "application/json", body); code != http.StatusBadRequest {
			t.Errorf("POST %s with \\u0000: got %d, want 400", path, code)
		}
	}
	if p := app.Anonymous().Login("ana\x00@example.com", "whatever password"); p.Status != http.StatusBadRequest {
		t.Errorf("POST /login with a NUL: got %d, want 400", p.Status)
	}
	if n := app.Count(`SELECT count(*) FROM tickets`) + app.Count(`SELECT count(*) FROM accounts`); n != 0 {
		t.Errorf("rows stored from bad input: got %d, want 0", n)
	}

	// A signed event whose ID has a NUL is not an event Stripe sends: 400, so
	// Stripe does not retry it forever.
	ev := NewEvent("customer.created", Customer(NewID("cus"), "nul@example.com", "Nul"))
	ev.ID = "evt_\x00bad"
	body := ev.JSON()
	if code, resp := app.Post(body, Sign(body, Secret, time.Now())); code != http.StatusBadRequest {
		t.Errorf("signed event with a NUL id: got %d %s, want 400", code, resp)
	}

	// An inbound email is stored with the NUL removed (refusing it would make
	// the provider retry a message that can never be stored).
	req, _ := http.NewRequest("POST", app.Server.URL+"/webhooks/inbound-email", strings.NewReader(
		`{"From":"ana@example.com","Subject":"Refund\u0000 please","TextBody":"my order\u0000","MessageID":"m-1"}`))
	req.SetBasicAuth("pm", "inbound-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("inbound email with a NUL: got %d, want 200", resp.StatusCode)
	}
	var subject, text string
	if err := app.Pool.QueryRow(t.Context(), `SELECT subject, body FROM tickets`).Scan(&subject, &text); err != nil {
		t.Fatal(err)
	}
	if subject != "Refund please" || text != "my order" {
		t.Errorf("stored ticket: got %q / %q, want the NUL removed", subject, text)
	}
}
