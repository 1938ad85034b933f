package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

const ordersPageSize = 50

// orderListFilter reads ?status= and ?before= of an orders list.
func orderListFilter(q url.Values) (store.OrderFilter, error) {
	f := store.OrderFilter{Status: q.Get("status"), Limit: ordersPageSize + 1}
	if f.Status != "" && !store.ValidOrderStatus(f.Status) {
		return f, badRequest("status must be one of " + strings.Join(store.OrderStatuses, ", "))
	}
	var err error
	f.BeforeID, err = beforeID(q.Get("before"), "an order ID")
	return f, err
}

// orderCursor is an orders list's ?before= value after an order.
func orderCursor(last store.OrderRow) string { return strconv.FormatInt(last.ID, 10) }

// consoleOrdersIndex handles GET /orders?status=: every order, newest first,
// keyset-paginated by ?before=ID, linked to its buyer and seller.
func (s *Server) consoleOrdersIndex(w http.ResponseWriter, r *http.Request) error {
	f, err := orderListFilter(r.URL.Query())
	if err != nil {
		return err
	}
	os, err := s.store.OrderList(r.Context(), f)
	if err != nil {
		return err
	}
	d := views.OrdersData{Status: f.Status, Statuses: store.OrderStatuses}
	d.Orders, d.NextQuery, d.NewerHref = onePage(r, "before", os, ordersPageSize, orderCursor)
	return s.render(w, r, http.StatusOK, views.OrdersPage(s.shell(r, "Orders"), d))
}
