package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

const sellerPageSize = 50

// sellerScope is the account a seller's pages are limited to; nil for an
// admin, who sees every seller.
func sellerScope(u *store.User) *int64 {
	if u.Role == store.UserAdmin {
		return nil
	}
	if u.AccountID == nil {
		// The schema requires an account for sellers; never widen to all.
		zero := int64(0)
		return &zero
	}
	return u.AccountID
}

// sellerHome handles GET /seller/: the seller's orders (keyset by ?before=ID),
// disputes, and payouts with their totals by currency.
func (s *Server) sellerHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	scope := sellerScope(currentUser(ctx))
	var before int64
	if b := r.URL.Query().Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return badRequest("before must be an order ID")
		}
		before = n
	}
	orders, err := s.store.SellerOrders(ctx, scope, before, sellerPageSize+1)
	if err != nil {
		return err
	}
	d := views.SellerData{Now: time.Now()}
	d.Orders, d.NextQuery, d.NewerHref = onePage(r, "before", orders, sellerPageSize, func(last store.Order) string {
		return strconv.FormatInt(last.ID, 10)
	})
	if d.Disputes, err = s.store.SellerDisputes(ctx, scope, 100); err != nil {
		return err
	}
	if d.Payouts, err = s.store.SellerPayouts(ctx, scope, 20); err != nil {
		return err
	}
	if d.PayoutTotals, err = s.store.SellerPayoutTotals(ctx, scope); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.SellerPage(s.shell(r, "Your sales"), d))
}

// sellerDisputesShow handles GET /seller/disputes/{id}: another seller's
// dispute is a 404, like one that does not exist.
func (s *Server) sellerDisputesShow(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	scope := sellerScope(currentUser(r.Context()))
	d, err := s.store.SellerDispute(r.Context(), scope, id)
	if err != nil {
		return err
	}
	var ref string
	if d.OrderID != nil {
		o, err := s.store.SellerOrder(r.Context(), scope, *d.OrderID)
		if err != nil {
			return err
		}
		ref = o.Reference
	}
	return s.render(w, r, http.StatusOK, views.SellerDisputePage(s.shell(r, "Dispute"), d, ref))
}
