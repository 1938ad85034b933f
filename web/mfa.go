package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

// Session keys of the second sign-in step: the user whose password checked
// and who still owes a code, when, and where to go after.
const (
	sessMFAUser = "mfa_user_id"
	sessMFAAt   = "mfa_pending_at"
	sessMFANext = "mfa_next"
)

// mfaPendingFor is how long the second step waits after the password.
const mfaPendingFor = 5 * time.Minute

const (
	msgBadCode       = "That code is not right, or was used already. Codes change every 30 seconds."
	msgCodeThrottled = "Too many wrong codes. Wait 15 minutes and try again."
)

// totpOpts are the TOTP parameters every authenticator app agrees on.
var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// totpStep finds the time step (±1 around now) whose code is code, or 0.
func totpStep(secret, code string, now time.Time) int64 {
	code = strings.ReplaceAll(code, " ", "")
	if len(code) != 6 {
		return 0
	}
	cur := now.Unix() / 30
	found := int64(0)
	for _, step := range []int64{cur - 1, cur, cur + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*30, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			found = step
		}
	}
	return found
}

// loginSecondStep starts the second step for a user whose password checked:
// the session holds only who is pending, not a sign-in.
func (s *Server) loginSecondStep(w http.ResponseWriter, r *http.Request, u store.User, next string) error {
	ctx := r.Context()
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, sessMFAUser, u.ID)
	s.sessions.Put(ctx, sessMFAAt, time.Now().UnixMicro())
	s.sessions.Put(ctx, sessMFANext, next)
	http.Redirect(w, r, "/login/verify", http.StatusSeeOther)
	return nil
}

// mfaPending is the user who owes the second step, if the password was
// checked less than mfaPendingFor ago.
func (s *Server) mfaPending(ctx context.Context) (store.User, bool, error) {
	id := s.sessions.GetInt64(ctx, sessMFAUser)
	at := time.UnixMicro(s.sessions.GetInt64(ctx, sessMFAAt))
	if id == 0 || time.Since(at) > mfaPendingFor {
		return store.User{}, false, nil
	}
	u, err := s.store.UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.DisabledAt != nil) {
		return store.User{}, false, nil
	}
	return u, err == nil, err
}

// loginVerifyShow handles GET /login/verify, the second step's form.
func (s *Server) loginVerifyShow(w http.ResponseWriter, r *http.Request) error {
	_, ok, err := s.mfaPending(r.Context())
	if err != nil {
		return err
	}
	if !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, views.MFAVerifyPage(s.shell(r, "Second step"), views.MFAForm{}))
}

// loginVerifySubmit handles POST /login/verify (code): a TOTP code (±1 step,
// each step once) or a recovery code (once) completes the sign-in. Wrong
// codes are counted per user with their own throttle.
func (s *Server) loginVerifySubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u, ok, err := s.mfaPending(ctx)
	if err != nil {
		return err
	}
	if !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	page := func(status int, msg string) error {
		return s.render(w, r, status, views.MFAVerifyPage(s.shell(r, "Second step"), views.MFAForm{Error: msg}))
	}
	ok, hits, err := s.checkSecondFactor(ctx, u, r.PostFormValue("code"))
	if err != nil {
		return err
	}
	if hits == nil {
		w.Header().Set("Retry-After", fmt.Sprint(int(loginWindow.Seconds())))
		return page(http.StatusTooManyRequests, msgCodeThrottled)
	}
	if !ok {
		return page(http.StatusUnprocessableEntity, msgBadCode)
	}
	next := s.sessions.GetString(ctx, sessMFANext)
	s.sessions.Remove(ctx, sessMFAUser)
	s.sessions.Remove(ctx, sessMFAAt)
	s.sessions.Remove(ctx, sessMFANext)
	return s.signIn(w, r, u, next, true)
}

// checkSecondFactor checks a code against the user's factor, throttled per
// user (mfa:user:ID). hits is nil when throttled. A wrong code is audited.
func (s *Server) checkSecondFactor(ctx context.Context, u store.User, code string) (bool, []int64, error) {
	key := fmt.Sprintf("mfa:user:%d", u.ID)
	_, hits, err := s.store.TakeAttempt(ctx, loginWindow, []string{key}, func(c map[string]int) bool {
		return c[key] < s.cfg.LoginFailures
	})
	if err != nil || hits == nil {
		return false, nil, err
	}
	ok, how, err := s.useCode(ctx, u, code)
	if err != nil {
		return false, hits, err
	}
	if !ok {
		s.log.WarnContext(ctx, "second factor failed", "email", u.Email, "address", clientIPFrom(ctx), "request_id", requestID(ctx))
		return false, hits, s.store.Audit(ctx, u.Email, "user.mfa_failed", fmt.Sprintf("user:%d", u.ID), nil)
	}
	if err := s.store.ForgetHits(ctx, hits); err != nil {
		return false, hits, err
	}
	return true, hits, s.store.Audit(ctx, u.Email, "user.mfa_ok", fmt.Sprintf("user:%d", u.ID), map[string]any{"with": how})
}

