package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/internal/stripefake"
	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/jobs/stripeapi"
	"github.com/switchboardhq/switchboard/store"
)

// loadOpenAPI fetches the description from the server (no token) and
// validates it as OpenAPI.
func loadOpenAPI(t *testing.T, app *App) (*openapi3.T, routers.Router) {
	t.Helper()
	res, err := http.Get(app.Server.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/v1/openapi.json: got %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	doc, err := openapi3.NewLoader().LoadFromData(body)
	if err != nil {
		t.Fatalf("loading the description: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the description is not valid OpenAPI: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi: got %q, want 3.1.0", doc.OpenAPI)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return doc, router
}

// TestOpenAPICoversEveryRoute: every /api/v1 route of the route table is
// described with its method, and nothing else is.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	t.Parallel()
	app := New(t)
	doc, _ := loadOpenAPI(t, app)
	described := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			described[method+" "+path] = true
		}
	}
	routed := map[string]bool{}
	for _, rt := range app.Web.Routes() {
		if strings.Contains(rt.Pattern, " /api/v1/") {
			routed[rt.Pattern] = true
			if !described[rt.Pattern] {
				t.Errorf("%s is routed but not in the OpenAPI description (add it to web.apiOps)", rt.Pattern)
			}
		}
	}
	for op := range described {
		if !routed[op] {
			t.Errorf("%s is described but not routed", op)
		}
	}
}

// TestOpenAPIMatchesAnswers sends real requests and validates each answer
// (status, body shape, error shape) against the description.
func TestOpenAPIMatchesAnswers(t *testing.T) {
	t.Parallel()
	app := New(t)
	_, router := loadOpenAPI(t, app)
	token := app.Token()
	cus, pi := NewID("cus"), NewID("pi")
	app.SendAndWait(NewEvent("customer.created", Customer(cus, "ana@example.com", "Ana")))
	app.SendAndWait(NewEvent("charge.succeeded", Charge(NewID("ch"), pi, 4200, 0, "usd", cus, "", "succeeded", nil)))
	dp := NewEvent("charge.dispute.created", Dispute(NewID("dp"), NewID("ch"), "", 900, "usd", "needs_response", "fraudulent", time.Now().Add(48*time.Hour)))
	app.SendAndWait(dp)
	a, err := app.Store.AccountByStripeCustomer(context.Background(), cus)
	if err != nil {
		t.Fatal(err)
	}
	id := itoa(a.ID)

	check := func(method, path, body, tok string, want int) {
		t.Helper()
		req, _ := http.NewRequest(method, app.Server.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("%s %s: got %d, want %d: %s", method, path, res.StatusCode, want, got)
			return
		}
		vreq, _ := http.NewRequest(method, "http://switchboard.test"+path, bytes.NewReader([]byte(body)))
		if body != "" {
			vreq.Header.Set("Content-Type", "application/json")
		}
		route, params, err := router.FindRoute(vreq)
		if err != nil {
			t.Errorf("%s %s: not in the description: %v", method, path, err)
			return
		}
		in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
		if body != "" && want < 300 {
			if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
				t.Errorf("%s %s: the request does not match the description: %v", method, path, err)
			}
		}
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
			Options: &openapi3filter.Options{IncludeResponseStatus: true}}
		out.SetBodyBytes(got)
		if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
			t.Errorf("%s %s (%d): the answer does not match the description: %v", method, path, res.StatusCode, err)
		}
		if want >= 400 {
			var e struct{ Error, Code string }
			if json.Unmarshal(got, &e) != nil || e.Error == "" || e.Code == "" {
				t.Errorf("%s %s: error body %s, want {error, code}", method, path, got)
			}
		}
	}
	check("POST", "/api/v1/signups", `{"email":"new@example.com","name":"New","role":"buyer","plan_tier":"pro"}`, token, 201)
	check("POST", "/api/v1/signups", `{"email":"new@example.com","name":"New","role":"buyer"}`, token, 200)
	check("POST", "/api/v1/signups", `{"email":"no-at","name":"x","role":"buyer"}`, token, 422)
	check("GET", "/api/v1/accounts?email=ana@example.com", "", token, 200)
	check("GET", "/api/v1/accounts?stripe_customer_id="+cus, "", token, 200)
	check("GET", "/api/v1/accounts", "", token, 400)
	check("GET", "/api/v1/accounts/"+id, "", token, 200)
	check("GET", "/api/v1/accounts/987654321", "", token, 404)
	check("GET", "/api/v1/accounts/"+id, "", "", 401)
	check("GET", "/api/v1/orders?account_id="+id, "", token, 200)
	check("GET", "/api/v1/orders?payment_intent="+pi, "", token, 200)
	check("GET", "/api/v1/orders?payment_intent=pi_nothing", "", token, 200)
	check("GET", "/api/v1/orders?checkout_session=cs_nothing", "", token, 200)
	check("GET", "/api/v1/checkout-sessions/cs_nothing", "", token, 200)
	cs := NewID("cs")
	app.SendAndWait(NewEvent("checkout.session.completed", CheckoutSession(cs, NewID("pi"), 4800, "usd", cus, "", "Ana", "ORD-7")))
	check("GET", "/api/v1/checkout-sessions/"+cs, "", token, 200)
	check("GET", "/api/v1/checkout-sessions/nope", "", token, 404)
	check("GET", "/api/v1/disputes?status=needs_response", "", token, 200)
	check("GET", "/api/v1/events/"+dp.ID, "", token, 200)
	check("GET", "/api/v1/events/evt_nothing", "", token, 404)
	check("POST", "/api/v1/tickets", `{"email":"ana@example.com","subject":"Where is my order?","body":"It has been a week."}`, token, 201)
	check("GET", "/api/v1/tickets?queue=general", "", token, 200)
	check("GET", "/api/v1/tickets?queue=nope", "", token, 400)
	check("GET", "/api/v1/alerts?all=1", "", token, 200)
	check("GET", "/api/v1/openapi.json", "", "", 200)
	read, _ := scopedToken(t, app, "read-only", store.ScopeRead)
	check("POST", "/api/v1/tickets", `{"email":"ana@example.com","subject":"s","body":"b"}`, read, 403)
}

