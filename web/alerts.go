package web

import (
	"net/http"

	"github.com/switchboardhq/switchboard/store"
)

// alertsIndex handles GET /api/v1/alerts[?all=1]: open alerts (all with all=1),
// most recently seen first.
func (s *Server) alertsIndex(w http.ResponseWriter, r *http.Request) error {
	as, err := s.store.Alerts(r.Context(), r.URL.Query().Get("all") != "1", 500)
	if err != nil {
		return err
	}
	if as == nil {
		as = []store.Alert{}
	}
	return writeJSON(w, http.StatusOK, as)
}
