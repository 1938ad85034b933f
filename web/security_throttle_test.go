package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/web"
)

// loopbackProxy trusts the test server's peer (127.0.0.1) as a load balancer.
var loopbackProxy = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}

// postWebhookFrom posts to the webhook as the load balancer forwarding a client.
func postWebhookFrom(t *testing.T, base, client string, body []byte, sig string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/webhooks/stripe", strings.NewReader(string(body)))
	req.Header.Set("X-Forwarded-For", "10.9.9.9, "+client) // the left entry is the client's own claim
	if sig != "" {
		req.Header.Set("Stripe-Signature", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestWebhookBadSignatureLimit: every bad signature counts (none slip through
// past the limit), the address then gets 429, a correctly signed delivery from
// the same address is still stored, and another address is not affected.
func TestWebhookBadSignatureLimit(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{BadSignatureLimit: 5, TrustedProxies: loopbackProxy})
	ev := NewEvent("customer.created", Customer(NewID("cus"), "ok@example.com", "Ok"))
	body := ev.JSON()
	var got []int
	for range 9 {
		got = append(got, postWebhookFrom(t, app.Server.URL, "203.0.113.7", body, "t=1,v1=bad"))
	}
	for i, code := range got {
		want := http.StatusBadRequest
		if i >= 5 {
			want = http.StatusTooManyRequests
		}
		if code != want {
			t.Fatalf("bad signature %d: got %v, want 5 × 400 then 429", i+1, got)
		}
	}
	if code := postWebhookFrom(t, app.Server.URL, "203.0.113.7", body, Sign(body, Secret, time.Now())); code != http.StatusOK {
		t.Fatalf("correctly signed delivery from a throttled address: got %d, want 200", code)
	}
	if code := postWebhookFrom(t, app.Server.URL, "198.51.100.2", body, "t=1,v1=bad"); code != http.StatusBadRequest {
		t.Fatalf("bad signature from another address: got %d, want 400", code)
	}
	app.WaitEvent(ev.ID)
}

// TestTicketLimitIsPerToken: spelling the same token differently (two spaces,
// a tab, another case of "Bearer") gets no fresh bucket.
func TestTicketLimitIsPerToken(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{TicketRateLimit: 2})
	tok := app.Token()
	post := func(auth string) int {
		req, _ := http.NewRequest("POST", app.Server.URL+"/api/v1/tickets",
			strings.NewReader(`{"email":"ana@example.com","subject":"Hi","body":"Hello"}`))
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range 2 {
		if code := post("Bearer " + tok); code != http.StatusCreated {
			t.Fatalf("ticket %d: got %d, want 201", i+1, code)
		}
	}
	for _, auth := range []string{"Bearer " + tok, "Bearer  " + tok, "Bearer \t" + tok, "bearer " + tok + " "} {
		if code := post(auth); code != http.StatusTooManyRequests {
			t.Errorf("Authorization %q past the limit: got %d, want 429", auth, code)
		}
	}
}

// loginFrom signs in through the load balancer on behalf of a client address.
func loginFrom(c *Console, base, client, email, password string) *Page {
	req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(url.Values{"email": {email}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("X-Forwarded-For", client)
	return c.Do(req)
}

// TestLoginThrottleHoldsBehindALoadBalancer: failures count per client address
// (from X-Forwarded-For of a trusted proxy), per account and address, and per
// account; the owner's right password from a clean address still signs in
// while the account is under attack; and a second instance on the same
// database sees the same counts.
func TestLoginThrottleHoldsBehindALoadBalancer(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{LoginFailures: 3, TrustedProxies: loopbackProxy, LoginSlowdown: 50 * time.Millisecond})
	owner := app.NewUser("admin", nil)
	base := app.Server.URL
	attacker := app.Anonymous()
	for i := range 3 {
		loginFrom(attacker, base, "203.0.113.9", owner.Email, "wrong guess number "+string(rune('a'+i))).Want(http.StatusUnprocessableEntity)
	}
	// The attacker's address is refused for this account, even with the right password.
	p := loginFrom(attacker, base, "203.0.113.9", owner.Email, Password).Want(http.StatusTooManyRequests)
	if !strings.Contains(p.Body, "Too many failed sign-ins") {
		t.Errorf("throttled sign-in: the generic message is missing")
	}
	// Another instance behind the same load balancer refuses it too.
	second := web.New(app.Store, app.River, app.Log, web.Config{WebhookSecrets: []string{Secret}, LoginFailures: 3,
		TrustedProxies: loopbackProxy, LoginSlowdown: 50 * time.Millisecond}, func(context.Context) error { return nil })
	t.Cleanup(second.Close)
	srv2 := httptest.NewServer(second.Handler())
	t.Cleanup(srv2.Close)
	loginFrom(app.Anonymous(), srv2.URL, "203.0.113.9", owner.Email, Password).Want(http.StatusTooManyRequests)

	// The owner, from a clean address, signs in (slowed, not refused).
	start := time.Now()
	loginFrom(app.Anonymous(), base, "198.51.100.4", owner.Email, Password).Want(http.StatusSeeOther)
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("sign-in to an account under attack took %s, want it slowed by 50ms", d)
	}
	// Before the X-Forwarded-For fix, everyone behind the balancer shared one
	// address: 12 failures on other accounts from one client lock only that client.
	spray := app.Anonymous()
	for i := range 12 {
		loginFrom(spray, base, "192.0.2.77", NewID("nobody")+"@example.com", "wrong password").Want(http.StatusUnprocessableEntity)
		_ = i
	}
	loginFrom(spray, base, "192.0.2.77", NewID("nobody")+"@example.com", "wrong password").Want(http.StatusTooManyRequests)
	other := app.NewUser("support", nil)
	loginFrom(app.Anonymous(), base, "192.0.2.78", other.Email, Password).Want(http.StatusSeeOther)
}

// loginsAtOnce sends one sign-in per client address at the same instant and
// returns the statuses, in the order of clients.
func loginsAtOnce(app *App, clients []string, email func(i int) string, password string) []*Page {
	pages := make([]*Page, len(clients))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, client := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			pages[i] = loginFrom(app.Anonymous(), app.Server.URL, client, email(i), password)
		}()
	}
	close(start)
	wg.Wait()
	return pages
}

// statusCounts counts pages by status.
func statusCounts(pages []*Page) map[int]int {
	out := map[int]int{}
	for _, p := range pages {
		out[p.Status]++
	}
	return out
}

// TestLoginThrottleIsAtomic: 24 wrong passwords sent at once from one address
// to one account are decided one after another: only LoginFailures of them
// are checked (422), the rest are refused (429) without a password check.
func TestLoginThrottleIsAtomic(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{LoginFailures: 3, TrustedProxies: loopbackProxy, LoginSlowdown: 10 * time.Millisecond,
		PasswordHashers: 24})
	owner := app.NewUser("admin", nil)
	clients := make([]string, 24)
	for i := range clients {
		clients[i] = "203.0.113.50"
	}
	got := statusCounts(loginsAtOnce(app, clients, func(int) string { return owner.Email }, "wrong password at once"))
	if got[http.StatusUnprocessableEntity] > 3 || got[http.StatusUnprocessableEntity]+got[http.StatusTooManyRequests] != 24 {
		t.Fatalf("24 wrong passwords at once: got %v, want at most 3 × 422 (checked) and the rest 429", got)
	}
	if n := app.Count(`SELECT count(*) FROM throttle_hits WHERE key LIKE 'login:pair:%'`); n != got[http.StatusUnprocessableEntity] {
		t.Errorf("counted failures: got %d, want one per checked attempt (%d)", n, got[http.StatusUnprocessableEntity])
	}
	// The owner from elsewhere still signs in, and a success leaves no count behind.
	loginFrom(app.Anonymous(), app.Server.URL, "198.51.100.60", owner.Email, Password).Want(http.StatusSeeOther)
	if n := app.Count(`SELECT count(*) FROM throttle_hits WHERE key LIKE '%198.51.100.60%'`); n != 0 {
		t.Errorf("throttle hits after a successful sign-in: got %d, want 0", n)
	}
}

