package stripefake_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/switchboardhq/switchboard/internal/fixture"
	"github.com/switchboardhq/switchboard/internal/stripefake"
	"github.com/switchboardhq/switchboard/jobs/stripeapi"
)

// addEvents stores n events of typ, one a minute apart, the newest created
// at newest; it returns their IDs newest first.
func addEvents(t *testing.T, f *stripefake.Stripe, n int, typ, account string, newest time.Time) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		ev := fixture.NewEvent(typ, fixture.Customer(fixture.NewID("cus"), "a@example.com", "A")).At(newest.Add(-time.Duration(i) * time.Minute))
		ev.Account = account
		f.AddEvent(t, ev.JSON())
		ids = append(ids, ev.ID)
	}
	return ids
}

func listIDs(t *testing.T, sc *client.API, p *stripe.EventListParams) []string {
	t.Helper()
	var ids []string
	it := sc.Events.List(p)
	for it.Next() {
		e := it.Event()
		if e.ID == "" || e.Type == "" || e.Created == 0 || e.APIVersion != stripefake.APIVersion || len(e.Data.Raw) == 0 {
			t.Fatalf("stripe-go parsed an incomplete event: %+v", e)
		}
		ids = append(ids, e.ID)
	}
	if err := it.Err(); err != nil {
		t.Fatalf("listing events: %v", err)
	}
	return ids
}

func TestEventsNewestFirstPagedThirtyDays(t *testing.T) {
	t.Parallel()
	f := stripefake.New(t)
	now := time.Now()
	want := addEvents(t, f, 25, "customer.created", "", now)
	old := fixture.NewEvent("customer.created", fixture.Customer("cus_old", "", "")).At(now.Add(-31 * 24 * time.Hour))
	f.AddEvent(t, old.JSON())
	sc := stripeapi.New(f.Key, f.URL)

	p := &stripe.EventListParams{}
	p.Limit = stripe.Int64(10)
	if got := listIDs(t, sc, p); !slices.Equal(got, want) {
		t.Fatalf("events: got %d %v, want the 25 newest first", len(got), got)
	}
	var pages []string
	for _, r := range f.Requests() {
		pages = append(pages, r.Query.Get("starting_after"))
	}
	if wantPages := []string{"", want[9], want[19]}; !slices.Equal(pages, wantPages) {
		t.Fatalf("pages: got starting_after %q, want %q", pages, wantPages)
	}
	if _, err := sc.Events.Get(old.ID, nil); stripeStatus(err) != 404 {
		t.Fatalf("an event older than 30 days: got %v, want 404", err)
	}
	if e, err := sc.Events.Get(want[3], nil); err != nil || e.ID != want[3] {
		t.Fatalf("get: %v %v", e, err)
	}

	// Backwards from the oldest: stripe-go walks ending_before pages and
	// hands back the items oldest first.
	p = &stripe.EventListParams{}
	p.Limit, p.EndingBefore = stripe.Int64(7), stripe.String(want[24])
	got := listIDs(t, sc, p)
	rev := slices.Clone(want[:24])
	slices.Reverse(rev)
	if !slices.Equal(got, rev) {
		t.Fatalf("ending_before walk: got %v, want %v", got, rev)
	}
}

