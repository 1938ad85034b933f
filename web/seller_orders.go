package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

// sellerOrdersIndex handles GET /seller/orders?status=: the seller's orders
// (every seller's for an admin), newest first, keyset-paginated by ?before=ID.
func (s *Server) sellerOrdersIndex(w http.ResponseWriter, r *http.Request) error {
	f, err := orderListFilter(r.URL.Query())
	if err != nil {
		return err
	}
	f.Seller = sellerScope(currentUser(r.Context()))
	f.SellersOnly = true
	os, err := s.store.OrderList(r.Context(), f)
	if err != nil {
		return err
	}
	d := views.SellerOrdersData{Status: f.Status, Statuses: store.OrderStatuses, AllSellers: f.Seller == nil}
	d.Orders, d.NextQuery, d.NewerHref = onePage(r, "before", os, ordersPageSize, orderCursor)
	return s.render(w, r, http.StatusOK, views.SellerOrdersPage(s.shell(r, "Your orders"), d))
}

// sellerOrdersShow handles GET /seller/orders/{id}: another seller's order is
// a 404, like one that does not exist.
func (s *Server) sellerOrdersShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	o, err := s.store.SellerOrder(ctx, sellerScope(currentUser(ctx)), id)
	if err != nil {
		return err
	}
	d := views.SellerOrderData{Order: o, Now: time.Now()}
	if d.Refunds, err = s.store.OrderRefunds(ctx, id); err != nil {
		return err
	}
	if d.Disputes, err = s.store.OrderDisputes(ctx, id); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.SellerOrderPage(s.shell(r, "Order "+strconv.FormatInt(id, 10)), d))
}

// sellerDisputesIndex handles GET /seller/disputes: every dispute on the
// seller's orders, newest first, keyset-paginated by ?before=ID.
func (s *Server) sellerDisputesIndex(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	before, err := beforeID(r.URL.Query().Get("before"), "a dispute ID")
	if err != nil {
		return err
	}
	ds, err := s.store.SellerDisputesBefore(ctx, sellerScope(currentUser(ctx)), before, sellerPageSize+1)
	if err != nil {
		return err
	}
	d := views.SellerDisputesData{Now: time.Now()}
	d.Disputes, d.NextQuery, d.NewerHref = onePage(r, "before", ds, sellerPageSize, func(last store.Dispute) string {
		return strconv.FormatInt(last.ID, 10)
	})
	return s.render(w, r, http.StatusOK, views.SellerDisputesPage(s.shell(r, "Your disputes"), d))
}
