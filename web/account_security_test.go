package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

const (
	uaFirefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	uaChrome  = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	uaIPhone  = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)

// signInFrom signs a user in from a client address with a user agent.
func signInFrom(t *testing.T, app *App, u store.User, client, agent, password string) *Console {
	t.Helper()
	c := app.Anonymous()
	postAs(app, c, "/login", client, agent, url.Values{"email": {u.Email}, "password": {password}}).Want(http.StatusSeeOther)
	c.User = u
	return c
}

// signedIn reports whether a client's session still opens the console.
func signedIn(c *Console) bool { return c.Get("/account/security").Status == http.StatusOK }

// sessionRow finds the session row with an address on the security page.
func sessionRow(t *testing.T, p *Page, address string) (id string, current bool) {
	t.Helper()
	found := false
	p.Find("session-row").Each(func(_ int, s *goquery.Selection) {
		if strings.TrimSpace(s.Find(`[data-testid=session-address]`).Text()) == address {
			id, _ = s.Attr("data-id")
			current = s.AttrOr("data-current", "") == "true"
			found = true
		}
	})
	if !found {
		t.Fatalf("no session from %s on the security page", address)
	}
	return id, current
}

// TestAccountSecuritySessions: a user sees every session of theirs (device,
// address, last seen), signs one out, then everywhere else; the sessions
// signed out stop working at once, this one keeps working, nobody else can
// sign them out, and each step is audited.
func TestAccountSecuritySessions(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{TrustedProxies: loopbackProxy})
	u := app.NewUser(store.UserSupport, nil)
	laptop := signInFrom(t, app, u, "198.51.100.1", uaFirefox, Password)
	desktop := signInFrom(t, app, u, "198.51.100.2", uaChrome, Password)
	phone := signInFrom(t, app, u, "2001:db8::5", uaIPhone, Password)

	p := laptop.Get("/account/security").Want(http.StatusOK)
	if n := p.Find("session-row").Length(); n != 3 {
		t.Fatalf("sessions listed: got %d, want 3", n)
	}
	if _, current := sessionRow(t, p, "198.51.100.1"); !current {
		t.Errorf("the laptop's own session is not marked as this session")
	}
	devices := p.Find("session-device").Text()
	for _, want := range []string{"Firefox on Linux", "Chrome on Windows", "Safari on iOS"} {
		if !strings.Contains(devices, want) {
			t.Errorf("devices: got %q, want %q among them", devices, want)
		}
	}
	desktopID, _ := sessionRow(t, p, "198.51.100.2")

	// Someone else cannot sign the user's sessions out.
	other := app.SignIn(store.UserAdmin)
	other.Post("/account/security/sessions/"+desktopID+"/revoke", nil).Want(http.StatusNotFound)
	if !signedIn(desktop) {
		t.Fatalf("another user's revoke signed the desktop out")
	}

	laptop.Post("/account/security/sessions/"+desktopID+"/revoke", nil).Want(http.StatusSeeOther)
	if signedIn(desktop) {
		t.Fatalf("the desktop's session still works after it was signed out")
	}
	if p := laptop.Get("/account/security").Want(http.StatusOK); p.Find("session-row").Length() != 2 {
		t.Fatalf("sessions after signing one out: got %d, want 2", p.Find("session-row").Length())
	}
	laptop.Post("/account/security/sessions/revoke-others", nil).Want(http.StatusSeeOther)
	if signedIn(phone) {
		t.Fatalf("the phone's session still works after \"sign out everywhere else\"")
	}
	p = laptop.Get("/account/security").Want(http.StatusOK)
	if p.Find("session-row").Length() != 1 || !signedIn(laptop) {
		t.Fatalf("after signing out everywhere else: got %d sessions, want this one only, still signed in", p.Find("session-row").Length())
	}
	subject := fmt.Sprintf("user:%d", u.ID)
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action IN ('user.session_end', 'user.sessions_end_others') AND subject = $1 AND address <> '' AND request_id <> ''`, subject); n != 2 {
		t.Errorf("audit entries of the sign-outs: got %d, want 2 with the client's address and request ID", n)
	}
	// Signing out this session itself from the list ends it.
	id, _ := sessionRow(t, p, "198.51.100.1")
	if p := laptop.Post("/account/security/sessions/"+id+"/revoke", nil); p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/login" {
		t.Fatalf("signing out this session: got %d to %q, want 303 to /login", p.Status, p.Header.Get("Location"))
	}
	if signedIn(laptop) {
		t.Fatalf("the laptop is still signed in after signing its own session out")
	}
}

// TestAccountPasswordChange: the current password is required (a wrong one
// is refused and audited as a failed sign-in), the new one must pass the
// policy and its repetition; after the change every other session ends,
// this one stays, and only the new password signs in.
func TestAccountPasswordChange(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{TrustedProxies: loopbackProxy})
	u := app.NewUser(store.UserSeller, nil)
	here := signInFrom(t, app, u, "198.51.100.7", uaFirefox, Password)
	there := signInFrom(t, app, u, "198.51.100.8", uaChrome, Password)
	const next = "violet tractor mumbles quietly near 42 lakes"

	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"wrong current", url.Values{"current": {"not my password, honestly"}, "new": {next}, "confirm": {next}}, "not your current password"},
		{"repetition differs", url.Values{"current": {Password}, "new": {next}, "confirm": {next + "!"}}, "differ"},
		{"weak new", url.Values{"current": {Password}, "new": {"passwordpassword"}, "confirm": {"passwordpassword"}}, "too easy to guess"},
	} {
		p := here.Post("/account/security/password", tc.form).Want(http.StatusUnprocessableEntity)
		if !strings.Contains(p.Text("password-error"), tc.want) {
			t.Errorf("%s: got %q, want it to say %q", tc.name, p.Text("password-error"), tc.want)
		}
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'user.login_failed' AND subject = $1`, fmt.Sprintf("user:%d", u.ID)); n != 1 {
		t.Errorf("failed password checks audited: got %d, want 1", n)
	}
	if !signedIn(there) {
		t.Fatalf("a refused change signed the other session out")
	}

	here.Post("/account/security/password", url.Values{"current": {Password}, "new": {next}, "confirm": {next}}).Want(http.StatusSeeOther)
	if !signedIn(here) {
		t.Fatalf("the session that changed the password was signed out")
	}
	if signedIn(there) {
		t.Fatalf("another session still works after the password change")
	}
	if p := here.Get("/account/security").Want(http.StatusOK); p.Find("session-row").Length() != 1 {
		t.Errorf("sessions after the change: got %d, want this one", p.Find("session-row").Length())
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'user.password_change' AND subject = $1 AND address <> '' AND request_id <> ''`, fmt.Sprintf("user:%d", u.ID)); n != 1 {
		t.Errorf("password change audit entries: got %d, want 1 with the client's address and request ID", n)
	}
	postAs(app, app.Anonymous(), "/login", "198.51.100.9", uaFirefox, url.Values{"email": {u.Email}, "password": {Password}}).Want(http.StatusUnprocessableEntity)
	signInFrom(t, app, u, "198.51.100.10", uaFirefox, next)
}
