package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/internal/stripefake"
	"github.com/switchboardhq/switchboard/store"
)

// code is the TOTP code of secret at t.
func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrol sets up an authenticator app for a signed-in client and returns its
// secret and recovery codes.
func enrol(t *testing.T, app *App, c *Console) (string, []string) {
	t.Helper()
	c.Post("/account/security/totp", nil).Want(http.StatusSeeOther)
	p := c.Get("/account/security/totp").Want(http.StatusOK)
	src, _ := p.Find("totp-qr").Attr("src")
	if !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Fatalf("QR code src: %.60q", src)
	}
	uri := p.Text("totp-uri")
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "otpauth" {
		t.Fatalf("otpauth URI: %q %v", uri, err)
	}
	secret := u.Query().Get("secret")
	if secret == "" || secret != p.Text("totp-secret") {
		t.Fatalf("secret %q, page shows %q", secret, p.Text("totp-secret"))
	}
	c.Post("/account/security/totp/confirm", url.Values{"code": {"000000"}}).Want(http.StatusUnprocessableEntity)
	if n := app.Count(`SELECT count(*) FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL`, c.User.ID); n != 0 {
		t.Fatalf("confirmed with a wrong code")
	}
	p = c.Post("/account/security/totp/confirm", url.Values{"code": {code(t, secret, time.Now())}}).Want(http.StatusOK)
	var codes []string
	p.Find("recovery-code").Each(func(_ int, s *goquery.Selection) { codes = append(codes, s.Text()) })
	if len(codes) != 10 {
		t.Fatalf("recovery codes: got %d, want 10", len(codes))
	}
	return secret, codes
}

// TestTOTPEnrolAndSignIn: enrolment shows the QR code and the URI, a wrong
// code does not turn it on; then sign-in asks for a code after the password,
// a wrong code is refused, a right one signs in and cannot be used again;
// a recovery code signs in once.
func TestTOTPEnrolAndSignIn(t *testing.T) {
	t.Parallel()
	app := New(t)
	c := app.SignIn(store.UserAdmin)
	secret, codes := enrol(t, app, c)
	if got := c.Get("/account/security").Want(http.StatusOK).Find("mfa-on").Length(); got != 1 {
		t.Error("/account/security does not say the app is on")
	}
	var stored []byte
	if err := app.Pool.QueryRow(context.Background(), `SELECT secret_enc FROM user_totp WHERE user_id = $1`, c.User.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored), secret) {
		t.Error("the TOTP secret is stored in the clear")
	}

	s := app.Anonymous()
	p := s.Login(c.User.Email, Password).Want(http.StatusSeeOther)
	if loc := p.Header.Get("Location"); loc != "/login/verify" {
		t.Fatalf("after the password: Location %q, want /login/verify", loc)
	}
	if loc := s.Get("/").Header.Get("Location"); !strings.HasPrefix(loc, "/login") {
		t.Fatalf("before the code, / goes to %q, want the sign-in", loc)
	}
	s.Get("/login/verify").Want(http.StatusOK)
	s.Post("/login/verify", url.Values{"code": {"123456"}}).Want(http.StatusUnprocessableEntity)
	// The enrolment used this step: the next one is fresh.
	now := code(t, secret, time.Now().Add(30*time.Second))
	s.Post("/login/verify", url.Values{"code": {now}}).Want(http.StatusSeeOther)
	s.Get("/").Want(http.StatusOK)

	again := app.Anonymous()
	again.Login(c.User.Email, Password).Want(http.StatusSeeOther)
	again.Post("/login/verify", url.Values{"code": {now}}).Want(http.StatusUnprocessableEntity)
	again.Post("/login/verify", url.Values{"code": {strings.ToUpper(codes[0])}}).Want(http.StatusSeeOther)
	again.Get("/").Want(http.StatusOK)

	once := app.Anonymous()
	once.Login(c.User.Email, Password).Want(http.StatusSeeOther)
	once.Post("/login/verify", url.Values{"code": {codes[0]}}).Want(http.StatusUnprocessableEntity)
	if n := app.Count(`SELECT count(*) FROM audit_log WHERE action = 'user.mfa_failed' AND subject = $1`, "user:"+strconv.FormatInt(c.User.ID, 10)); n != 3 {
		t.Errorf("failed second steps audited: got %d, want 3", n)
	}
}

