package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// scopedToken creates a token with scopes and returns it and its ID.
func scopedToken(t *testing.T, app *App, name string, scopes ...string) (string, int64) {
	t.Helper()
	tok, hash, err := store.NewAPIToken()
	if err != nil {
		t.Fatal(err)
	}
	id, err := app.Store.CreateAPIToken(context.Background(), name, hash, scopes)
	if err != nil {
		t.Fatal(err)
	}
	return tok, id
}

func callWith(t *testing.T, app *App, tok, method, path, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, app.Server.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestTokenScopes: the contact form's token opens tickets and nothing else;
// each scope opens its own routes only.
func TestTokenScopes(t *testing.T) {
	t.Parallel()
	app := New(t)
	form, _ := scopedToken(t, app, "contact-form", store.ScopeTicketsWrite)
	prom, _ := scopedToken(t, app, "prometheus", store.ScopeMetrics)
	reader, _ := scopedToken(t, app, "scripts", store.ScopeRead)
	ticket := `{"email":"ana@example.com","subject":"Hi","body":"Hello"}`
	signupBody := `{"email":"ana@example.com","name":"Ana","role":"buyer"}`
	for _, c := range []struct {
		tok, name, method, path, body string
		want                          int
	}{
		{form, "form", "POST", "/api/v1/tickets", ticket, 201},
		{form, "form", "GET", "/api/v1/accounts?email=ana@example.com", "", 403},
		{form, "form", "GET", "/api/v1/tickets", "", 403},
		{form, "form", "GET", "/api/v1/events/evt_x", "", 403},
		{form, "form", "GET", "/metrics", "", 403},
		{form, "form", "POST", "/api/v1/signups", signupBody, 403},
		{prom, "prometheus", "GET", "/metrics", "", 200},
		{prom, "prometheus", "GET", "/api/v1/orders?account_id=1", "", 403},
		{reader, "read", "GET", "/api/v1/tickets", "", 200},
		{reader, "read", "POST", "/api/v1/tickets", ticket, 403},
		{app.Token(), "all scopes", "POST", "/api/v1/signups", signupBody, 201},
	} {
		if got := callWith(t, app, c.tok, c.method, c.path, c.body); got != c.want {
			t.Errorf("%s token %s %s: got %d, want %d", c.name, c.method, c.path, got, c.want)
		}
	}
}

// TestTokensPageListsAndRevokes: admins see every token's scopes and last use
// and revoke one; it stops working at once, and the revocation is audited.
func TestTokensPageListsAndRevokes(t *testing.T) {
	t.Parallel()
	app := New(t)
	tok, id := scopedToken(t, app, "contact-form", store.ScopeTicketsWrite)
	if code := callWith(t, app, tok, "POST", "/api/v1/tickets", `{"email":"a@example.com","subject":"s","body":"b"}`); code != 201 {
		t.Fatalf("ticket: got %d", code)
	}
	admin := app.SignIn(store.UserAdmin)
	p := admin.Get("/tokens").Want(http.StatusOK)
	row := p.Doc.Find(`[data-testid="token-row"][data-name="contact-form"]`)
	if row.Length() != 1 {
		t.Fatalf("the token is not listed: %s", p.Body)
	}
	if got := row.Find(`[data-testid="token-scopes"]`).Text(); got != "tickets:write" {
		t.Errorf("scopes: got %q, want tickets:write", got)
	}
	if got := row.Find(`[data-testid="token-last-used"]`).Text(); strings.Contains(got, "never") {
		t.Errorf("last used: got %q, want a time", got)
	}
	admin.Post(fmt.Sprintf("/tokens/%d/revoke", id), url.Values{}).Want(http.StatusSeeOther)
	if code := callWith(t, app, tok, "POST", "/api/v1/tickets", `{"email":"a@example.com","subject":"s","body":"b"}`); code != 401 {
		t.Fatalf("revoked token: got %d, want 401", code)
	}
	if got := admin.Get("/tokens").Doc.Find(`[data-testid="token-row"][data-name="contact-form"] [data-testid="token-status"]`).Text(); !strings.HasPrefix(got, "revoked") {
		t.Errorf("status after revoking: got %q", got)
	}
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'token.revoke' AND subject = $1`, fmt.Sprintf("token:%d", id)); n != 1 {
		t.Errorf("audit entries: got %d, want 1", n)
	}
	app.SignIn(store.UserSupport).Get("/tokens").Want(http.StatusForbidden)
}
