package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// TestTokenCommands: create with scopes, list, revoke by name and by ID.
func TestTokenCommands(t *testing.T) {
	app := apptest.New(t)
	t.Setenv("DATABASE_URL", app.URL)
	if _, err := runCmd(t, "", "token", "create", "--name", "x", "--scope", "admin"); err == nil {
		t.Fatal("an unknown scope was accepted")
	}
	form, err := runCmd(t, "", "token", "create", "--name", "contact-form", "--scope", "tickets:write")
	if err != nil {
		t.Fatal(err)
	}
	form = strings.TrimSpace(form)
	prom, err := runCmd(t, "", "token", "create", "--name", "prometheus", "--scope", "metrics", "--scope", "read")
	if err != nil {
		t.Fatal(err)
	}
	call := func(tok, path string) int {
		req, _ := http.NewRequest("GET", app.Server.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(tok))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := call(form, "/metrics"); got != http.StatusForbidden {
		t.Errorf("contact-form token on /metrics: got %d, want 403", got)
	}
	if got := call(prom, "/metrics"); got != http.StatusOK {
		t.Errorf("prometheus token on /metrics: got %d, want 200", got)
	}
	out, err := runCmd(t, "", "token", "list")
	if err != nil || !strings.Contains(out, "contact-form") || !strings.Contains(out, "metrics,read") || !strings.Contains(out, "tickets:write") {
		t.Fatalf("token list: %v\n%s", err, out)
	}
	if out, err := runCmd(t, "", "token", "revoke", "contact-form"); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke by name: %v %s", err, out)
	}
	if got := call(form, "/api/v1/tickets"); got != http.StatusUnauthorized {
		t.Errorf("revoked token: got %d, want 401", got)
	}
	ts, _ := app.Store.APITokensByName(context.Background(), "prometheus")
	if len(ts) != 1 {
		t.Fatalf("prometheus tokens: %d", len(ts))
	}
	if _, err := runCmd(t, "", "token", "revoke", strconv.FormatInt(ts[0].ID, 10)); err != nil {
		t.Fatal(err)
	}
	if got := call(prom, "/metrics"); got != http.StatusUnauthorized {
		t.Errorf("token revoked by ID: got %d, want 401", got)
	}
	if _, err := runCmd(t, "", "token", "revoke", "no-such-token"); err == nil {
		t.Error("revoking an unknown name succeeded")
	}
}

// TestUserResetPassword: the new password (policy-checked) signs in, the old
// one does not, and the user's open sessions end.
func TestUserResetPassword(t *testing.T) {
	app := apptest.New(t)
	t.Setenv("DATABASE_URL", app.URL)
	c := app.SignIn(store.UserAdmin)
	c.Get("/").Want(http.StatusOK)
	if _, err := runCmd(t, "passwordpassword\n", "user", "reset-password", "--email", c.User.Email); err == nil {
		t.Fatal("a common password was accepted")
	}
	if _, err := runCmd(t, "new mango tractor umbrella\n", "user", "reset-password", "--email", "nobody@example.com"); err == nil {
		t.Fatal("an unknown user was accepted")
	}
	out, err := runCmd(t, "new mango tractor umbrella\n", "user", "reset-password", "--email", strings.ToUpper(c.User.Email))
	if err != nil {
		t.Fatalf("reset-password: %v %s", err, out)
	}
	if p := c.Get("/"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/login") {
		t.Fatalf("old session after the reset: got %d %q, want 303 to /login", p.Status, p.Header.Get("Location"))
	}
	app.Anonymous().Login(c.User.Email, apptest.Password).Want(http.StatusUnprocessableEntity)
	fresh := app.Anonymous()
	fresh.Login(c.User.Email, "new mango tractor umbrella").Want(http.StatusSeeOther)
	fresh.Get("/").Want(http.StatusOK)
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'user.reset_password'`); n != 1 {
		t.Errorf("audit entries: got %d, want 1", n)
	}
}

// TestUserMFAReset: the command removes the user's factor and recovery codes,
// ends their sessions and is audited; the password alone signs in again.
func TestUserMFAReset(t *testing.T) {
	app := apptest.New(t)
	t.Setenv("DATABASE_URL", app.URL)
	c := app.SignIn(store.UserAdmin)
	ctx := context.Background()
	if err := app.Store.StartTOTP(ctx, c.User.ID, "JBSWY3DPEHPK3PXP"); err != nil {
		t.Fatal(err)
	}
	if err := app.Store.ConfirmTOTP(ctx, c.User.ID, 1, "test", []string{"abcdeabcde"}); err != nil {
		t.Fatal(err)
	}
	if _, err := runCmd(t, "", "user", "mfa-reset", "--email", "nobody@example.com"); err == nil {
		t.Fatal("an unknown user was accepted")
	}
	if out, err := runCmd(t, "", "user", "mfa-reset", "--email", c.User.Email); err != nil {
		t.Fatalf("mfa-reset: %v %s", err, out)
	}
	if p := c.Get("/"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/login") {
		t.Fatalf("old session after the reset: got %d %q, want 303 to /login", p.Status, p.Header.Get("Location"))
	}
	if n := app.Count(`SELECT (SELECT count(*) FROM user_totp WHERE user_id = $1) + (SELECT count(*) FROM user_recovery_codes WHERE user_id = $1)`, c.User.ID); n != 0 {
		t.Errorf("factors and codes left: %d", n)
	}
	if p := app.Anonymous().Login(c.User.Email, apptest.Password); p.Header.Get("Location") != "/" {
		t.Errorf("sign-in after the reset goes to %q, want / (no second step)", p.Header.Get("Location"))
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'user.mfa_reset' AND actor = 'cli'`); n != 1 {
		t.Errorf("audit entries: got %d, want 1", n)
	}
}