func TestEventsFilters(t *testing.T) {
	t.Parallel()
	f := stripefake.New(t)
	now := time.Now().Truncate(time.Second)
	customers := addEvents(t, f, 5, "customer.created", "", now)
	charges := addEvents(t, f, 4, "charge.succeeded", "", now.Add(-30*time.Second))
	refunds := addEvents(t, f, 2, "charge.refunded", "", now.Add(-10*time.Second))
	sc := stripeapi.New(f.Key, f.URL)

	p := &stripe.EventListParams{Type: stripe.String("charge.*")}
	if got := listIDs(t, sc, p); len(got) != 6 || !slices.Contains(got, charges[0]) || !slices.Contains(got, refunds[1]) {
		t.Fatalf("type charge.*: got %v", got)
	}
	p = &stripe.EventListParams{Types: stripe.StringSlice([]string{"customer.created", "charge.refunded"})}
	if got := listIDs(t, sc, p); len(got) != 7 {
		t.Fatalf("types: got %d, want 7", len(got))
	}
	// The newest two customer events are at now and now-1m.
	p = &stripe.EventListParams{CreatedRange: &stripe.RangeQueryParams{GreaterThanOrEqual: now.Add(-time.Minute).Unix()}, Type: stripe.String("customer.created")}
	if got := listIDs(t, sc, p); !slices.Equal(got, customers[:2]) {
		t.Fatalf("created[gte]: got %v, want %v", got, customers[:2])
	}
	// customers at 0..-4 min, charges at -30s..-3m30s, refunds at -10s and
	// -1m10s: strictly between -10m and -3m are customers[4] and charges[3].
	p = &stripe.EventListParams{CreatedRange: &stripe.RangeQueryParams{LesserThan: now.Add(-3 * time.Minute).Unix(), GreaterThan: now.Add(-10 * time.Minute).Unix()}}
	if got := listIDs(t, sc, p); !slices.Equal(got, []string{charges[3], customers[4]}) {
		t.Fatalf("created[gt]/[lt]: got %v, want %v", got, []string{charges[3], customers[4]})
	}
	// Filters page by the filtered list: 6 charge events, 4 a page.
	p = &stripe.EventListParams{Type: stripe.String("charge.*")}
	p.Limit = stripe.Int64(4)
	if got := listIDs(t, sc, p); len(got) != 6 {
		t.Fatalf("paged filter: got %d, want 6", len(got))
	}

	// What Stripe refuses, the fake refuses.
	for _, q := range []string{"limit=0", "limit=101", "type=a&types[]=b", "colour=red", "starting_after=evt_nope", "starting_after=" + customers[0] + "&ending_before=" + customers[1]} {
		if st := rawGet(t, f, f.Key, "/v1/events?"+q, ""); st != 400 {
			t.Errorf("%s: got %d, want 400", q, st)
		}
	}
	if st := rawGet(t, f, f.Key, "/v1/events?types[]=charge.refunded&limit=100", ""); st != 200 {
		t.Errorf("types[] form: got %d", st)
	}
}

func TestEventsStripeAccountScopesToAConnectedAccount(t *testing.T) {
	t.Parallel()
	f := stripefake.New(t)
	now := time.Now()
	platform := addEvents(t, f, 3, "customer.created", "", now)
	seller := addEvents(t, f, 2, "payout.paid", "acct_seller1", now)
	sc := stripeapi.New(f.Key, f.URL)
	if got := listIDs(t, sc, &stripe.EventListParams{}); !slices.Equal(got, platform) {
		t.Fatalf("platform events: got %v, want %v", got, platform)
	}
	p := &stripe.EventListParams{}
	p.SetStripeAccount("acct_seller1")
	if got := listIDs(t, sc, p); !slices.Equal(got, seller) {
		t.Fatalf("connected account's events: got %v, want %v", got, seller)
	}
	if r := f.Requests(); r[len(r)-1].Account != "acct_seller1" {
		t.Fatalf("Stripe-Account header not recorded: %+v", r[len(r)-1])
	}
	p = &stripe.EventListParams{}
	p.SetStripeAccount("acct_unknown")
	it := sc.Events.List(p)
	if it.Next() || stripeStatus(it.Err()) != 403 {
		t.Fatalf("unknown connected account: got %v, want 403", it.Err())
	}
}

func TestAuthAndRestrictedKeys(t *testing.T) {
	t.Parallel()
	f := stripefake.New(t)
	addEvents(t, f, 1, "customer.created", "", time.Now())
	f.AddWebhookEndpoint(stripefake.WebhookEndpoint{URL: "https://x.test/webhooks/stripe", APIVersion: "2023-10-16", EnabledEvents: []string{"*"}})

	_, err := stripeapi.New("sk_test_wrong", f.URL).Accounts.Get()
	var se *stripe.Error
	if !errors.As(err, &se) || se.HTTPStatusCode != 401 || se.Type != stripe.ErrorTypeInvalidRequest || !strings.Contains(se.Msg, "Invalid API Key provided: sk_test_*********") {
		t.Fatalf("wrong key: got %#v", err)
	}
	if st := rawGet(t, f, "", "/v1/account", ""); st != 401 {
		t.Fatalf("no key: got %d", st)
	}

	rk := "rk_test_" + strings.Repeat("r", 24)
	f.AddKey(rk, stripefake.ReadEvents)
	sc := stripeapi.New(rk, f.URL)
	if got := listIDs(t, sc, &stripe.EventListParams{}); len(got) != 1 {
		t.Fatalf("restricted key with events: got %d events", len(got))
	}
	it := sc.WebhookEndpoints.List(&stripe.WebhookEndpointListParams{})
	if it.Next() || stripeStatus(it.Err()) != 403 {
		t.Fatalf("restricted key without webhook endpoints: got %v, want 403", it.Err())
	}

	// A live key sees live objects only.
	live := "sk_live_" + strings.Repeat("l", 24)
	f.AddKey(live)
	if got := listIDs(t, stripeapi.New(live, f.URL), &stripe.EventListParams{}); len(got) != 0 {
		t.Fatalf("live key saw %d test-mode events", len(got))
	}
	if st := rawGet(t, f, f.Key, "/v1/charges", ""); st != 404 {
		t.Fatalf("unknown path: got %d", st)
	}
}