// useCode spends a TOTP code or a recovery code of the user's.
func (s *Server) useCode(ctx context.Context, u store.User, code string) (bool, string, error) {
	code = strings.TrimSpace(code)
	if len(code) > 32 {
		return false, "", nil
	}
	t, err := s.store.UserTOTP(ctx, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return false, "", nil
	} else if err != nil {
		return false, "", err
	}
	if !t.Confirmed {
		return false, "", nil
	}
	if step := totpStep(t.Secret, code, time.Now()); step != 0 {
		ok, err := s.store.UseTOTPStep(ctx, u.ID, step)
		return ok, "totp", err
	}
	ok, err := s.store.UseRecoveryCode(ctx, u.ID, normalRecoveryCode(code))
	return ok, "recovery code", err
}

// normalRecoveryCode is a recovery code as kept: lower case, no spaces or
// dashes (people type them either way).
func normalRecoveryCode(c string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "-", "").Replace(c))
}

// newRecoveryCodes makes ten random recovery codes, shown as xxxxx-xxxxx
// (50 bits each).
func newRecoveryCodes() []string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	out := make([]string, 10)
	for i := range out {
		b := make([]byte, 10)
		_, _ = rand.Read(b)
		for j := range b {
			b[j] = alphabet[int(b[j])%len(alphabet)]
		}
		out[i] = string(b[:5]) + "-" + string(b[5:])
	}
	return out
}

// totpEnrolShow handles GET /account/security/totp: the set-up page of an
// unconfirmed authenticator key (made now when there is none).
func (s *Server) totpEnrolShow(w http.ResponseWriter, r *http.Request) error {
	return s.totpEnrolPage(w, r, http.StatusOK, "")
}

// totpEnrolStart handles POST /account/security/totp: a fresh key, then the
// set-up page.
func (s *Server) totpEnrolStart(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := currentUser(ctx)
	if err := s.newTOTPKey(ctx, u); err != nil {
		return err
	}
	redirectAfterPost(w, r, "/account/security/totp")
	return nil
}

func (s *Server) newTOTPKey(ctx context.Context, u *store.User) error {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Switchboard", AccountName: u.Email})
	if err != nil {
		return err
	}
	err = s.store.StartTOTP(ctx, u.ID, key.Secret())
	if errors.Is(err, store.ErrConflict) {
		return apiError{http.StatusConflict, "An authenticator app is already on for your account."}
	}
	return err
}

func (s *Server) totpEnrolPage(w http.ResponseWriter, r *http.Request, status int, msg string) error {
	ctx := r.Context()
	u := currentUser(ctx)
	t, err := s.store.UserTOTP(ctx, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		if err := s.newTOTPKey(ctx, u); err != nil {
			return err
		}
		t, err = s.store.UserTOTP(ctx, u.ID)
	}
	if err != nil {
		return err
	}
	if t.Confirmed {
		http.Redirect(w, r, "/account/security", http.StatusSeeOther)
		return nil
	}
	key, err := otp.NewKeyFromURL(fmt.Sprintf("otpauth://totp/%s?secret=%s&issuer=Switchboard",
		url.PathEscape("Switchboard:"+u.Email), t.Secret))
	if err != nil {
		return err
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	d := views.TOTPEnrol{
		QR: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), URI: key.URL(), Secret: t.Secret,
		Required: s.mfaRequired(u.Role), Error: msg,
	}
	return s.render(w, r, status, views.TOTPEnrolPage(s.shell(r, "Set up an authenticator app"), d))
}

// totpEnrolConfirm handles POST /account/security/totp/confirm (code): a
// right code turns the factor on and shows ten recovery codes, once.
func (s *Server) totpEnrolConfirm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := currentUser(ctx)
	t, err := s.store.UserTOTP(ctx, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		redirectAfterPost(w, r, "/account/security/totp")
		return nil
	} else if err != nil {
		return err
	}
	if t.Confirmed {
		redirectAfterPost(w, r, "/account/security")
		return nil
	}
	step := totpStep(t.Secret, r.PostFormValue("code"), time.Now())
	if step == 0 {
		return s.totpEnrolPage(w, r, http.StatusUnprocessableEntity, msgBadCode)
	}
	codes := newRecoveryCodes()
	kept := make([]string, len(codes))
	for i, c := range codes {
		kept[i] = normalRecoveryCode(c)
	}
	if err := s.store.ConfirmTOTP(ctx, u.ID, step, u.Email, kept); errors.Is(err, store.ErrConflict) {
		return s.totpEnrolPage(w, r, http.StatusUnprocessableEntity, msgBadCode)
	} else if err != nil {
		return err
	}
	// The code just checked is a fresh second factor.
	s.sessions.Put(ctx, sessStepUpAt, time.Now().UnixMicro())
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, http.StatusOK, views.RecoveryCodesPage(s.shell(r, "Your recovery codes"), codes))
}
