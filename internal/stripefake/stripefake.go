// Package stripefake is an in-process fake of the parts of Stripe's API that
// Switchboard reads (the account, events, webhook endpoints), for tests. It is
// as strict as Stripe: bearer (or basic) auth with a key of the right shape,
// restricted keys with their own permissions, a test key that sees only
// test-mode objects, Stripe's error JSON, unknown parameters refused, list
// objects with cursors, and the Events API's 30-day window and Stripe-Account
// scoping. Tests script failures: 429 with Retry-After, 500, 503, slow answers.
package stripefake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// APIVersion is the version the fake answers in when a request names none.
const APIVersion = "2023-10-16"

// Resources a restricted key can be given read access to.
const (
	ReadAccount          = "account"
	ReadEvents           = "events"
	ReadWebhookEndpoints = "webhook_endpoints"
	// ReadCheckoutSessions lets a restricted key retrieve Checkout sessions.
	ReadCheckoutSessions = "checkout_sessions"
	// WriteRefunds lets a restricted key create refunds.
	WriteRefunds = "refunds"
	// WriteDisputes lets a restricted key update disputes (submit evidence).
	WriteDisputes = "disputes"
)

// Stripe is the fake. Its URL is the STRIPE_API_BASE to give a client.
type Stripe struct {
	*httptest.Server
	// Key is the secret key (sk_test_…) New created; AddKey adds others.
	Key string
	// AccountID is the platform account the keys belong to.
	AccountID string

	mu        sync.Mutex
	now       func() time.Time
	keys      map[string]map[string]bool // key → resources (nil: all)
	events    []event
	endpoints []endpoint
	connected map[string]bool
	faults    []Fault
	requests  []Request
	seq       int
	charges   map[string]*charge
	refunds   []map[string]any
	idem      map[string]idemResult
	refundErr []string
	disputes  map[string]*dispute
	// sessions are the Checkout sessions retrievable (AddCheckoutSession).
	sessions map[string]map[string]any
	// disputeErr are scripted refusals of dispute updates (DisputeError).
	disputeErr []string
	// disputeSubs are the dispute updates accepted.
	disputeSubs []DisputeSubmission
}

// Fault is one scripted answer: Status 429 (with Retry-After and
// Stripe-Should-Retry: true), 500 or 503, after Delay. A Fault with only a
// Delay is a slow but normal answer.
type Fault struct {
	Status int
	// RetryAfter is the 429's Retry-After in seconds ("1" when empty).
	RetryAfter string
	Delay      time.Duration
}

// Request is one request the fake answered, for assertions.
type Request struct {
	Method, Path string
	Query        url.Values
	// Account is the Stripe-Account header (a connected account), if any.
	Account string
	Status  int
	// Form is a POST's form body; IdempotencyKey its Idempotency-Key header.
	Form           url.Values
	IdempotencyKey string
}

// New starts a fake that accepts a fresh test-mode secret key (s.Key).
func New(t testing.TB) *Stripe {
	s := &Stripe{
		Key: "sk_test_" + randHex(12), AccountID: "acct_" + randHex(8), now: time.Now,
		keys: map[string]map[string]bool{}, connected: map[string]bool{},
		charges: map[string]*charge{}, idem: map[string]idemResult{}, disputes: map[string]*dispute{},
		sessions: map[string]map[string]any{},
	}
	s.keys[s.Key] = nil
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// AddKey makes key valid. A restricted key (rk_test_…, rk_live_…) reads only
// the resources given (ReadEvents…); a secret key (sk_…) reads everything.
// Keys with _live_ see live-mode objects only, the others test-mode ones.
func (s *Stripe) AddKey(key string, resources ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if strings.HasPrefix(key, "sk_") {
		s.keys[key] = nil
		return
	}
	allowed := map[string]bool{}
	for _, r := range resources {
		allowed[r] = true
	}
	s.keys[key] = allowed
}

// SetNow sets the fake's clock (the Events API's 30-day window hangs on it).
func (s *Stripe) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// Fail scripts the next requests' answers, one fault each, in order.
func (s *Stripe) Fail(fs ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fs...)
}

