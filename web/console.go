package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/riverqueue/river/rivertype"

	"github.com/switchboardhq/switchboard/static"
	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

// handlerFunc is a console handler: it returns an error, and fail turns it
// into a status and a message.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// console wraps a console handler in its layers: session, cross-origin
// protection for unsafe methods, the signed-in user, the access rule, and the
// error adapter.
func (s *Server) console(access string, h handlerFunc) http.Handler {
	var next http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := formHasNUL(r); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
	if access != accessLogin {
		next = s.requireRole(strings.Fields(access), s.requireEnrolment(next))
	}
	return s.sessions.LoadAndSave(s.csrf.Handler(s.loadUser(next)))
}

// formHasNUL refuses a posted form that does not parse, or has a NUL byte
// or text that is not valid UTF-8 (%FF) in a name or value: Postgres cannot
// store or compare either. Every console form passes here (the query is
// checked for every route by the standard middleware).
func formHasNUL(r *http.Request) error {
	if r.Method != http.MethodPost {
		return nil
	}
	if err := r.ParseForm(); err != nil {
		return badRequest("The form could not be read: " + err.Error())
	}
	for k, vs := range r.PostForm {
		if !utf8.ValidString(k) {
			return badRequest("The form contains text that is not valid UTF-8; retype it and try again.")
		}
		for _, v := range vs {
			if strings.ContainsRune(v, 0) {
				return badRequest("The form contains a NUL character (%00); remove it and try again.")
			}
			if !utf8.ValidString(v) {
				return badRequest("The form contains text that is not valid UTF-8; retype it and try again.")
			}
		}
	}
	return nil
}

// fail is the one place a console error becomes a status and a message. It
// logs server errors once; htmx requests get the message in the flash area.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := errorStatus(err)
	if status == 0 {
		return // the client went away
	}
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "console request", "method", r.Method, "path", r.URL.Path, "err", err,
			"request_id", requestID(r.Context()))
		msg = "Something went wrong on our side (request " + requestID(r.Context()) + "). Try again, or look at the logs."
	}
	var ns needsSetup
	setup, admin := errors.As(err, &ns), allows(roleAdmin, userRole(r))
	if setup && !admin {
		msg += " An admin can set it up."
	}
	var c templ.Component
	if isHTMX(r) {
		w.Header().Set("HX-Retarget", "#flash")
		w.Header().Set("HX-Reswap", "innerHTML")
		c = views.FlashMessage(views.Flash{Kind: "error", Msg: msg})
	} else {
		var links []views.Link
		if setup && admin {
			links = append(links, views.Link{Href: "/setup#" + ns.integration, Label: "Set it up on the Setup page", TestID: "error-setup"})
		}
		if back := sameSiteReferer(r); back != "" {
			links = append(links, views.Link{Href: back, Label: "Back to the page you were on", TestID: "error-back"})
		}
		c = views.ErrorPage(s.shell(r, errorTitle(status)), status, msg, links)
	}
	if rerr := s.render(w, r, status, c); rerr != nil {
		s.log.ErrorContext(r.Context(), "rendering an error page", "err", rerr)
		http.Error(w, msg, status)
	}
}

// errorStatus maps an error to the status and message the user sees; 0 means
// nobody is listening.
func errorStatus(err error) (int, string) {
	var ae apiError
	switch {
	case errors.As(err, &ae):
		return ae.status, ae.msg
	case errors.As(err, new(needsSetup)):
		return http.StatusConflict, err.Error()
	case errors.Is(err, store.ErrNotFound), errors.Is(err, rivertype.ErrNotFound):
		return http.StatusNotFound, "There is nothing here: it does not exist, or not for you."
	case errors.Is(err, store.ErrConflict):
		return http.StatusConflict, "That already exists."
	case errors.Is(err, rivertype.ErrJobRunning):
		return http.StatusConflict, "The job is running right now; try again when it has finished."
	case errors.Is(err, context.Canceled):
		return 0, ""
	}
	return http.StatusInternalServerError, ""
}

// needsSetup refuses an action that needs an integration that is not set
// up; the error page links admins to that integration on the Setup page.
// Its message names no setting, since support staff read it too.
type needsSetup struct {
	integration string // the Setup page's anchor: stripe-api, crm, mail…
	msg         string
}

func (e needsSetup) Error() string { return e.msg }

// errorTitle is an error page's heading, in words a founder uses.
func errorTitle(status int) string {
	switch status {
	case http.StatusConflict:
		return "Not possible right now"
	case http.StatusForbidden:
		return "Not for your role"
	}
	return http.StatusText(status)
}

// sameSiteReferer is the console page a request came from, as a path ("" when
// it came from elsewhere, or from the failing page itself).
func sameSiteReferer(r *http.Request) string {
	u, err := url.Parse(r.Header.Get("Referer"))
	if err != nil || u.Host != r.Host || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") ||
		(u.Path == r.URL.Path && r.Method == http.MethodGet) {
		return ""
	}
	return u.RequestURI()
}

