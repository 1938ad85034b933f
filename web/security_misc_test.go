package web_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// TestHTTPSHeadersAndCookie: with an https BASE_URL every answer carries HSTS
// and the session cookie is __Host- (Secure, Path=/, no Domain); /static/
// lists nothing.
func TestHTTPSHeadersAndCookie(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{BaseURL: "https://console.example.com"})
	u := app.NewUser(store.UserAdmin, nil)
	p := app.Anonymous().Login(u.Email, Password).Want(http.StatusSeeOther)
	if got := p.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Errorf("Strict-Transport-Security: got %q", got)
	}
	ck := p.Header.Get("Set-Cookie")
	if !strings.HasPrefix(ck, "__Host-switchboard_session=") || !strings.Contains(ck, "Secure") ||
		!strings.Contains(ck, "Path=/") || strings.Contains(ck, "Domain=") {
		t.Errorf("session cookie: got %q, want __Host-switchboard_session, Secure, Path=/, no Domain", ck)
	}
	plain := New(t)
	if got := plain.Anonymous().Get("/login").Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("HSTS over http: got %q, want none", got)
	}
	for _, path := range []string{"/static/", "/static/.", "/static/style.css/"} {
		// The mux may first redirect a non-canonical path; it never lists.
		if p := plain.Anonymous().Get(path); p.Status == http.StatusOK || p.Status >= 500 {
			t.Errorf("GET %s: got %d, want 404 or a redirect (no listing)", path, p.Status)
		} else if strings.Contains(p.Body, "htmx") {
			t.Errorf("GET %s lists the directory", path)
		}
	}
	plain.Anonymous().Get("/static/style.css").Want(http.StatusOK)
}

// sessionRows counts the sessions stored for a cookie's token (under its hash).
func sessionRows(app *App, token string) int {
	app.T.Helper()
	h := sha256.Sum256([]byte(token))
	return app.Count(`SELECT count(*) FROM sessions WHERE token = $1`, hex.EncodeToString(h[:]))
}

// TestSessionTokensStoredHashed: the sessions table holds the SHA-256 of the
// cookie's token, never the token.
func TestSessionTokensStoredHashed(t *testing.T) {
	t.Parallel()
	app := New(t)
	c := app.SignIn(store.UserSupport)
	tok := c.SessionCookie()
	if n := app.Count(`SELECT count(*) FROM sessions WHERE token = $1`, tok); n != 0 {
		t.Fatalf("sessions holds the plain token")
	}
	if n := sessionRows(app, tok); n != 1 {
		t.Fatalf("sessions rows under the token's hash: got %d, want 1", n)
	}
	c.Get("/tickets").Want(http.StatusOK)
}

// TestRequestIDIsStrict: a well-formed X-Request-Id is kept, anything else replaced.
func TestRequestIDIsStrict(t *testing.T) {
	t.Parallel()
	app := New(t)
	for in, keep := range map[string]bool{"req-42_a.b": true, `a"b`: false, "a b": false, "<script>": false,
		strings.Repeat("x", 65): false} {
		req, _ := http.NewRequest("GET", app.Server.URL+"/healthz", nil)
		req.Header.Set("X-Request-Id", in)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("X-Request-Id"); (got == in) != keep || got == "" {
			t.Errorf("X-Request-Id %q: answered %q, want kept=%v", in, got, keep)
		}
	}
}

// TestJSONAPIBodies: 415 for another Content-Type, 413 past the size limit,
// 400 for data after the object.
func TestJSONAPIBodies(t *testing.T) {
	t.Parallel()
	app := New(t)
	ticket := `{"email":"ana@example.com","subject":"Hi","body":"Hello"}`
	big := `{"email":"ana@example.com","subject":"Hi","body":"` + strings.Repeat("a", 300<<10) + `"}`
	for _, c := range []struct {
		name, path, ctype, body string
		want                    int
	}{
		{"text/plain", "/api/v1/tickets", "text/plain", ticket, 415},
		{"form", "/api/v1/signups", "application/x-www-form-urlencoded", "email=a@example.com", 415},
		{"no type", "/api/v1/tickets", "", ticket, 415},
		{"too large", "/api/v1/tickets", "application/json", big, 413},
		{"trailing object", "/api/v1/tickets", "application/json", ticket + `{"x":1}`, 400},
		{"trailing garbage", "/api/v1/signups", "application/json", `{"email":"b@example.com","name":"B","role":"buyer"} x`, 400},
		{"charset", "/api/v1/tickets", "application/json; charset=utf-8", ticket + "\n", 201},
	} {
		if got, body := apiRaw(app, "POST", c.path, c.ctype, c.body); got != c.want {
			t.Errorf("%s: got %d %s, want %d", c.name, got, body, c.want)
		}
	}
	if n := app.Count(`SELECT count(*) FROM tickets`); n != 1 {
		t.Errorf("tickets stored: got %d, want 1", n)
	}
}

// TestSignupNeverChangesRoleOrName: a repeat signup for an existing email
// returns the account unchanged in role and name.
func TestSignupNeverChangesRoleOrName(t *testing.T) {
	t.Parallel()
	app := New(t)
	first := signup(app, "ana@example.com", "buyer", "")
	var again store.Account
	code := app.API("POST", "/api/v1/signups", map[string]string{"email": "ANA@example.com", "name": "Mallory", "role": "seller"}, &again)
	if code != http.StatusOK || again.ID != first.ID {
		t.Fatalf("repeat signup: got %d id %d, want 200 id %d", code, again.ID, first.ID)
	}
	if again.Role != "buyer" || again.Name != first.Name {
		t.Fatalf("repeat signup changed the account: got role %q name %q, want %q %q", again.Role, again.Name, "buyer", first.Name)
	}
}

// TestConsolePasswordPolicy: the users page counts characters and refuses
// common passwords.
func TestConsolePasswordPolicy(t *testing.T) {
	t.Parallel()
	app := New(t)
	admin := app.SignIn(store.UserAdmin)
	for _, pw := range []string{"éèêëàâ", "passwordpassword", strings.Repeat("Zq8!xw", 30)} {
		p := admin.Post("/users", url.Values{"email": {"kim@example.com"}, "password": {pw}, "role": {"support"}})
		if p.Status != http.StatusUnprocessableEntity || p.Find("user-form-error").Length() != 1 {
			t.Errorf("password %q: got %d, want 422 with the form's error", pw, p.Status)
		}
	}
	admin.Post("/users", url.Values{"email": {"kim@example.com"}, "password": {Password}, "role": {"support"}}).Want(http.StatusSeeOther)
}
