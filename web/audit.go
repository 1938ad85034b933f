package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

const auditPageSize = 100

// auditIndex handles GET /audit (?actor=, ?action=, ?subject=): who did what,
// newest first, filtered, keyset-paginated by ?before=ID.
func (s *Server) auditIndex(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.AuditFilter{Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")),
		Subject: strings.TrimSpace(q.Get("subject"))}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return badRequest("before must be an audit entry ID")
		}
		f.BeforeID = n
	}
	if len(f.Actor) > 320 || len(f.Action) > 100 || len(f.Subject) > 200 {
		return badRequest("an audit filter is too long")
	}
	es, err := s.store.AuditEntries(r.Context(), f, auditPageSize+1)
	if err != nil {
		return err
	}
	d := views.AuditData{Actor: f.Actor, Action: f.Action, Subject: f.Subject}
	es, d.NextQuery, d.NewerHref = onePage(r, "before", es, auditPageSize, func(last store.AuditEntry) string { return strconv.FormatInt(last.ID, 10) })
	for i := range es {
		es[i].Detail = store.Redact(es[i].Detail)
	}
	d.Entries = es
	return s.render(w, r, http.StatusOK, views.AuditPage(s.shell(r, "Audit log"), d))
}