// TestSecondStepThrottled: wrong codes past the limit get 429, right or not.
func TestSecondStepThrottled(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{LoginFailures: 2})
	c := app.SignIn(store.UserSupport)
	secret, _ := enrol(t, app, c)
	s := app.Anonymous()
	s.Login(c.User.Email, Password).Want(http.StatusSeeOther)
	s.Post("/login/verify", url.Values{"code": {"111111"}}).Want(http.StatusUnprocessableEntity)
	s.Post("/login/verify", url.Values{"code": {"222222"}}).Want(http.StatusUnprocessableEntity)
	s.Post("/login/verify", url.Values{"code": {code(t, secret, time.Now().Add(30*time.Second))}}).Want(http.StatusTooManyRequests)
}

// TestMFARequired: a role in MFA_REQUIRED without a factor sees only the
// set-up after the password (sign out works); once set up, the console
// opens. A role not in it is left alone.
func TestMFARequired(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{MFARequired: []string{store.UserAdmin, store.UserSupport, store.UserSeller}})
	for _, role := range []string{store.UserAdmin, store.UserSupport, store.UserSeller} {
		c := app.SignIn(role)
		home := "/"
		if role == store.UserSeller {
			home = "/seller/"
		}
		for _, path := range []string{home, "/account/security"} {
			if loc := c.Get(path).Header.Get("Location"); loc != "/account/security/totp" {
				t.Errorf("%s before set-up: %s goes to %q, want the set-up", role, path, loc)
			}
		}
		if p := c.Get("/account/security/totp").Want(http.StatusOK); p.Find("mfa-required").Length() != 1 {
			t.Errorf("%s: the set-up page does not say it is required", role)
		}
		enrol(t, app, c)
		c.Get(home).Want(http.StatusOK)
	}
	// Sign out works before set-up.
	c := app.SignIn(store.UserSupport)
	c.Post("/logout", nil).Want(http.StatusSeeOther)
	if loc := c.Get("/").Header.Get("Location"); !strings.HasPrefix(loc, "/login") {
		t.Errorf("after signing out: / goes to %q", loc)
	}

	free := NewWith(t, Options{MFARequired: []string{store.UserAdmin}})
	free.SignIn(store.UserSupport).Get("/").Want(http.StatusOK)
	if loc := free.SignIn(store.UserAdmin).Get("/").Header.Get("Location"); loc != "/account/security/totp" {
		t.Errorf("admin with MFA_REQUIRED=admin: / goes to %q", loc)
	}
}

// TestStepUpBeforeRoleChange: a role change without a fresh factor shows the
// step-up page and changes nothing; the code there offers the change again,
// its values kept, and then it is made.
func TestStepUpBeforeRoleChange(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{StepUpFor: 1500 * time.Millisecond})
	c := app.SignIn(store.UserAdmin)
	_, codes := enrol(t, app, c)
	target := app.NewUser(store.UserSupport, nil)
	time.Sleep(1600 * time.Millisecond)
	path := "/users/" + strconv.FormatInt(target.ID, 10) + "/role"
	p := c.Post(path, url.Values{"role": {store.UserAdmin}}).Want(http.StatusUnauthorized)
	if p.Find("step-up-form").Length() != 1 {
		t.Fatalf("no step-up form: %s", p.Body)
	}
	if u, _ := app.Store.UserByID(context.Background(), target.ID); u.Role != store.UserSupport {
		t.Fatalf("role changed without step-up: %s", u.Role)
	}
	form := url.Values{"stepup_next": {path}, "role": {store.UserAdmin}, "stepup_code": {"999999"}}
	c.Post("/account/step-up", form).Want(http.StatusUnprocessableEntity)
	form.Set("stepup_code", codes[1])
	p = c.Post("/account/step-up", form).Want(http.StatusOK)
	action, _ := p.Doc.Find(`[data-testid=step-up-resume-form]`).Attr("action")
	role, _ := p.Doc.Find(`[data-testid=step-up-resume-form] input[name=role]`).Attr("value")
	if action != path || role != store.UserAdmin {
		t.Fatalf("resume form: action %q role %q", action, role)
	}
	c.Post(path, url.Values{"role": {role}}).Want(http.StatusSeeOther)
	if u, _ := app.Store.UserByID(context.Background(), target.ID); u.Role != store.UserAdmin {
		t.Fatalf("role after step-up: %s", u.Role)
	}
}

