package web

import (
	"net/http"
	"time"

	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

// overviewShow handles GET /: the last 24 hours at a glance. htmx polls it for
// the figures fragment every few seconds.
func (s *Server) overviewShow(w http.ResponseWriter, r *http.Request) error {
	now := time.Now()
	o, err := s.store.Overview(r.Context(), now.Add(-24*time.Hour))
	if err != nil {
		return err
	}
	d := views.OverviewData{Overview: o, Now: now, Admin: currentUser(r.Context()).Role == store.UserAdmin}
	if isPartial(r) {
		return s.render(w, r, http.StatusOK, views.OverviewStats(d))
	}
	return s.render(w, r, http.StatusOK, views.OverviewPage(s.shell(r, "Overview"), d))
}