// TestLoginThrottlePerIPv6Network: rotating through the addresses of one /64
// gets no fresh limit: an account under attack refuses the whole /64 that
// failed on it, and a /64 that sprays accounts is limited as one address is.
// Another /64 is not affected.
func TestLoginThrottlePerIPv6Network(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{LoginFailures: 3, TrustedProxies: loopbackProxy, LoginSlowdown: 10 * time.Millisecond})
	owner := app.NewUser("admin", nil)
	attacker := app.Anonymous()
	var got []int
	for i := range 10 {
		got = append(got, loginFrom(attacker, app.Server.URL, fmt.Sprintf("2001:db8:77:1::%x", i+1), owner.Email, "guess "+fmt.Sprint(i)).Status)
	}
	for i, code := range got {
		want := http.StatusUnprocessableEntity
		if i >= 3 {
			want = http.StatusTooManyRequests
		}
		if code != want {
			t.Fatalf("guesses from 10 addresses of one /64: got %v, want 3 × 422 then 429", got)
		}
	}
	// The owner, from another /64, signs in (slowed, not refused).
	loginFrom(app.Anonymous(), app.Server.URL, "2001:db8:77:2::1", owner.Email, Password).Want(http.StatusSeeOther)
	// Spraying many accounts from one /64: 4 × 3 failures, then refused.
	spray := app.Anonymous()
	for i := range 12 {
		loginFrom(spray, app.Server.URL, fmt.Sprintf("2001:db8:99:5::%x", i+1), NewID("nobody")+"@example.com", "wrong password").Want(http.StatusUnprocessableEntity)
	}
	loginFrom(spray, app.Server.URL, "2001:db8:99:5:ffff::1", NewID("nobody")+"@example.com", "wrong password").Want(http.StatusTooManyRequests)
	loginFrom(spray, app.Server.URL, "2001:db8:99:6::1", NewID("nobody")+"@example.com", "wrong password").Want(http.StatusUnprocessableEntity)
}

