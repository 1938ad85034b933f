package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"riverqueue.com/riverui"

	"github.com/switchboardhq/switchboard/store"
)

// riverUIPrefix is where River's own UI is mounted.
const riverUIPrefix = "/admin/river"

// RiverUI is River's own UI (riverqueue.com/riverui) for admins: every job,
// queue and state, beyond the console's jobs page. It runs background queries
// (counts, caches) between Start and Stop.
type RiverUI struct {
	h *riverui.Handler

	mu     sync.Mutex
	cancel context.CancelFunc
}

// NewRiverUI builds River's UI over the app's River client.
func NewRiverUI(client *river.Client[pgx.Tx], log *slog.Logger) (*RiverUI, error) {
	h, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(client, nil),
		Logger:    log.With("component", "riverui"),
		Prefix:    riverUIPrefix,
		// Job args carry IDs only (STYLE.md), so showing them reveals nothing.
		JobListHideArgsByDefault: false,
	})
	if err != nil {
		return nil, err
	}
	return &RiverUI{h: h}, nil
}

// Start starts the UI's background services; they stop with ctx or Stop.
func (u *RiverUI) Start(ctx context.Context) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	ctx, u.cancel = context.WithCancel(ctx)
	return u.h.Start(ctx)
}

// Stop stops the UI's background services (the Server's Close calls it).
func (u *RiverUI) Stop() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.cancel != nil {
		u.cancel()
	}
}

// riverUICSP is the console's Content-Security-Policy with the one relaxation
// River's UI needs (found by the browser test): its bundle adds <style>
// elements and style attributes at run time, which style-src 'self' blocks.
// Scripts stay 'self' only, so nothing inline runs; inline CSS can restyle a
// page, not run code. Only the responses under /admin/river carry it.
const riverUICSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// riverUIAuditBody is how much of a River UI request's body its audit entry
// keeps.
const riverUIAuditBody = 2000

// riverUIServe handles /admin/river and everything under it: River's pages,
// assets and JSON API, behind the console's session, CSRF and admin layers.
// Every state change (any method but GET and HEAD: pausing a queue,
// retrying, cancelling or deleting jobs) is audited with River's answer.
func (s *Server) riverUIServe(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.RiverUI == nil {
		return notFound()
	}
	w.Header().Set("Content-Security-Policy", riverUICSP)
	if name, ok := riverUIAsset(r.URL.Path); ok {
		// Vite names each bundle after its content (main-Bk0gM_NU.js): a
		// new River UI brings new names, so browsers may keep these for
		// good. They are 1.3 MB plain: served compressed once (serveEncoded)
		// from River's own embedded build, the files its handler would send.
		serveEncoded(w, r, riverui.FrontendIndex, name, "private, max-age=31536000, immutable")
		return nil
	}
	if r.Method == http.MethodGet && !strings.HasPrefix(r.URL.Path, riverUIPrefix+"/api") && path.Ext(r.URL.Path) == "" {
		// River's page: let the browser fetch the bundles its main script
		// imports now, not one round trip later once that script names them.
		for _, l := range riverUIPreload() {
			w.Header().Add("Link", l)
		}
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		s.cfg.RiverUI.h.ServeHTTP(w, r)
		return nil
	}
	// Keep the start of the body for the audit entry and hand River all of it.
	head, err := io.ReadAll(io.LimitReader(r.Body, riverUIAuditBody))
	if err != nil {
		return badRequest("The request body could not be read.")
	}
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(head), r.Body))
	sw := &statusWriter{ResponseWriter: w}
	s.cfg.RiverUI.h.ServeHTTP(sw, r)
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	ctx := r.Context()
	what := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, riverUIPrefix), "/")
	err = s.store.Audit(ctx, currentUser(ctx).Email, "river_ui.action", "river_ui:"+what, map[string]any{
		"method": r.Method, "path": r.URL.Path, "status": sw.status, "request": store.Redact(strings.ToValidUTF8(strings.ReplaceAll(string(head), "\x00", ""), "\uFFFD"))})
	if err != nil {
		// River has answered and acted: the failure can only be logged.
		s.log.ErrorContext(ctx, "auditing a River UI action", "err", err, "method", r.Method, "path", r.URL.Path,
			"request_id", requestID(ctx))
	}
	return nil
}

// riverUIPreload is a Link header value for each bundle that River UI's
// entry script imports, read from its Vite manifest (empty if unreadable).
var riverUIPreload = sync.OnceValue(func() []string {
	b, err := fs.ReadFile(riverui.FrontendIndex, "dist/.vite/manifest.json")
	if err != nil {
		return nil
	}
	var manifest map[string]struct {
		File    string   `json:"file"`
		IsEntry bool     `json:"isEntry"`
		Imports []string `json:"imports"`
	}
	if json.Unmarshal(b, &manifest) != nil {
		return nil
	}
	var links []string
	for _, e := range manifest {
		if !e.IsEntry {
			continue
		}
		for _, imp := range e.Imports {
			if f := manifest[imp].File; f != "" {
				links = append(links, "<"+riverUIPrefix+"/"+f+">; rel=modulepreload")
			}
		}
	}
	slices.Sort(links)
	return links
})

// riverUIAsset reports whether a path is one of River's UI bundles (its
// Vite build's assets/, fingerprinted), not the page River answers for any
// other path, and names it in riverui.FrontendIndex.
func riverUIAsset(p string) (string, bool) {
	name, ok := strings.CutPrefix(p, riverUIPrefix+"/assets/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", false
	}
	name = "dist/assets/" + name
	st, err := fs.Stat(riverui.FrontendIndex, name)
	return name, err == nil && !st.IsDir()
}
