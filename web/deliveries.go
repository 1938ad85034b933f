package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

const deliveriesPageSize = 50

// deliveriesIndex handles GET /deliveries?status=: the app webhook's
// deliveries, newest first, paged by ?before=ID.
func (s *Server) deliveriesIndex(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	status := q.Get("status")
	if !slices.Contains([]string{"", store.AppDeliveryPending, store.AppDeliveryDelivered, store.AppDeliveryFailed}, status) {
		return badRequest("status must be pending, delivered or failed")
	}
	before, err := beforeID(q.Get("before"), "a delivery ID")
	if err != nil {
		return err
	}
	ds, err := s.store.AppDeliveries(r.Context(), status, before, deliveriesPageSize+1)
	if err != nil {
		return err
	}
	d := views.DeliveriesData{Status: status, On: s.cfg.Dispatch != nil && s.cfg.Dispatch.AppOn()}
	d.Deliveries, d.NextQuery, d.NewerHref = onePage(r, "before", ds, deliveriesPageSize, func(last store.AppDelivery) string {
		return strconv.FormatInt(last.ID, 10)
	})
	return s.render(w, r, http.StatusOK, views.DeliveriesPage(s.shell(r, "App deliveries"), d))
}

// deliveriesRedeliver handles POST /deliveries/{id}/redeliver: the delivery
// goes back on the queue, with the same event ID. Audit-logged.
func (s *Server) deliveriesRedeliver(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	if s.cfg.Dispatch == nil || !s.cfg.Dispatch.AppOn() {
		return needsSetup{"app-webhook", "No app webhook is set up, so there is nowhere to deliver to."}
	}
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		d, err := tx.AppDeliveryByID(ctx, id)
		if err != nil {
			return err
		}
		if d.Status == store.AppDeliveryPending {
			return apiError{http.StatusConflict, "This delivery is still on its way."}
		}
		if err := s.cfg.Dispatch.Redeliver(ctx, tx, id, d.Attempts); err != nil {
			return err
		}
		return tx.Audit(ctx, currentUser(ctx).Email, "app_delivery.redeliver", fmt.Sprintf("app_delivery:%d", id),
			map[string]any{"event_id": d.EventID, "type": d.Type, "was": d.Status})
	})
	if err != nil {
		return err
	}
	s.flash(ctx, "ok", "Queued to be delivered again, with the same event ID.")
	redirectAfterPost(w, r, "/deliveries")
	return nil
}
