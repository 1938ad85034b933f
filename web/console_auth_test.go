package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/web"
)

func TestSignInRenewsTheSessionToken(t *testing.T) {
	t.Parallel()
	app := New(t)
	u := app.NewUser(store.UserAdmin, nil)
	// A signed-out session (here the one that carries the "signed out" flash)
	// must not survive sign-in: that is session fixation.
	c := app.SignIn(store.UserSupport)
	c.Post("/logout", nil).Want(http.StatusSeeOther)
	before := c.SessionCookie()
	if before == "" {
		t.Fatal("no session token before sign-in: the test needs one")
	}

	p := c.Post("/login", url.Values{"email": {strings.ToUpper(u.Email)}, "password": {Password}, "next": {"/events?status=failed"}}).Want(http.StatusSeeOther)
	if got := p.Header.Get("Location"); got != "/events?status=failed" {
		t.Fatalf("redirect after sign-in: got %q, want /events?status=failed", got)
	}
	after := c.SessionCookie()
	if after == "" || after == before {
		t.Fatalf("session token: got %q after sign-in (before %q), want a new one", after, before)
	}
	if n := sessionRows(app, before); n != 0 {
		t.Fatalf("the pre-sign-in token is still in the store")
	}
	var ck *http.Cookie
	for _, x := range (&http.Response{Header: p.Header}).Cookies() {
		if x.Name == web.SessionCookie {
			ck = x
		}
	}
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure {
		t.Fatalf("session cookie: got %+v, want HttpOnly, SameSite=Lax, not Secure on http", ck)
	}
	home := c.Get("/").Want(http.StatusOK)
	if got := home.Text("who"); !strings.Contains(got, u.Email) {
		t.Fatalf("signed-in user: got %q, want %s", got, u.Email)
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'user.login' AND actor = $1`, u.Email); n != 1 {
		t.Fatalf("login audit entries: got %d, want 1", n)
	}
}

func TestSecureCookieWhenBaseURLIsHTTPS(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{BaseURL: "https://console.example.com"})
	u := app.NewUser(store.UserAdmin, nil)
	p := app.Anonymous().Login(u.Email, Password).Want(http.StatusSeeOther)
	if sc := p.Header.Get("Set-Cookie"); !strings.Contains(sc, "Secure") || !strings.Contains(sc, "HttpOnly") {
		t.Fatalf("Set-Cookie: got %q, want Secure and HttpOnly", sc)
	}
}

func TestSignInFailuresLookAlike(t *testing.T) {
	t.Parallel()
	app := New(t)
	u := app.NewUser(store.UserSupport, nil)
	gone := app.NewUser(store.UserSupport, nil)
	if _, err := app.Store.SetUserDisabled(context.Background(), gone.ID, true); err != nil {
		t.Fatal(err)
	}
	// Test users get a cheap hash; these two get the production one.
	for _, usr := range []store.User{u, gone} {
		h, err := store.HashPassword(Password)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Store.SetUserPassword(context.Background(), usr.ID, h); err != nil {
			t.Fatal(err)
		}
	}
	cases := map[string][2]string{
		"wrong password": {u.Email, "not the password"},
		"unknown user":   {"nobody-" + NewID("x") + "@example.com", Password},
		"disabled user":  {gone.Email, Password},
	}
	msgs := map[string]bool{}
	for name, in := range cases {
		start := time.Now()
		p := app.Anonymous().Login(in[0], in[1])
		took := time.Since(start)
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: got %d, want 422", name, p.Status)
		}
		msgs[p.Text("login-error")] = true
		// The unknown user runs a dummy argon2id check: no fast path to time.
		if took < 5*time.Millisecond {
			t.Errorf("%s: answered in %v; an argon2id check takes longer", name, took)
		}
		if p.Find("login-form").Length() != 1 {
			t.Fatalf("%s: the form is not shown again", name)
		}
	}
	if len(msgs) != 1 {
		t.Fatalf("failure messages: got %v, want one message for all", msgs)
	}
}

func TestSignInIsThrottledPerAccount(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{LoginFailures: 3})
	u := app.NewUser(store.UserAdmin, nil)
	c := app.Anonymous()
	for i := 0; i < 3; i++ {
		c.Login(u.Email, "wrong password "+NewID("x")).Want(http.StatusUnprocessableEntity)
	}
	// Even the right password waits now, with a clear message.
	p := c.Login(u.Email, Password).Want(http.StatusTooManyRequests)
	if got := p.Text("login-error"); !strings.Contains(got, "Too many failed sign-ins") {
		t.Fatalf("throttle message: got %q", got)
	}
	// An unknown email is throttled the same way (no enumeration).
	ghost := "ghost-" + NewID("x") + "@example.com"
	for i := 0; i < 3; i++ {
		c.Login(ghost, "wrong").Want(http.StatusUnprocessableEntity)
	}
	c.Login(ghost, "wrong").Want(http.StatusTooManyRequests)
	// Another account from the same address still signs in (the address limit is higher).
	other := app.NewUser(store.UserAdmin, nil)
	c.Login(other.Email, Password).Want(http.StatusSeeOther)
}

func TestSignInIsThrottledPerAddress(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{LoginFailures: 2})
	c := app.Anonymous()
	// Four times the account limit, spread over many accounts.
	for i := 0; i < 8; i++ {
		c.Login(NewID("spray")+"@example.com", "wrong").Want(http.StatusUnprocessableEntity)
	}
	u := app.NewUser(store.UserAdmin, nil)
	c.Login(u.Email, Password).Want(http.StatusTooManyRequests)
}

func TestSignInRedirectsOnlyToLocalPaths(t *testing.T) {
	t.Parallel()
	app := New(t)
	u := app.NewUser(store.UserAdmin, nil)
	for next, want := range map[string]string{
		"/jobs?state=discarded":    "/jobs?state=discarded",
		"https://evil.example/x":   "/",
		"//evil.example/x":         "/",
		"/\\evil.example":          "/",
		"javascript:alert(1)":      "/",
		"/logout":                  "/",
		"":                         "/",
		"/events/evt_1#frag":       "/events/evt_1#frag",
		"/%2F%2Fevil.example/path": "/%2F%2Fevil.example/path",
	} {
		p := app.Anonymous().Post("/login", url.Values{"email": {u.Email}, "password": {Password}, "next": {next}}).Want(http.StatusSeeOther)
		if got := p.Header.Get("Location"); got != want {
			t.Errorf("next %q: redirected to %q, want %q", next, got, want)
		}
	}
	seller := app.NewUser(store.UserSeller, nil)
	p := app.Anonymous().Login(seller.Email, Password).Want(http.StatusSeeOther)
	if got := p.Header.Get("Location"); got != "/seller/" {
		t.Fatalf("seller lands on %q, want /seller/", got)
	}
}

func TestSignedOutPagesRedirectToLogin(t *testing.T) {
	t.Parallel()
	app := New(t)
	p := app.Anonymous().Get("/events?status=failed").Want(http.StatusSeeOther)
	if got := p.Header.Get("Location"); got != "/login?next=%2Fevents%3Fstatus%3Dfailed" {
		t.Fatalf("Location: got %q", got)
	}
	// The sign-in form carries next on.
	form := app.Anonymous().Get(p.Header.Get("Location")).Want(http.StatusOK)
	if v, _ := form.Doc.Find(`input[name="next"]`).Attr("value"); v != "/events?status=failed" {
		t.Fatalf("next field: got %q", v)
	}
	// htmx polls get a redirect header instead of a login page in a fragment.
	h := app.Anonymous().HTMX(http.MethodGet, "/", nil)
	if h.Status != http.StatusUnauthorized || !strings.HasPrefix(h.Header.Get("HX-Redirect"), "/login") {
		t.Fatalf("htmx signed out: got %d HX-Redirect %q", h.Status, h.Header.Get("HX-Redirect"))
	}
}

func TestSignOutEndsTheSession(t *testing.T) {
	t.Parallel()
	app := New(t)
	c := app.SignIn(store.UserAdmin)
	token := c.SessionCookie()
	p := c.Post("/logout", nil).Want(http.StatusSeeOther)
	if p.Header.Get("Location") != "/login" {
		t.Fatalf("after sign-out: got Location %q", p.Header.Get("Location"))
	}
	if got := c.Get("/login").Want(http.StatusOK).Text("flash-ok"); got != "You are signed out." {
		t.Fatalf("flash: got %q", got)
	}
	c.Get("/").Want(http.StatusSeeOther)
	// The old token is dead even if someone kept it.
	stale := app.Anonymous()
	req, _ := http.NewRequest(http.MethodGet, app.Server.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: token})
	stale.Do(req).Want(http.StatusSeeOther)
	if n := sessionRows(app, token); n != 0 {
		t.Fatalf("sessions with the old token: got %d, want 0", n)
	}
	// Signing out is a POST only.
	if code := app.SignIn(store.UserAdmin).Get("/logout").Status; code != http.StatusMethodNotAllowed {
		t.Fatalf("GET /logout: got %d, want 405", code)
	}
}

func TestDisabledUserIsSignedOutAndRoleChangeRenewsToken(t *testing.T) {
	t.Parallel()
	app := New(t)
	admin := app.SignIn(store.UserAdmin)
	sup := app.SignIn(store.UserSupport)
	sup.Get("/jobs").Want(http.StatusForbidden)

	admin.Post(fmtPath("/users/%d/role", sup.User.ID), url.Values{"role": {"admin"}}).Want(http.StatusSeeOther)
	old := sup.SessionCookie()
	sup.Get("/jobs").Want(http.StatusOK)
	if now := sup.SessionCookie(); now == old || now == "" {
		t.Fatalf("session token after role change: got %q, want a new one (was %q)", now, old)
	}
	if n := sessionRows(app, old); n != 0 {
		t.Fatalf("the pre-change token still exists")
	}

	admin.Post(fmtPath("/users/%d/disable", sup.User.ID), nil).Want(http.StatusSeeOther)
	sup.Get("/events").Want(http.StatusSeeOther)
	sup.Login(sup.User.Email, Password).Want(http.StatusUnprocessableEntity)
}

func TestCrossSitePostsAreRefused(t *testing.T) {
	t.Parallel()
	app := New(t)
	admin := app.SignIn(store.UserAdmin)
	for name, h := range map[string]map[string]string{
		"modern browser":   {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		"older browser":    {"Origin": "https://evil.example"},
		"same-site domain": {"Sec-Fetch-Site": "same-site", "Origin": "https://sub.evil.example"},
	} {
		for _, path := range []string{"/logout", "/users", "/login"} {
			req, _ := http.NewRequest(http.MethodPost, app.Server.URL+path, strings.NewReader("email=x%40example.com&role=admin&password=123456789012"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range h {
				req.Header.Set(k, v)
			}
			if p := admin.Do(req); p.Status != http.StatusForbidden {
				t.Errorf("%s POST %s: got %d, want 403", name, path, p.Status)
			}
		}
	}
	// Still signed in, nothing created.
	admin.Get("/").Want(http.StatusOK)
	if n := app.Count(`SELECT count(*) FROM users WHERE email = 'x@example.com'`); n != 0 {
		t.Fatalf("a cross-site POST created a user")
	}
	// The webhook and the API are not cookie-authenticated, so not behind it.
	ev := NewEvent("customer.created", Customer(NewID("cus"), "a@example.com", "A"))
	body := ev.JSON()
	req, _ := http.NewRequest(http.MethodPost, app.Server.URL+"/webhooks/stripe", strings.NewReader(string(body)))
	req.Header.Set("Stripe-Signature", Sign(body, Secret, time.Now()))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := app.Anonymous().Do(req); p.Status != http.StatusOK {
		t.Fatalf("webhook with cross-site headers: got %d, want 200", p.Status)
	}
}