// userRole is the signed-in user's role ("" when signed out).
func userRole(r *http.Request) string {
	if u := currentUser(r.Context()); u != nil {
		return u.Role
	}
	return ""
}

// notFound is the console's 404 for objects that do not exist or are not the
// user's (never a 403 that would confirm they exist).
func notFound() error {
	return apiError{http.StatusNotFound, "There is nothing here: it does not exist, or not for you."}
}

// render writes a component with a status, rendering into a buffer first so
// that a template error becomes a clean 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "HX-Request")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// isHTMX reports whether htmx sent the request.
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// isPartial reports whether the request wants a fragment rather than a page.
func isPartial(r *http.Request) bool { return isHTMX(r) && r.Header.Get("HX-Boosted") != "true" }

// redirectAfterPost answers a non-htmx POST with 303 to a page.
func redirectAfterPost(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// shell is the layout data for a page.
func (s *Server) shell(r *http.Request, title string) views.Shell {
	ctx := r.Context()
	sh := views.Shell{Title: title, CSS: s.assets.css, JS: s.assets.js, NavJS: s.assets.nav, Icon: s.assets.icon}
	if u := currentUser(ctx); u != nil {
		sh.Email, sh.Role = u.Email, u.Role
		sh.Nav = s.nav(u.Role, r.URL.Path)
		if h := home(u.Role); h != "/" {
			sh.Home = h
		}
	}
	if msg := s.sessions.PopString(ctx, sessFlash); msg != "" {
		sh.Flash = views.Flash{Kind: s.sessions.PopString(ctx, sessFlashK), Msg: msg}
	}
	return sh
}

// navGroups are the navigation's pages in groups; each link shows only to
// roles its route admits, and a group with no link for the role is left out.
var navGroups = []struct {
	label string
	links []struct{ pattern, href, label string }
}{
	{"Work", []struct{ pattern, href, label string }{
		{"GET /{$}", "/", "Overview"},
		{"GET /events", "/events", "Events"},
		{"GET /jobs", "/jobs", "Jobs"},
		{"GET /alerts", "/alerts", "Alerts"},
		{"GET /deliveries", "/deliveries", "Deliveries"},
	}},
	{"Customers", []struct{ pattern, href, label string }{
		{"GET /customers", "/customers", "Customers"},
		{"GET /orders", "/orders", "Orders"},
		{"GET /disputes", "/disputes", "Disputes"},
		{"GET /tickets", "/tickets", "Tickets"},
		{"GET /outbox", "/outbox", "Outbox"},
	}},
	{"Sales", []struct{ pattern, href, label string }{
		{"GET /seller/{$}", "/seller/", "Sales"},
	}},
	{"Admin", []struct{ pattern, href, label string }{
		{"GET /setup", "/setup", "Setup"},
		{"GET /users", "/users", "Users"},
		{"GET /tokens", "/tokens", "Tokens"},
		{"GET /audit", "/audit", "Audit"},
		{"GET /settings", "/settings", "Settings"},
	}},
}

func (s *Server) nav(role, path string) []views.NavGroup {
	var groups []views.NavGroup
	for _, g := range navGroups {
		ng := views.NavGroup{Label: g.label}
		for _, l := range g.links {
			if !allows(s.access[l.pattern], role) {
				continue
			}
			cur := path == l.href || (l.href != "/" && strings.HasPrefix(path, l.href))
			ng.Current = ng.Current || cur
			ng.Items = append(ng.Items, views.NavItem{Href: l.href, Label: l.label, Current: cur})
		}
		if len(ng.Items) > 0 {
			groups = append(groups, ng)
		}
	}
	return groups
}

// assets are the versioned URLs of the embedded static files.
type assets struct{ css, js, nav, icon string }

func newAssets() assets {
	return assets{
		css:  "/static/" + static.Stylesheet + "?v=" + static.Version(static.Stylesheet),
		js:   "/static/" + static.HTMX + "?v=" + static.Version(static.HTMX),
		nav:  "/static/" + static.Nav + "?v=" + static.Version(static.Nav),
		icon: "/static/" + static.Icon + "?v=" + static.Version(static.Icon),
	}
}

// staticFiles handles GET /static/: the embedded stylesheet and scripts,
// compressed once (serveEncoded). URLs carry a content hash, so they may be
// cached for good.
func staticFiles() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Files only, by their own name: a directory (the folder itself) is
		// not listed, and style.css/ or ./style.css is not style.css.
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if path.Clean("/" + name)[1:] != name {
			http.NotFound(w, r)
			return
		}
		if st, err := iofs.Stat(static.FS, name); err != nil || st.IsDir() {
			http.NotFound(w, r)
			return
		}
		cache := "public, max-age=300"
		if r.URL.Query().Get("v") != "" {
			cache = "public, max-age=31536000, immutable"
		}
		serveEncoded(w, r, static.FS, name, cache)
	})
}
