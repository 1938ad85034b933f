package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
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
// in Postgres (so every instance sees them) per client address and its /64
// (IPv6), per account and address (or /64), and per account: an address past
// its limit waits, and so does an account and address pair; an account past
// its limit from all addresses together is slowed (each attempt waits
// LoginSlowdown) and refuses the addresses that failed on it, but the right
// password from an address with no recent failures still signs in, so nobody
// can lock the owner out. The decision and the attempt's count are one step
// (TakeAttempt): attempts sent at once are decided one after another. The
// password check itself runs in a bounded hashing slot.
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
	counts, hits, err := s.store.TakeAttempt(ctx, loginWindow, keys.all(), func(c map[string]int) bool {
		return !s.loginThrottled(c, keys)
	})
	if err != nil {
		return err
	}
	if hits == nil {
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
	if errors.Is(err, errHashBusy) {
		// Not checked, so not a failure: give the attempt's place back.
		w.Header().Set("Retry-After", "1")
		return errors.Join(s.store.ForgetHits(context.WithoutCancel(ctx), hits), err)
	}
	if err != nil {
		return err
	}
	if !ok {
		if err := s.loginFailed(ctx, email, u); err != nil {
			return err
		}
		form.Error = msgBadLogin
		return s.render(w, r, http.StatusUnprocessableEntity, views.LoginPage(s.shell(r, "Sign in"), form))
	}
	if err := s.store.ForgetHits(ctx, hits); err != nil {
		return err
	}
	has, err := s.store.HasSecondFactor(ctx, u.ID)
	if err != nil {
		return err
	}
	if has {
		return s.loginSecondStep(w, r, u, form.Next)
	}
	return s.signIn(w, r, u, form.Next, false)
}

// signIn signs a user in whose password (and second factor, mfa) checked:
// a new session token, the session's row in user_sessions, an audit entry.
// The sign-in counts as a fresh step-up (the password, or the second factor,
// was just checked).
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, u store.User, next string, mfa bool) error {
	ctx := r.Context()
	// A new token at sign-in: a token planted before it is worth nothing after.
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	now, sid := time.Now(), newSID()
	s.sessions.Put(ctx, sessUserID, u.ID)
	s.sessions.Put(ctx, sessRole, u.Role)
	s.sessions.Put(ctx, sessAuthAt, now.UnixMicro())
	s.sessions.Put(ctx, sessSID, sid)
	s.sessions.Put(ctx, sessStepUpAt, now.UnixMicro())
	if err := s.store.CreateUserSession(ctx, u.ID, sid, now, clientIP(r), r.UserAgent(), s.sessions.IdleTimeout, s.sessions.Lifetime); err != nil {
		return err
	}
	if err := s.store.Audit(ctx, u.Email, "user.login", fmt.Sprintf("user:%d", u.ID), map[string]any{"second_factor": mfa}); err != nil {
		return err
	}
	http.Redirect(w, r, landing(&u, next), http.StatusSeeOther)
	return nil
}

// loginFailed records a failed sign-in: a log line and an audit entry (the
// address, user agent and request ID come with every entry), never the
// password. u is the user the email named, or zero when it names nobody.
func (s *Server) loginFailed(ctx context.Context, email string, u store.User) error {
	subject, detail := "login:"+strings.ToLower(email), map[string]any{"reason": "unknown email"}
	if u.ID != 0 {
		subject, detail["reason"] = fmt.Sprintf("user:%d", u.ID), "wrong password"
		if u.DisabledAt != nil {
			detail["reason"] = "disabled user"
		}
	}
	s.log.WarnContext(ctx, "sign-in failed", "email", email, "reason", detail["reason"], "address", clientIPFrom(ctx),
		"request_id", requestID(ctx))
	return s.store.Audit(ctx, email, "user.login_failed", subject, detail)
}

// loginKeys are the throttle keys of one sign-in attempt: the address, its
// network (the /64 of an IPv6 address, whose owner can use any address in
// it; the address itself for IPv4), each with the account, and the account.
type loginKeys struct{ ip, addr, net, pair, pairNet, account string }

func newLoginKeys(email, ip string) loginKeys {
	acct := strings.ToLower(email)
	k := loginKeys{ip: ip, addr: "login:addr:" + ip, pair: "login:pair:" + ip + "|" + acct, account: "login:acct:" + acct}
	k.net, k.pairNet = k.addr, k.pair
	if net := clientNetwork(ip); net != ip {
		k.net, k.pairNet = "login:net:"+net, "login:pairnet:"+net+"|"+acct
	}
	return k
}

// all is every distinct key (an IPv4 address is its own network).
func (k loginKeys) all() []string {
	keys := []string{k.addr, k.pair, k.account}
	if k.net != k.addr {
		keys = append(keys, k.net, k.pairNet)
	}
	return keys
}

// clientNetwork is the network a client address stands for in throttles:
// the /64 of an IPv6 address (one subscriber's, who can rotate through all
// of it), or the address itself.
func clientNetwork(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Unmap().Is6() {
		return ip
	}
	return netip.PrefixFrom(a.Unmap(), 64).Masked().String()
}

// loginThrottled reports whether an attempt is refused: its address or /64
// has used up its failures (four times an account's, over all accounts), or
// this account from this address or /64, or the account is under attack and
// this address's /64 is among those that failed on it.
func (s *Server) loginThrottled(counts map[string]int, k loginKeys) bool {
	n := s.cfg.LoginFailures
	return counts[k.addr] >= 4*n || counts[k.net] >= 4*n || counts[k.pair] >= n || counts[k.pairNet] >= n ||
		(counts[k.account] >= n && counts[k.pairNet] > 0)
}

// authenticate checks an email and password in a hashing slot. Unknown,
// disabled and wrong all answer false, after the same work (with the user
// the email names, for the audit log); no free slot in time is errHashBusy.
func (s *Server) authenticate(ctx context.Context, email, password string) (store.User, bool, error) {
	u, err := s.store.UserByEmail(ctx, email)
	known := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.User{}, false, err
	}
	hash := dummyHash()
	if known {
		hash = u.PasswordHash
	}
	var match bool
	if err := s.withHashSlot(ctx, func() { match = store.CheckPassword(hash, password) }); err != nil {
		return store.User{}, false, err
	}
	if !known || !match || u.DisabledAt != nil {
		return u, false, nil // zero when unknown: loginFailed says which
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
