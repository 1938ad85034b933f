package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

const alertsPageSize = 50

// consoleAlertsIndex handles GET /alerts?state=open|acknowledged|resolved:
// the alerts in that state, most recently seen first, keyset-paginated by
// ?after=last_seen|id. Open is the default.
func (s *Server) consoleAlertsIndex(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = store.AlertStateOpen
	}
	if !slices.Contains(store.AlertStates, state) {
		return badRequest("state must be one of " + strings.Join(store.AlertStates, ", "))
	}
	if _, err := s.store.ResolveClearedAlerts(r.Context()); err != nil {
		return err
	}
	var after *store.AlertCursor
	if a := q.Get("after"); a != "" {
		ts, id, ok := strings.Cut(a, "|")
		t, terr := time.Parse(time.RFC3339Nano, ts)
		n, nerr := strconv.ParseInt(id, 10, 64)
		if !ok || terr != nil || nerr != nil {
			return badRequest("after is not a page cursor")
		}
		after = &store.AlertCursor{LastSeenAt: t, ID: n}
	}
	ctx := r.Context()
	counts, err := s.store.CountAlerts(ctx)
	if err != nil {
		return err
	}
	as, err := s.store.AlertsIn(ctx, state, after, alertsPageSize+1)
	if err != nil {
		return err
	}
	d := views.AlertsData{State: state, Counts: counts,
		Admin: currentUser(ctx).Role == store.UserAdmin, Now: time.Now()}
	d.Alerts, d.NextQuery, d.NewerHref = onePage(r, "after", as, alertsPageSize, func(last store.Alert) string {
		return last.LastSeenAt.UTC().Format(time.RFC3339Nano) + "|" + strconv.FormatInt(last.ID, 10)
	})
	for i := range d.Alerts {
		d.Alerts[i].Message = forRole(currentUser(ctx).Role, d.Alerts[i].Message)
	}
	return s.render(w, r, http.StatusOK, views.AlertsPage(s.shell(r, "Alerts"), d))
}

// alertsAcknowledge handles POST /alerts/{id}/acknowledge: the store records
// who saw it, in the audit log too. htmx gets the alert's row in place.
func (s *Server) alertsAcknowledge(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	if err := s.store.AcknowledgeAlert(ctx, id, currentUser(ctx).Email); err != nil {
		return err
	}
	if !isPartial(r) {
		s.flash(ctx, "ok", views.AlertAcknowledgedMsg)
		redirectAfterPost(w, r, "/alerts")
		return nil
	}
	counts, err := s.store.CountAlerts(ctx)
	if err != nil {
		return err
	}
	// Acknowledging is offered on the open tab only; the row leaves it (the
	// empty answer replaces it), its counts and the flash come along.
	return s.render(w, r, http.StatusOK, views.AlertAcknowledged(counts))
}
