package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// TestBrowserAccountSecurity: from the header's email to the security page in
// Chromium: this session and another are listed, "Sign out everywhere else"
// ends the other one, and the password changes with the current one.
func TestBrowserAccountSecurity(t *testing.T) {
	t.Parallel()
	ctx, problems := browser(t)
	app := New(t)
	u := app.NewUser(store.UserSupport, nil)
	elsewhere := app.SignInAs(u)
	base := app.Server.URL
	run(t, ctx, "sign in and open the security page from the header",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(tid("login-form")),
		chromedp.SendKeys(chromedp.ID("email"), u.Email),
		chromedp.SendKeys(chromedp.ID("password"), Password),
		chromedp.Click(tid("login-submit")),
		chromedp.WaitVisible(tid("who")),
		chromedp.Click(tid("who")),
		chromedp.WaitVisible(tid("sessions-table")),
	)
	shot(t, ctx, "account-security")
	if got := text(t, ctx, tid("sessions-table")); !strings.Contains(got, "this session") || !strings.Contains(got, "Chrome") {
		t.Fatalf("sessions table: got %q, want this session (Chrome) and another", got)
	}
	run(t, ctx, "sign out everywhere else",
		chromedp.Click(tid("sessions-revoke-others")),
		chromedp.WaitVisible(tid("flash-ok")),
	)
	if got := text(t, ctx, tid("flash-ok")); !strings.Contains(got, "Signed out everywhere else (1 sessions)") {
		t.Fatalf("after signing out elsewhere: flash %q", got)
	}
	if p := elsewhere.Get("/tickets"); p.Status != http.StatusSeeOther {
		t.Fatalf("the other session after \"sign out everywhere else\": got %d, want 303 to sign in", p.Status)
	}
	const next = "orange kettle whistles beside 17 quiet dunes"
	// This page has a flash too: mark it, to wait for the next page.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.dataset.before = "1"`)); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "change the password",
		chromedp.SendKeys(chromedp.ID("current-password"), Password),
		chromedp.SendKeys(chromedp.ID("new-password"), next),
		chromedp.SendKeys(chromedp.ID("confirm-password"), next),
		chromedp.Click(tid("password-submit")),
		chromedp.WaitNotPresent(chromedp.CSS(`body[data-before]`)),
		chromedp.WaitVisible(tid("flash-ok")),
	)
	if got := text(t, ctx, tid("flash-ok")); !strings.Contains(got, "password is changed") {
		t.Fatalf("after the password change: flash %q", got)
	}
	if p := app.Anonymous().Login(u.Email, next); p.Status != http.StatusSeeOther {
		t.Fatalf("signing in with the new password: got %d, want 303", p.Status)
	}
	if p := problems(); len(p) > 0 {
		t.Fatalf("the pages logged errors (CSP violations or script errors):\n%s", strings.Join(p, "\n"))
	}
}
