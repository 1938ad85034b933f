package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"

	"github.com/switchboardhq/switchboard/store"
)

// Session keys.
const (
	sessUserID = "user_id"
	sessRole   = "role"
	sessFlash  = "flash"
	sessFlashK = "flash_kind"
	// sessAuthAt is when the user signed in (Unix microseconds): a password
	// reset after it ends the session.
	sessAuthAt = "auth_at"
	// sessSID is the session's own ID in user_sessions (the list on
	// /account/security): a session whose row is gone is signed out.
	sessSID = "sid"
	// sessStepUpAt is when the session last proved its second factor (or
	// the password, for a user without one): step-up actions need it
	// recent.
	sessStepUpAt = "step_up_at"
)

// SessionCookie is the console's session cookie name over http; over https
// it is SecureSessionCookie.
const SessionCookie = "switchboard_session"

// SecureSessionCookie is the session cookie's name when BASE_URL is https:
// the __Host- prefix makes browsers refuse it unless it is Secure, for this
// host only (no Domain) and for every path, so a sibling subdomain or a
// plain-http page cannot plant or shadow it.
const SecureSessionCookie = "__Host-" + SessionCookie

// newSessions builds the session manager over Postgres (the sessions table).
func newSessions(st *store.Store, cfg Config, log *slog.Logger) (*scs.SessionManager, *pgxstore.PostgresStore) {
	ps := pgxstore.NewWithConfig(st.Pool(), pgxstore.Config{CleanUpInterval: 5 * time.Minute})
	sm := scs.New()
	sm.Store = hashedStore{ps}
	sm.IdleTimeout = cfg.SessionIdle
	if sm.IdleTimeout == 0 {
		sm.IdleTimeout = 30 * time.Minute
	}
	sm.Lifetime = cfg.SessionLifetime
	if sm.Lifetime == 0 {
		sm.Lifetime = 12 * time.Hour
	}
	sm.Cookie.Name = SessionCookie
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = isHTTPS(cfg.BaseURL)
	sm.Cookie.Path = "/"
	if sm.Cookie.Secure {
		sm.Cookie.Name = SecureSessionCookie
	}
	// A session cookie (no Max-Age): closing the browser signs out; the
	// server-side timeouts hold either way.
	sm.Cookie.Persist = false
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		log.ErrorContext(r.Context(), "session store", "err", err, "request_id", requestID(r.Context()))
		http.Error(w, "The session store is unavailable; try again in a moment.", http.StatusServiceUnavailable)
	}
	return sm, ps
}

// flash leaves a message for the next page the user sees.
func (s *Server) flash(ctx context.Context, kind, msg string) {
	s.sessions.Put(ctx, sessFlashK, kind)
	s.sessions.Put(ctx, sessFlash, msg)
}
