package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
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