// TestPasswordHashingIsBounded: 24 sign-ins at once (unknown users, so each
// costs a full argon2id check of 64 MiB) run at most PasswordHashers checks
// at a time; the rest are answered 503 with Retry-After quickly, and are not
// counted as failures.
func TestPasswordHashingIsBounded(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{TrustedProxies: loopbackProxy, PasswordHashers: 2})
	clients := make([]string, 24)
	for i := range clients {
		clients[i] = fmt.Sprintf("192.0.2.%d", i+1)
	}
	pages := loginsAtOnce(app, clients, func(i int) string { return fmt.Sprintf("nobody%d@example.com", i) }, "some password")
	got := statusCounts(pages)
	if got[http.StatusServiceUnavailable] == 0 || got[http.StatusUnprocessableEntity]+got[http.StatusServiceUnavailable] != 24 {
		t.Fatalf("24 sign-ins at once with 2 hashing slots: got %v, want some 503 and the rest 422", got)
	}
	for i, p := range pages {
		if p.Status == http.StatusServiceUnavailable {
			if p.Header.Get("Retry-After") == "" {
				t.Errorf("503 without Retry-After")
			}
			if n := app.Count(`SELECT count(*) FROM throttle_hits WHERE key = 'login:addr:` + clients[i] + `'`); n != 0 {
				t.Errorf("an attempt refused for lack of a slot counted as a failure (%d hits)", n)
			}
		}
	}
}

// TestWebhookBadSignatureLimitPerIPv6Network: bad signatures from many
// addresses of one /64 share the limit; another /64 does not.
func TestWebhookBadSignatureLimitPerIPv6Network(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{BadSignatureLimit: 3, TrustedProxies: loopbackProxy})
	body := NewEvent("customer.created", Customer(NewID("cus"), "ok@example.com", "Ok")).JSON()
	for i := range 3 {
		if code := postWebhookFrom(t, app.Server.URL, fmt.Sprintf("2001:db8:42:1::%x", i+1), body, "t=1,v1=bad"); code != http.StatusBadRequest {
			t.Fatalf("bad signature %d: got %d, want 400", i+1, code)
		}
	}
	if code := postWebhookFrom(t, app.Server.URL, "2001:db8:42:1:abcd::1", body, "t=1,v1=bad"); code != http.StatusTooManyRequests {
		t.Errorf("fourth bad signature from the same /64: got %d, want 429", code)
	}
	if code := postWebhookFrom(t, app.Server.URL, "2001:db8:42:2::1", body, "t=1,v1=bad"); code != http.StatusBadRequest {
		t.Errorf("bad signature from another /64: got %d, want 400", code)
	}
}

// TestWebhookBadSignatureLimitIsAtomic: 20 bad signatures sent at once from
// one address are decided one after another: exactly the limit get 400.
func TestWebhookBadSignatureLimitIsAtomic(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{BadSignatureLimit: 5, TrustedProxies: loopbackProxy})
	body := NewEvent("customer.created", Customer(NewID("cus"), "ok@example.com", "Ok")).JSON()
	codes := make([]int, 20)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i] = postWebhookFrom(t, app.Server.URL, "203.0.113.77", body, "t=1,v1=bad")
		}()
	}
	close(start)
	wg.Wait()
	got := map[int]int{}
	for _, c := range codes {
		got[c]++
	}
	if got[http.StatusBadRequest] != 5 || got[http.StatusTooManyRequests] != 15 {
		t.Fatalf("20 bad signatures at once with a limit of 5: got %v, want 5 × 400 and 15 × 429", got)
	}
}
