package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
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
)

// SessionCookie is the console's session cookie name.
const SessionCookie = "switchboard_session"

// newSessions builds the session manager over Postgres (the sessions table).
func newSessions(st *store.Store, cfg Config, log *slog.Logger) (*scs.SessionManager, *pgxstore.PostgresStore) {
	ps := pgxstore.NewWithConfig(st.Pool(), pgxstore.Config{CleanUpInterval: 5 * time.Minute})
	sm := scs.New()
	sm.Store = ps
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
	sm.Cookie.Secure = strings.HasPrefix(strings.ToLower(cfg.BaseURL), "https://")
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