// TestCheckoutSessionStatus: the success page's question, "is this checkout
// paid yet?", answered from the ledger as Stripe's events arrive.
func TestCheckoutSessionStatus(t *testing.T) {
	t.Parallel()
	app := New(t)
	get := func(cs string) (code int, got store.CheckoutSession) {
		code = app.API("GET", "/api/v1/checkout-sessions/"+cs, nil, &got)
		return code, got
	}
	cs, pi := NewID("cs"), NewID("pi")
	if code, got := get(cs); code != 200 || got.Status != store.CheckoutPending || got.Order != nil || got.ID != cs {
		t.Fatalf("before Stripe's events: got %d %+v, want pending with no order", code, got)
	}
	app.SendAndWait(NewEvent("checkout.session.completed", CheckoutSession(cs, pi, 4800, "usd", NewID("cus"), "maya@example.com", "Maya Lind", "ORD-1001")))
	code, got := get(cs)
	if code != 200 || got.Status != store.CheckoutPaid || got.Order == nil || got.Order.Reference != "ORD-1001" || got.Order.Amount != 4800 {
		t.Fatalf("after checkout.session.completed: got %d %+v", code, got)
	}
	var os []store.Order
	if code := app.API("GET", "/api/v1/orders?checkout_session="+cs, nil, &os); code != 200 || len(os) != 1 || os[0].ID != got.Order.ID {
		t.Fatalf("orders by checkout session: got %d %+v", code, os)
	}
	expired := NewID("cs")
	app.SendAndWait(NewEvent("checkout.session.expired", CheckoutSession(expired, "", 1000, "usd", NewID("cus"), "", "", "ORD-1002")))
	if code, got := get(expired); code != 200 || got.Status != store.CheckoutExpired || got.Order != nil {
		t.Fatalf("expired unpaid: got %d %+v", code, got)
	}
	if code, _ := get("pi_notasession"); code != 404 {
		t.Fatalf("not a session ID: got %d, want 404", code)
	}
}

