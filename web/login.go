package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

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

// loginSubmit handles POST /login: email and password. Failures are counted
// in Postgres (so every instance sees them) per client address, per account
// and address, and per account: an address past its limit waits, and so does
// an account and address pair; an account past its limit from all addresses
// together is slowed (each attempt waits LoginSlowdown) and refuses the
// addresses that failed on it, but the right password from an address with
// no recent failures still signs in, so nobody can lock the owner out.
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	form := views.LoginForm{Email: email, Next: safeNext(r.PostFormValue("next"))}
	if len(email) > 320 || len(password) > 4*store.PasswordMaxChars {
		form.Email, form.Error = "", msgBadLogin
		return s.render(w, r, http.StatusUnprocessableEntity, views.LoginPage(s.shell(r, "Sign in"), form))
	}
	keys := newLoginKeys(email, clientIP(r))
	counts, err := s.store.HitCounts(ctx, loginWindow, keys.all()...)
	if err != nil {
		return err
	}
	if s.loginThrottled(counts, keys) {
		s.log.WarnContext(ctx, "sign-in throttled", "address", keys.addr)
		form.Error = msgThrottled
		w.Header().Set("Retry-After", fmt.Sprint(int(loginWindow.Seconds())))
		return s.render(w, r, http.StatusTooManyRequests, views.LoginPage(s.shell(r, "Sign in"), form))
	}
	if counts[keys.account] >= s.cfg.LoginFailures {
		// Under attack: every attempt on the account waits, right or wrong,
		// so the wait says nothing about the password.
		select {
		case <-time.After(s.cfg.LoginSlowdown):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	u, ok, err := s.authenticate(ctx, email, password)
	if err != nil {
		return err
	}
	if !ok {
		if err := s.store.RecordHits(ctx, keys.all()...); err != nil {
			return err
		}
		form.Error = msgBadLogin
		return s.render(w, r, http.StatusUnprocessableEntity, views.LoginPage(s.shell(r, "Sign in"), form))
	}
	// A new token at sign-in: a token planted before it is worth nothing after.
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, sessUserID, u.ID)
	s.sessions.Put(ctx, sessRole, u.Role)
	s.sessions.Put(ctx, sessAuthAt, time.Now().UnixMicro())
	if err := s.store.Audit(ctx, u.Email, "user.login", fmt.Sprintf("user:%d", u.ID), map[string]any{"address": keys.addr}); err != nil {
		return err
	}
	http.Redirect(w, r, landing(&u, form.Next), http.StatusSeeOther)
	return nil
}

// loginKeys are the throttle keys of one sign-in attempt.
type loginKeys struct{ addr, pair, account string }

func newLoginKeys(email, addr string) loginKeys {
	acct := strings.ToLower(email)
	return loginKeys{addr: "login:addr:" + addr, pair: "login:pair:" + addr + "|" + acct, account: "login:acct:" + acct}
}

func (k loginKeys) all() []string { return []string{k.addr, k.pair, k.account} }

// loginThrottled reports whether an attempt is refused: its address has used
// up its failures (four times an account's, over all accounts), or this
// account from this address, or the account is under attack and this address
// is among those that failed on it.
func (s *Server) loginThrottled(counts map[string]int, k loginKeys) bool {
	n := s.cfg.LoginFailures
	return counts[k.addr] >= 4*n || counts[k.pair] >= n || (counts[k.account] >= n && counts[k.pair] > 0)
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

// landing is where a user goes after signing in.
func landing(u *store.User, next string) string {
	if next != "" {
		return next
	}
	return home(u.Role)
}

// home is each role's landing page: sellers have their own, staff the overview.
func home(role string) string {
	if role == store.UserSeller {
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
