package web

import (
	"net/http"
	"strconv"

	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

const auditPageSize = 100

// auditIndex handles GET /audit: who did what, newest first, keyset-paginated
// by ?before=ID.
func (s *Server) auditIndex(w http.ResponseWriter, r *http.Request) error {
	var before int64
	if b := r.URL.Query().Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return badRequest("before must be an audit entry ID")
		}
		before = n
	}
	es, err := s.store.AuditEntries(r.Context(), before, auditPageSize+1)
	if err != nil {
		return err
	}
	d := views.AuditData{}
	es, d.NextQuery, d.NewerHref = onePage(r, "before", es, auditPageSize, func(last store.AuditEntry) string { return strconv.FormatInt(last.ID, 10) })
	for i := range es {
		es[i].Detail = store.Redact(es[i].Detail)
	}
	d.Entries = es
	return s.render(w, r, http.StatusOK, views.AuditPage(s.shell(r, "Audit log"), d))
}
