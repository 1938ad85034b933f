package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/store"
)

// Access rules in the route table. Console routes name the roles they admit,
// space-separated ("admin support"); accessLogin is a console page open to
// everyone (the sign-in form).
const (
	accessPublic = "public" // no session: health, metrics, static files
	accessStripe = "stripe" // Stripe's signature
	accessToken  = "token"  // bearer API token
	accessBasic  = "basic"  // HTTP basic auth (the inbound-email webhook)
	accessLogin  = "login"  // console page anyone may open
)

// Console role sets used by the route table.
const (
	roleAdmin      = store.UserAdmin
	roleStaff      = store.UserAdmin + " " + store.UserSupport
	roleSellerView = store.UserAdmin + " " + store.UserSeller
	roleAnyone     = store.UserAdmin + " " + store.UserSupport + " " + store.UserSeller
)

// allows reports whether an access rule admits a signed-in role.
func allows(access, role string) bool {
	return role != "" && slices.Contains(strings.Fields(access), role)
}

// currentUser is the signed-in user, or nil.
func currentUser(ctx context.Context) *store.User {
	u, _ := ctx.Value(keyUser).(*store.User)
	return u
}

// loadUser puts the session's user in the context. A user who was disabled or
// removed is signed out at once; a user whose role changed since sign-in gets
// a new session token before the new role applies.
func (s *Server) loadUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id := s.sessions.GetInt64(ctx, sessUserID)
		if id == 0 {
			next.ServeHTTP(w, r)
			return
		}
		u, err := s.store.UserByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (u.DisabledAt != nil || s.sessionReset(ctx, u))) {
			if err := s.endSession(ctx); err != nil {
				s.fail(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if live, err := s.liveSession(r, u); err != nil {
			s.fail(w, r, err)
			return
		} else if !live { // signed out from /account/security elsewhere
			if err := s.endSession(ctx); err != nil {
				s.fail(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if s.sessions.GetString(ctx, sessRole) != u.Role {
			// Keep the absolute deadline: a role change renews the token, not the lifetime.
			deadline := s.sessions.Deadline(ctx)
			if err := s.sessions.RenewToken(ctx); err != nil {
				s.fail(w, r, err)
				return
			}
			s.sessions.SetDeadline(ctx, deadline)
			s.sessions.Put(ctx, sessRole, u.Role)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, keyUser, &u)))
	})
}

// liveSession reports whether the session is still among the user's sessions
// (user_sessions), noting that it was seen now. A session from before the
// list existed has no ID yet: it is given one, as a sign-in would.
func (s *Server) liveSession(r *http.Request, u store.User) (bool, error) {
	ctx := r.Context()
	sid := s.sessions.GetString(ctx, sessSID)
	if sid == "" {
		sid = newSID()
		authAt := time.UnixMicro(s.sessions.GetInt64(ctx, sessAuthAt))
		if err := s.store.CreateUserSession(ctx, u.ID, sid, authAt, clientIP(r), r.UserAgent(), s.sessions.IdleTimeout, s.sessions.Lifetime); err != nil {
			return false, err
		}
		s.sessions.Put(ctx, sessSID, sid)
		return true, nil
	}
	return s.store.TouchUserSession(ctx, u.ID, sid, clientIP(r), r.UserAgent())
}

// sessionReset reports whether the user's password was reset after this
// session signed in.
func (s *Server) sessionReset(ctx context.Context, u store.User) bool {
	return u.SessionsValidAfter != nil && s.sessions.GetInt64(ctx, sessAuthAt) < u.SessionsValidAfter.UnixMicro()
}

// requireRole admits signed-in users with one of the roles. Signed out, a page
// answers 303 to the sign-in form (htmx gets HX-Redirect); signed in without
// the role, 403.
func (s *Server) requireRole(roles []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := currentUser(r.Context())
		if u == nil {
			to := "/login"
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				to += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			if isHTMX(r) {
				w.Header().Set("HX-Redirect", to)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		if !slices.Contains(roles, u.Role) {
			if h := home(u.Role); r.Method == http.MethodGet && r.URL.Path == "/" && h != "/" {
				// The bare address is everyone's way in: a role with a home of
				// its own lands there instead of on a refusal.
				http.Redirect(w, r, h, http.StatusSeeOther)
				return
			}
			s.fail(w, r, apiError{http.StatusForbidden, "Your role (" + u.Role + ") does not open this page."})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// endSession signs out: the session leaves the user's list, the old token
// is deleted and its data cleared.
func (s *Server) endSession(ctx context.Context) error {
	if sid := s.sessions.GetString(ctx, sessSID); sid != "" {
		if err := s.store.DeleteUserSession(ctx, sid); err != nil {
			return err
		}
	}
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	return s.sessions.Clear(ctx)
}

// csrfDenied answers an unsafe request from another site.
func (s *Server) csrfDenied(w http.ResponseWriter, r *http.Request) {
	s.log.WarnContext(r.Context(), "cross-origin request refused", "method", r.Method, "path", r.URL.Path,
		"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
	http.Error(w, "Cross-site request refused: submit the form from the Switchboard console itself.", http.StatusForbidden)
}

// safeNext returns next when it is a path on this site, else "".
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n\t") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil ||
		u.Path == "/login" || u.Path == "/logout" {
		return ""
	}
	return next
}