// TestStepUpBeforeRefund: past the step-up window the refund's confirmation
// shows the step-up page (a user without a factor gives the password) and
// requests nothing; the preview step is not guarded; once confirmed, the
// kept form requests the refund.
func TestStepUpBeforeRefund(t *testing.T) {
	t.Parallel()
	fake := stripefake.New(t)
	app := NewWith(t, Options{Stripe: fake, StepUpFor: 1500 * time.Millisecond})
	o := paidOrder(t, app, fake, 4800)
	c := app.SignIn(store.UserAdmin)
	form := refundForm(c.Get(refundPath(o)).Want(http.StatusOK), "48.00", "requested_by_customer")
	time.Sleep(1600 * time.Millisecond)
	form.Del("confirm")
	c.Post(refundPath(o), form).Want(http.StatusOK) // the confirmation question
	form.Set("confirm", "yes")
	p := c.Post(refundPath(o), form).Want(http.StatusUnauthorized)
	if p.Find("step-up-form").Length() != 1 {
		t.Fatal("no step-up form")
	}
	if n := app.Count(`SELECT count(*) FROM refund_requests WHERE order_id = $1`, o.ID); n != 0 {
		t.Fatalf("refund requested without step-up")
	}
	up := url.Values{"stepup_next": {refundPath(o)}, "stepup_password": {"wrong password entirely"}}
	for k, v := range form {
		up[k] = v
	}
	c.Post("/account/step-up", up).Want(http.StatusUnprocessableEntity)
	up.Set("stepup_password", Password)
	p = c.Post("/account/step-up", up).Want(http.StatusOK)
	resume := url.Values{}
	p.Doc.Find(`[data-testid=step-up-resume-form] input`).Each(func(_ int, s *goquery.Selection) {
		resume.Add(s.AttrOr("name", ""), s.AttrOr("value", ""))
	})
	c.Post(refundPath(o), resume).Want(http.StatusSeeOther)
	if n := app.Count(`SELECT count(*) FROM refund_requests WHERE order_id = $1`, o.ID); n != 1 {
		t.Fatalf("refund requests after step-up: got %d, want 1", n)
	}
}

// TestStepUpHTMX: an htmx job retry without a fresh factor is sent (the whole
// page) to the step-up form, which returns to the page it came from.
func TestStepUpHTMX(t *testing.T) {
	t.Parallel()
	app := NewWith(t, Options{StepUpFor: time.Millisecond})
	c := app.SignIn(store.UserAdmin)
	time.Sleep(5 * time.Millisecond)
	p := c.HTMX(http.MethodPost, "/jobs/1/retry", nil)
	if p.Status != http.StatusUnauthorized || !strings.HasPrefix(p.Header.Get("HX-Redirect"), "/account/step-up?next=") {
		t.Fatalf("htmx retry: got %d, HX-Redirect %q", p.Status, p.Header.Get("HX-Redirect"))
	}
	c.Get(p.Header.Get("HX-Redirect")).Want(http.StatusOK)
}