// TestCheckoutSessionAsksStripeFirst: the buyer reaches the success page
// before Stripe's webhook. With a Stripe key the lookup asks Stripe, applies
// what it says through the ledger and answers paid with the order; the
// webhook that follows changes nothing (one order, one confirmation email).
// A session Stripe does not know is unknown; an open one stays pending.
func TestCheckoutSessionAsksStripeFirst(t *testing.T) {
	t.Parallel()
	fake := stripefake.New(t)
	app := NewWith(t, Options{Stripe: fake})
	cs, pi, cus := NewID("cs"), NewID("pi"), NewID("cus")
	session := CheckoutSession(cs, pi, 4800, "usd", cus, "maya@example.com", "Maya Lind", "ORD-1001")
	fake.AddCheckoutSession(session)
	var got store.CheckoutSession
	if code := app.API("GET", "/api/v1/checkout-sessions/"+cs, nil, &got); code != 200 || got.Status != store.CheckoutPaid ||
		got.Order == nil || got.Order.Reference != "ORD-1001" {
		t.Fatalf("before the webhook, with a key: got %d %+v, want paid with the order", code, got)
	}
	app.SendAndWait(NewEvent("checkout.session.completed", session))
	if n := app.Count(`SELECT count(*) FROM orders WHERE stripe_checkout_session_id = $1`, cs); n != 1 {
		t.Fatalf("orders after the lookup and the webhook: got %d, want 1", n)
	}
	app.Eventually(10*time.Second, "the confirmation email is queued", func() bool {
		return app.Count(`SELECT count(*) FROM messages WHERE kind = 'order_confirmation' AND order_id = $1`, got.Order.ID) >= 1
	})
	if n := app.Count(`SELECT count(*) FROM messages WHERE kind = 'order_confirmation' AND order_id = $1`, got.Order.ID); n != 1 {
		t.Fatalf("confirmation emails: got %d, want 1", n)
	}
	if n := app.Count(`SELECT count(*) FROM stripe_events WHERE object_id = $1 AND source = 'lookup'`, cs); n != 1 {
		t.Fatalf("lookup events in the ledger: got %d, want 1", n)
	}

	if code := app.API("GET", "/api/v1/checkout-sessions/cs_stripe_never_heard_of_it", nil, &got); code != 200 || got.Status != store.CheckoutUnknown {
		t.Fatalf("a session Stripe does not know: got %d %+v, want unknown", code, got)
	}
	open := CheckoutSession(NewID("cs"), "", 1000, "usd", NewID("cus"), "", "", "ORD-1002")
	open["status"], open["payment_status"] = "open", "unpaid"
	fake.AddCheckoutSession(open)
	if code := app.API("GET", "/api/v1/checkout-sessions/"+open["id"].(string), nil, &got); code != 200 || got.Status != store.CheckoutPending {
		t.Fatalf("an open session: got %d %+v, want pending", code, got)
	}
}

// TestCheckoutLookupShapeAgainstStripeMock: the lookup's request is one
// stripe-mock (Stripe's OpenAPI spec) accepts, and its answer makes an event.
func TestCheckoutLookupShapeAgainstStripeMock(t *testing.T) {
	t.Parallel()
	mockURL := stripefake.Mock(t)
	l := &jobs.CheckoutLookup{Stripe: stripeapi.New("sk_test_123", mockURL, stripeapi.WithRetries(0))}
	body, err := l.Event(context.Background(), "cs_test_123")
	if err != nil {
		t.Fatalf("lookup against stripe-mock: %v", err)
	}
	if body != nil {
		var ev struct {
			ID, Type string
			Data     struct{ Object struct{ ID, Object string } }
		}
		if err := json.Unmarshal(body, &ev); err != nil || ev.Data.Object.Object != "checkout.session" || !strings.HasPrefix(ev.Type, "checkout.session.") {
			t.Fatalf("lookup event: got %s (%v)", body, err)
		}
	}
}