// FailNext makes the next n requests answer f.
func (s *Stripe) FailNext(n int, f Fault) {
	for range n {
		s.Fail(f)
	}
}

// Requests returns the requests answered so far.
func (s *Stripe) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ConnectAccount makes a connected account known (events that name an
// account make it known too), so Stripe-Account: id is accepted.
func (s *Stripe) ConnectAccount(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.connected[id] = true
}

var versionRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(\.\w+)?$`)

// apiError is Stripe's error body.
type apiError struct {
	status  int
	Type    string `json:"type"`
	Code    string `json:"code,omitempty"`
	Param   string `json:"param,omitempty"`
	Message string `json:"message"`
}

func invalid(status int, code, param, format string, args ...any) *apiError {
	return &apiError{status: status, Type: "invalid_request_error", Code: code, Param: param, Message: fmt.Sprintf(format, args...)}
}

func (s *Stripe) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Request-Id", "req_"+randHex(7))
	version := r.Header.Get("Stripe-Version")
	if version == "" {
		version = APIVersion
	}
	w.Header().Set("Stripe-Version", version)
	s.mu.Lock()
	var fault *Fault
	if len(s.faults) > 0 {
		f := s.faults[0]
		s.faults = s.faults[1:]
		fault = &f
	}
	s.mu.Unlock()
	if fault != nil && fault.Delay > 0 {
		select {
		case <-time.After(fault.Delay):
		case <-r.Context().Done():
			s.record(r, 0)
			return
		}
	}
	status, body := s.answer(w, r, fault, version)
	s.record(r, status)
	if status == http.StatusTooManyRequests {
		ra := fault.RetryAfter
		if ra == "" {
			ra = "1"
		}
		w.Header().Set("Retry-After", ra)
		w.Header().Set("Stripe-Should-Retry", "true")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func (s *Stripe) record(r *http.Request, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Account: r.Header.Get("Stripe-Account"), Status: status,
		Form: r.PostForm, IdempotencyKey: r.Header.Get("Idempotency-Key")})
}

// answer picks the status and body of one request.
func (s *Stripe) answer(w http.ResponseWriter, r *http.Request, fault *Fault, version string) (int, any) {
	fail := func(e *apiError) (int, any) { return e.status, map[string]any{"error": e} }
	if fault != nil && fault.Status != 0 {
		return s.faultAnswer(fault)
	}
	if !versionRE.MatchString(version) {
		return fail(invalid(400, "", "", "Invalid Stripe API version: %s", version))
	}
	key, allowed, e := s.authenticate(r)
	if e != nil {
		return fail(e)
	}
	if r.Method == http.MethodPost {
		return s.post(w, r, key, allowed)
	}
	resource, id, ok := route(r)
	if !ok {
		return fail(invalid(404, "", "", "Unrecognized request URL (%s: %s). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.", r.Method, r.URL.Path))
	}
	if allowed != nil && !allowed[resource] {
		return fail(&apiError{status: 403, Type: "invalid_request_error",
			Message: fmt.Sprintf("The provided key '%s' does not have the required permissions for this endpoint on account '%s'. Having the 'rak_%s_read' permission would allow this request to continue.", maskKey(key), s.AccountID, strings.TrimSuffix(resource, "s"))})
	}
	account := r.Header.Get("Stripe-Account")
	s.mu.Lock()
	known := account == "" || s.connected[account]
	s.mu.Unlock()
	if !known {
		return fail(&apiError{status: 403, Type: "invalid_request_error", Code: "account_invalid",
			Message: fmt.Sprintf("The provided key '%s' does not have access to account '%s' (or that account does not exist). Application access may have been revoked.", maskKey(key), account)})
	}
	if e := checkParams(resource, id, r.URL.Query()); e != nil {
		return fail(e)
	}
	live := strings.Contains(key, "_live_")
	var out any
	switch resource {
	case ReadAccount:
		out = s.account(account, live)
	case ReadEvents:
		out, e = s.listEvents(r.URL.Query(), id, account, live)
	case ReadWebhookEndpoints:
		out, e = s.listEndpoints(r.URL.Query(), id, live)
	case ReadCheckoutSessions:
		out, e = s.checkoutSession(id)
	}
	if e != nil {
		return fail(e)
	}
	return http.StatusOK, out
}

func (s *Stripe) faultAnswer(f *Fault) (int, any) {
	w := map[string]any{}
	switch f.Status {
	case http.StatusTooManyRequests:
		w["error"] = invalid(429, "rate_limit", "", "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.")
	default:
		w["error"] = &apiError{Type: "api_error", Message: "An unknown error occurred"}
	}
	return f.Status, w
}

// authenticate reads the key from "Authorization: Bearer" (or basic auth,
// the key as the user name, as curl -u sends it).
func (s *Stripe) authenticate(r *http.Request) (string, map[string]bool, *apiError) {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		key, _, ok = r.BasicAuth()
	}
	if !ok || key == "" {
		return "", nil, invalid(401, "", "", "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.")
	}
	s.mu.Lock()
	allowed, known := s.keys[key]
	s.mu.Unlock()
	if !known {
		return "", nil, invalid(401, "", "", "Invalid API Key provided: %s", maskKey(key))
	}
	return key, allowed, nil
}

// route maps a request to a resource and an optional object ID.
func route(r *http.Request) (resource, id string, ok bool) {
	if r.Method != http.MethodGet {
		return "", "", false
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1/"), "/")
	if len(parts) == 3 && parts[0] == "checkout" && parts[1] == "sessions" && parts[2] != "" {
		return ReadCheckoutSessions, parts[2], true
	}
	if !strings.HasPrefix(r.URL.Path, "/v1/") || len(parts) > 2 || len(parts) == 2 && parts[1] == "" {
		return "", "", false
	}
	if len(parts) == 2 {
		id = parts[1]
	}
	switch parts[0] {
	case "account":
		return ReadAccount, "", id == ""
	case "events":
		return ReadEvents, id, true
	case "webhook_endpoints":
		return ReadWebhookEndpoints, id, true
	}
	return "", "", false
}

// params lists the query parameters each list accepts (array and range
// parameters by their base name).
var params = map[string][]string{
	ReadAccount:          {"expand"},
	ReadEvents:           {"limit", "starting_after", "ending_before", "created", "type", "types", "delivery_success", "expand"},
	ReadWebhookEndpoints: {"limit", "starting_after", "ending_before", "expand"},
	ReadCheckoutSessions: {"expand"},
}

func checkParams(resource, id string, q url.Values) *apiError {
	for k := range q {
		base, _, _ := strings.Cut(k, "[")
		okParam := false
		for _, p := range params[resource] {
			if base == p && (id == "" || p == "expand") {
				okParam = true
			}
		}
		if !okParam {
			return invalid(400, "parameter_unknown", k, "Received unknown parameter: %s", k)
		}
	}
	return nil
}

func (s *Stripe) account(connected string, live bool) map[string]any {
	id, typ := s.AccountID, "standard"
	if connected != "" {
		id, typ = connected, "express"
	}
	return map[string]any{
		"id": id, "object": "account", "type": typ, "country": "US", "default_currency": "usd",
		"email": "owner@market.test", "charges_enabled": true, "payouts_enabled": true, "details_submitted": true,
		"business_profile": map[string]any{"name": "Fake Marketplace", "url": nil, "support_email": nil},
		"settings":         map[string]any{"dashboard": map[string]any{"display_name": "Fake Marketplace", "timezone": "Etc/UTC"}},
		"metadata":         map[string]any{}, "created": s.now().Add(-365 * 24 * time.Hour).Unix(),
	}
}

func maskKey(k string) string {
	i := strings.LastIndex(k, "_")
	if i < 0 || len(k) < i+5 {
		return "****"
	}
	return k[:i+1] + "*********" + k[len(k)-4:]
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
