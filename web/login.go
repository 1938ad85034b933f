package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/httprate"

	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

// loginWindow is the period failed sign-ins are counted over.
const loginWindow = 15 * time.Minute

const (
	msgBadLogin  = "That email and password do not match an active account."
	msgThrottled = "Too many failed sign-ins for this account or from this address. Wait 15 minutes and try again."
)

// dummyHash is checked against when the email is unknown, so an unknown user
// costs the same argon2id work as a known one.
var dummyHash = sync.OnceValue(func() string {
	h, err := store.HashPassword("switchboard: no such user, equal timing")
	if err != nil {
		panic(err)
	}
	return h
})

// loginShow handles GET /login.
func (s *Server) loginShow(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if u := currentUser(r.Context()); u != nil {
		http.Redirect(w, r, landing(u, next), http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, views.LoginPage(s.shell(r, "Sign in"), views.LoginForm{Next: next}))
}

// loginSubmit handles POST /login: email and password. Failures count per
// account and per client address; past the limit even a right password waits.
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	email := strings.TrimSpace(r.PostFormValue("email"))
	form := views.LoginForm{Email: email, Next: safeNext(r.PostFormValue("next"))}
	acctKey, addrKey := "account:"+strings.ToLower(email), "address:"+clientIP(r)
	if s.loginThrottled(acctKey, addrKey) {
		s.log.WarnContext(ctx, "sign-in throttled", "address", clientIP(r))
		form.Error = msgThrottled
		w.Header().Set("Retry-After", fmt.Sprint(int(loginWindow.Seconds())))
		return s.render(w, r, http.StatusTooManyRequests, views.LoginPage(s.shell(r, "Sign in"), form))
	}
	u, ok, err := s.authenticate(ctx, email, r.PostFormValue("password"))
	if err != nil {
		return err
	}
	if !ok {
		s.loginAccount.OnLimit(discardHeaders{}, r, acctKey)
		s.loginAddress.OnLimit(discardHeaders{}, r, addrKey)
		form.Error = msgBadLogin
		return s.render(w, r, http.StatusUnprocessableEntity, views.LoginPage(s.shell(r, "Sign in"), form))
	}
	// A new token at sign-in: a token planted before it is worth nothing after.
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, sessUserID, u.ID)
	s.sessions.Put(ctx, sessRole, u.Role)
	if err := s.store.Audit(ctx, u.Email, "user.login", fmt.Sprintf("user:%d", u.ID), map[string]any{"address": clientIP(r)}); err != nil {
		return err
	}
	http.Redirect(w, r, landing(&u, form.Next), http.StatusSeeOther)
	return nil
}

// authenticate checks an email and password. Unknown, disabled and wrong all
// answer the same, after the same work.
func (s *Server) authenticate(ctx context.Context, email, password string) (store.User, bool, error) {
	u, err := s.store.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		store.CheckPassword(dummyHash(), password)
		return store.User{}, false, nil
	}
	if err != nil {
		return store.User{}, false, err
	}
	if !store.CheckPassword(u.PasswordHash, password) || u.DisabledAt != nil {
		return store.User{}, false, nil
	}
	return u, true, nil
}

// loginThrottled reports whether the account or the address has used up its
// failed sign-ins.
func (s *Server) loginThrottled(acctKey, addrKey string) bool {
	return overLimit(s.loginAccount, acctKey, s.cfg.LoginFailures) || overLimit(s.loginAddress, addrKey, 4*s.cfg.LoginFailures)
}

func overLimit(l *httprate.RateLimiter, key string, limit int) bool {
	_, rate, err := l.Status(key)
	return err == nil && rate >= float64(limit)
}

// landing is where a user goes after signing in.
func landing(u *store.User, next string) string {
	switch {
	case next != "":
		return next
	case u.Role == store.UserSeller:
		return "/seller/"
	}
	return "/"
}

// logout handles POST /logout.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := currentUser(ctx)
	if err := s.endSession(ctx); err != nil {
		return err
	}
	s.flash(ctx, "ok", "You are signed out.")
	if err := s.store.Audit(ctx, u.Email, "user.logout", fmt.Sprintf("user:%d", u.ID), nil); err != nil {
		return err
	}
	redirectAfterPost(w, r, "/login")
	return nil
}

// discardHeaders lets the rate limiter count without writing headers.
type discardHeaders struct{}

func (discardHeaders) Header() http.Header         { return http.Header{} }
func (discardHeaders) Write(b []byte) (int, error) { return len(b), nil }
func (discardHeaders) WriteHeader(int)             {}