func TestWebhookEndpointsAndAccount(t *testing.T) {
	t.Parallel()
	f := stripefake.New(t)
	for i := 0; i < 12; i++ {
		f.AddWebhookEndpoint(stripefake.WebhookEndpoint{URL: "https://x.test/hook", EnabledEvents: []string{"charge.succeeded"}})
	}
	last := f.AddWebhookEndpoint(stripefake.WebhookEndpoint{URL: "https://x.test/webhooks/stripe", APIVersion: "2023-10-16", EnabledEvents: []string{"charge.succeeded", "payout.paid"}, Disabled: true})
	sc := stripeapi.New(f.Key, f.URL)
	p := &stripe.WebhookEndpointListParams{}
	p.Limit = stripe.Int64(5)
	it := sc.WebhookEndpoints.List(p)
	var got []*stripe.WebhookEndpoint
	for it.Next() {
		got = append(got, it.WebhookEndpoint())
	}
	if it.Err() != nil || len(got) != 13 || len(f.Requests()) != 3 {
		t.Fatalf("endpoints: %v, got %d in %d requests", it.Err(), len(got), len(f.Requests()))
	}
	ep := got[0]
	if ep.ID != last || ep.Status != "disabled" || ep.APIVersion != "2023-10-16" || !slices.Equal(ep.EnabledEvents, []string{"charge.succeeded", "payout.paid"}) {
		t.Fatalf("newest endpoint: got %+v", ep)
	}
	if got[1].APIVersion != "" {
		t.Fatalf("an unpinned endpoint's version: got %q, want empty (null)", got[1].APIVersion)
	}
	a, err := sc.Accounts.Get()
	if err != nil || a.ID != f.AccountID || a.BusinessProfile == nil || a.BusinessProfile.Name == "" {
		t.Fatalf("account: %+v %v", a, err)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	f := stripefake.New(t)
	addEvents(t, f, 1, "customer.created", "", time.Now())

	// 429: Retry-After and Stripe-Should-Retry, with Stripe's error body.
	f.FailNext(1, stripefake.Fault{Status: 429, RetryAfter: "2"})
	req, _ := http.NewRequest("GET", f.URL+"/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+f.Key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Error struct{ Type, Code, Message string }
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" || resp.Header.Get("Stripe-Should-Retry") != "true" || body.Error.Code != "rate_limit" {
		t.Fatalf("429: got %d %v %+v", resp.StatusCode, resp.Header, body)
	}

	// stripe-go retries a 503 and a 429 that says it should.
	f.Fail(stripefake.Fault{Status: 503})
	if got := listIDs(t, stripeapi.New(f.Key, f.URL, stripeapi.WithRetries(1)), &stripe.EventListParams{}); len(got) != 1 {
		t.Fatalf("after a 503: got %d events", len(got))
	}
	// Out of retries, the error is Stripe's.
	f.FailNext(2, stripefake.Fault{Status: 500})
	it := stripeapi.New(f.Key, f.URL, stripeapi.WithRetries(1)).Events.List(&stripe.EventListParams{})
	if it.Next() || stripeStatus(it.Err()) != 500 {
		t.Fatalf("two 500s with one retry: got %v", it.Err())
	}

	// A slow answer meets the client's timeout.
	f.Fail(stripefake.Fault{Delay: 2 * time.Second})
	sc := stripeapi.New(f.Key, f.URL, stripeapi.WithRetries(0), stripeapi.WithHTTPClient(&http.Client{Timeout: 100 * time.Millisecond}))
	start := time.Now()
	if _, err := sc.Accounts.Get(); err == nil || time.Since(start) > time.Second {
		t.Fatalf("slow answer: got %v after %s, want a timeout", err, time.Since(start))
	}
}

func rawGet(t *testing.T, f *stripefake.Stripe, key, path, account string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", f.URL+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if account != "" {
		req.Header.Set("Stripe-Account", account)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func stripeStatus(err error) int {
	var se *stripe.Error
	if errors.As(err, &se) {
		return se.HTTPStatusCode
	}
	return 0
}
