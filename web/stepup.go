package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/views"
)

// stepUpFor is how long a proved second factor (or password, for a user
// without one) opens step-up actions.
const stepUpFor = 5 * time.Minute

// stepUpFresh reports whether the session proved its factor within stepUpFor.
func (s *Server) stepUpFresh(r *http.Request) bool {
	at := s.sessions.GetInt64(r.Context(), sessStepUpAt)
	return at != 0 && time.Since(time.UnixMicro(at)) < cmp.Or(s.cfg.StepUpFor, stepUpFor)
}

// requireStepUp guards a route's state changes (every method but GET and
// HEAD): without a fresh factor the request is not run; a form gets the
// step-up page, which keeps the form's values and, once the code (or
// password) checks, posts them again to where they were going. Other
// requests (River UI's JSON API) get 401 and are told where to confirm.
// With onConfirm, only the confirmed request (confirm=yes) is guarded: the
// step before it only shows what would happen.
func (s *Server) requireStepUp(onConfirm bool, h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || s.stepUpFresh(r) ||
			(onConfirm && r.PostFormValue("confirm") != "yes") {
			return h(w, r)
		}
		if isHTMX(r) {
			// A fragment swap has no room for the step-up page: the
			// whole page goes there, and comes back here after.
			back := "/"
			if cu, err := url.Parse(r.Header.Get("HX-Current-URL")); err == nil && safeNext(cu.RequestURI()) != "" {
				back = cu.RequestURI()
			}
			w.Header().Set("HX-Redirect", "/account/step-up?next="+url.QueryEscape(back))
			w.WriteHeader(http.StatusUnauthorized)
			return nil
		}
		ct := r.Header.Get("Content-Type")
		if r.Method != http.MethodPost || (ct != "" && !strings.HasPrefix(ct, "application/x-www-form-urlencoded") &&
			!strings.HasPrefix(ct, "multipart/form-data")) {
			return apiError{http.StatusUnauthorized, "Confirm it is you first: open /account/step-up, then try again within 5 minutes."}
		}
		return s.stepUpPage(w, r, http.StatusUnauthorized, r.URL.RequestURI(), formFields(r), "")
	}
}

// formFields are a posted form's values in a stable order.
func formFields(r *http.Request) []views.Field {
	var out []views.Field
	keys := make([]string, 0, len(r.PostForm))
	for k := range r.PostForm {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch k {
		case "stepup_next", "stepup_code", "stepup_password":
			continue
		}
		for _, v := range r.PostForm[k] {
			out = append(out, views.Field{Name: k, Value: v})
		}
	}
	return out
}

func (s *Server) stepUpPage(w http.ResponseWriter, r *http.Request, status int, next string, fields []views.Field, msg string) error {
	ctx := r.Context()
	has, err := s.store.HasSecondFactor(ctx, currentUser(ctx).ID)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	d := views.StepUp{Next: next, Fields: fields, Code: has, Error: msg}
	return s.render(w, r, status, views.StepUpPage(s.shell(r, "Confirm it is you"), d))
}

// stepUpShow handles GET /account/step-up?next=: the form on its own.
func (s *Server) stepUpShow(w http.ResponseWriter, r *http.Request) error {
	return s.stepUpPage(w, r, http.StatusOK, safeNext(r.URL.Query().Get("next")), nil, "")
}

// stepUpSubmit handles POST /account/step-up: stepup_code (a user with a
// second factor) or stepup_password (without one), stepup_next and the
// original form's fields. When it checks, the session's step-up is fresh and
// the page offers the original action again, its values kept.
func (s *Server) stepUpSubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := currentUser(ctx)
	next, fields := safeNext(r.PostFormValue("stepup_next")), formFields(r)
	has, err := s.store.HasSecondFactor(ctx, u.ID)
	if err != nil {
		return err
	}
	var ok bool
	if has {
		var hits []int64
		ok, hits, err = s.checkSecondFactor(ctx, *u, r.PostFormValue("stepup_code"))
		if err == nil && hits == nil {
			w.Header().Set("Retry-After", "900")
			return s.stepUpPage(w, r, http.StatusTooManyRequests, next, fields, msgCodeThrottled)
		}
	} else {
		ok, err = s.checkCurrentPassword(ctx, u, r.PostFormValue("stepup_password"))
	}
	if err != nil {
		return err
	}
	if !ok {
		msg := msgBadCode
		if !has {
			msg = "That is not your password."
		}
		return s.stepUpPage(w, r, http.StatusUnprocessableEntity, next, fields, msg)
	}
	s.sessions.Put(ctx, sessStepUpAt, time.Now().UnixMicro())
	if next == "" {
		redirectAfterPost(w, r, "/account/security")
		return nil
	}
	if len(fields) == 0 {
		redirectAfterPost(w, r, next)
		return nil
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, http.StatusOK, views.StepUpResumePage(s.shell(r, "Confirmed"), views.StepUp{Next: next, Fields: fields}))
}

// mfaRequired reports whether a role must have a second factor.
func (s *Server) mfaRequired(role string) bool {
	return slices.Contains(s.cfg.MFARequired, role)
}

// mfaEnrolOpen are the routes a user who must set up a second factor may use
// before it is done.
func mfaEnrolOpen(r *http.Request) bool {
	switch r.URL.Path {
	case "/logout", "/account/security/totp", "/account/security/totp/confirm":
		return true
	}
	return false
}

// requireEnrolment sends a user whose role needs a second factor and who has
// none to its set-up, whatever they open (signing out still works).
func (s *Server) requireEnrolment(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := currentUser(r.Context())
		if u == nil || !s.mfaRequired(u.Role) || mfaEnrolOpen(r) {
			next.ServeHTTP(w, r)
			return
		}
		has, err := s.store.HasSecondFactor(r.Context(), u.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if has {
			next.ServeHTTP(w, r)
			return
		}
		if isHTMX(r) {
			w.Header().Set("HX-Redirect", "/account/security/totp")
			w.WriteHeader(http.StatusForbidden)
			return
		}
		http.Redirect(w, r, "/account/security/totp", http.StatusSeeOther)
	})
}
