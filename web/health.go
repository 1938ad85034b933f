package web

import (
	"context"
	"net/http"
)

// healthz handles GET /healthz: the process is up.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz handles GET /readyz: the database takes a write within the webhook's
// budget, through the webhook's own pool (a locked ledger or an exhausted
// webhook pool makes the instance unready, so the load balancer stops sending
// it traffic; appliers stuck on a lock do not, since deliveries are still
// acknowledged) and migrations are current. The reason goes to the log, not to
// the anonymous caller.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.WebhookDBTimeout)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.ack.CanWrite(ctx); err != nil {
		s.log.WarnContext(r.Context(), "not ready: the database does not take writes", "err", err, "budget", s.cfg.WebhookDBTimeout.String())
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database does not take writes within " + s.cfg.WebhookDBTimeout.String() + "\n"))
		return
	}
	if s.ready != nil {
		if err := s.ready(ctx); err != nil {
			s.log.WarnContext(r.Context(), "not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("migrations are not current: run 'switchboard migrate'\n"))
			return
		}
	}
	_, _ = w.Write([]byte("ready\n"))
}
