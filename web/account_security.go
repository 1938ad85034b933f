package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

// newSID is a session's own random ID, kept in its data and in user_sessions.
func newSID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// accountSecurityShow handles GET /account/security: the user's sessions and
// the password change form.
func (s *Server) accountSecurityShow(w http.ResponseWriter, r *http.Request) error {
	return s.accountSecurityPage(w, r, http.StatusOK, views.PasswordForm{})
}

func (s *Server) accountSecurityPage(w http.ResponseWriter, r *http.Request, status int, f views.PasswordForm) error {
	ctx := r.Context()
	ss, err := s.store.UserSessions(ctx, currentUser(ctx).ID, s.sessions.IdleTimeout, s.sessions.Lifetime)
	if err != nil {
		return err
	}
	d := views.AccountSecurityData{Password: f}
	if d.HasTOTP, err = s.store.HasSecondFactor(ctx, currentUser(ctx).ID); err != nil {
		return err
	}
	if d.HasTOTP {
		if d.RecoveryLeft, err = s.store.RecoveryCodesLeft(ctx, currentUser(ctx).ID); err != nil {
			return err
		}
	}
	sid := s.sessions.GetString(ctx, sessSID)
	for _, us := range ss {
		d.Sessions = append(d.Sessions, views.SessionView{Session: us, Current: us.SID == sid})
	}
	return s.render(w, r, status, views.AccountSecurityPage(s.shell(r, "Account security"), d))
}

// accountSessionRevoke handles POST /account/security/sessions/{id}/revoke:
// signs out one of the user's own sessions (this one too: then to sign-in).
func (s *Server) accountSessionRevoke(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	u := currentUser(ctx)
	ended, err := s.store.EndUserSession(ctx, u.ID, id, u.Email)
	if errors.Is(err, store.ErrNotFound) {
		return notFound()
	} else if err != nil {
		return err
	}
	if ended.SID == s.sessions.GetString(ctx, sessSID) {
		if err := s.endSession(ctx); err != nil {
			return err
		}
		redirectAfterPost(w, r, "/login")
		return nil
	}
	s.flash(ctx, "ok", "That session is signed out ("+views.DeviceName(ended.UserAgent)+", "+ended.Address+").")
	redirectAfterPost(w, r, "/account/security")
	return nil
}

// accountSessionsRevokeOthers handles POST
// /account/security/sessions/revoke-others: signs out every session of the
// user but this one.
func (s *Server) accountSessionsRevokeOthers(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := currentUser(ctx)
	n, err := s.store.EndOtherUserSessions(ctx, u.ID, s.sessions.GetString(ctx, sessSID), u.Email)
	if err != nil {
		return err
	}
	s.flash(ctx, "ok", fmt.Sprintf("Signed out everywhere else (%d sessions).", n))
	redirectAfterPost(w, r, "/account/security")
	return nil
}

// accountPasswordChange handles POST /account/security/password (current,
// new, confirm): the current password is checked (throttled like sign-in,
// per user), the new one must pass the password policy; then every other
// session of the user ends and this one stays signed in.
func (s *Server) accountPasswordChange(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := currentUser(ctx)
	current, pw := r.PostFormValue("current"), r.PostFormValue("new")
	refuse := func(msg string) error {
		return s.accountSecurityPage(w, r, http.StatusUnprocessableEntity, views.PasswordForm{Error: msg})
	}
	switch {
	case current == "" || len(current) > 4*store.PasswordMaxChars:
		return refuse("Type your current password.")
	case pw != r.PostFormValue("confirm"):
		return refuse("The new password and its repetition differ.")
	}
	if msg := store.PasswordProblem(pw, u.Email); msg != "" {
		return refuse(msg)
	}
	ok, err := s.checkCurrentPassword(ctx, u, current)
	if err != nil {
		return err
	}
	if !ok {
		return refuse("That is not your current password.")
	}
	var hash string
	if herr := s.withHashSlot(ctx, func() { hash, err = store.HashPassword(pw) }); herr != nil {
		return herr
	}
	if err != nil {
		return err
	}
	nu, err := s.store.ChangePassword(ctx, u.ID, hash, s.sessions.GetString(ctx, sessSID))
	if err != nil {
		return err
	}
	// This session proves the new password: it is signed in as of the
	// change (the others, older, end), under a new token.
	deadline := s.sessions.Deadline(ctx)
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.SetDeadline(ctx, deadline)
	s.sessions.Put(ctx, sessAuthAt, nu.SessionsValidAfter.UnixMicro())
	s.flash(ctx, "ok", "Your password is changed; your other sessions are signed out.")
	redirectAfterPost(w, r, "/account/security")
	return nil
}

// checkCurrentPassword checks a signed-in user's password, throttled per
// user like sign-in (a stolen session must not become a password oracle);
// a wrong one is audited as a failed sign-in.
func (s *Server) checkCurrentPassword(ctx context.Context, u *store.User, password string) (bool, error) {
	key := fmt.Sprintf("password:user:%d", u.ID)
	_, hits, err := s.store.TakeAttempt(ctx, loginWindow, []string{key}, func(c map[string]int) bool {
		return c[key] < s.cfg.LoginFailures
	})
	if err != nil {
		return false, err
	}
	if hits == nil {
		return false, apiError{http.StatusTooManyRequests, msgThrottled}
	}
	var match bool
	if err := s.withHashSlot(ctx, func() { match = store.CheckPassword(u.PasswordHash, password) }); err != nil {
		return false, errors.Join(s.store.ForgetHits(context.WithoutCancel(ctx), hits), err)
	}
	if !match {
		return false, s.loginFailed(ctx, u.Email, *u)
	}
	return true, s.store.ForgetHits(ctx, hits)
}
