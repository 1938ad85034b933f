package web_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// TestBrowserTOTPEnrolAndSignIn: an admin sets up an authenticator app from
// /account/security (the QR code is an image the CSP lets in), confirms it
// with a code, sees ten recovery codes, and the next sign-in asks for a code.
func TestBrowserTOTPEnrolAndSignIn(t *testing.T) {
	t.Parallel()
	ctx, problems := browser(t)
	app := New(t)
	admin := app.NewUser(store.UserAdmin, nil)
	base := app.Server.URL
	signIn := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/login"),
		chromedp.WaitVisible(tid("login-form")),
		chromedp.SendKeys(chromedp.ID("email"), admin.Email),
		chromedp.SendKeys(chromedp.ID("password"), Password),
		chromedp.Click(tid("login-submit")),
	}
	run(t, ctx, "sign in", signIn...)
	run(t, ctx, "start the set-up", chromedp.WaitVisible(tid("who")),
		chromedp.Navigate(base+"/account/security"),
		chromedp.WaitVisible(tid("totp-start")),
		chromedp.Click(tid("totp-start")),
		chromedp.WaitVisible(tid("totp-qr")),
	)
	qrWidth, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector('[data-testid="totp-qr"]').naturalWidth`))
	if err != nil || qrWidth == 0 {
		t.Fatal("the QR code image did not load")
	}
	secret := text(t, ctx, tid("totp-secret"))
	run(t, ctx, "confirm with a code",
		chromedp.SendKeys(chromedp.ID("totp-code"), code(t, secret, time.Now())),
		chromedp.Click(tid("totp-confirm")),
		chromedp.WaitVisible(tid("recovery-codes")),
	)
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="recovery-code"]').length`))
	if err != nil || n != 10 {
		t.Fatalf("recovery codes: got %d, want 10", n)
	}
	run(t, ctx, "sign out", chromedp.Click(tid("logout")), chromedp.WaitVisible(tid("login-form")))
	run(t, ctx, "sign in again", signIn...)
	run(t, ctx, "the second step", chromedp.WaitVisible(tid("mfa-form")),
		chromedp.SendKeys(chromedp.ID("code"), code(t, secret, time.Now().Add(30*time.Second))),
		chromedp.Click(tid("mfa-submit")),
		chromedp.WaitVisible(tid("who")),
	)
	if p := problems(); len(p) > 0 {
		t.Fatalf("browser problems: %v", p)
	}
}
