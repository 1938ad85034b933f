package web

import (
	"net/http"
	"strings"
)

// notFoundPages answers a URL no route matches the way the rest of its family
// answers: JSON for the API and the webhooks, the console's layout (with the
// role's way home) for everything else. Only the mux's own 404 is replaced;
// its 405s, redirects and every handler's answers pass through untouched.
func (s *Server) notFoundPages(mux *http.ServeMux) http.Handler {
	page := s.sessions.LoadAndSave(s.loadUser(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, apiError{http.StatusNotFound, "There is no page at this address. Check the link, or start again from the navigation."})
	})))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(&notFoundCatcher{ResponseWriter: w, onNotFound: func() {
			if isMachinePath(r.URL.Path) {
				writeJSONError(w, http.StatusNotFound, "not found")
				return
			}
			page.ServeHTTP(w, r)
		}}, r)
	})
}

// isMachinePath reports whether a path belongs to programs rather than people.
func isMachinePath(p string) bool {
	for _, prefix := range []string{"/api/", "/webhooks/", "/metrics", "/healthz", "/readyz", "/static/"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// notFoundCatcher hands a 404 to onNotFound and drops the mux's plain-text
// body; any other status is written through.
type notFoundCatcher struct {
	http.ResponseWriter
	onNotFound func()
	caught     bool
	wrote      bool
}

func (c *notFoundCatcher) WriteHeader(status int) {
	if c.wrote {
		return
	}
	c.wrote = true
	if status == http.StatusNotFound {
		c.caught = true
		// The mux set a plain-text type; the page sets its own.
		c.ResponseWriter.Header().Del("Content-Type")
		c.onNotFound()
		return
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *notFoundCatcher) Write(b []byte) (int, error) {
	if !c.wrote {
		c.WriteHeader(http.StatusOK)
	}
	if c.caught {
		return len(b), nil
	}
	return c.ResponseWriter.Write(b)
}
