package web

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

// orderID reads {id} of an order route.
func orderID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apiError{http.StatusNotFound, "No such order."}
	}
	return id, nil
}

// refundData loads an order's refund page with form f.
func (s *Server) refundData(r *http.Request, id int64, f views.RefundForm) (views.RefundData, error) {
	ctx := r.Context()
	o, err := s.store.OrderByID(ctx, id)
	if err != nil {
		return views.RefundData{}, err
	}
	reqs, err := s.store.RefundRequests(ctx, id)
	if err != nil {
		return views.RefundData{}, err
	}
	left, inFlight := o.Amount-o.RefundedAmount, false
	for _, q := range reqs {
		if q.Unsettled() {
			left -= q.Amount
			inFlight = true
		}
	}
	if f.Key == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		f.Key = hex.EncodeToString(b)
		f.Amount = store.FormatAmount(max(left, 0), o.Currency)
	}
	d := views.RefundData{Order: o, Requests: reqs, Reasons: store.RefundReasons, Left: max(left, 0),
		Refusal: s.cfg.StripeWriteRefusal, Form: f, Customer: "the customer", Live: s.cfg.Production, InFlight: inFlight}
	if o.BuyerAccountID != nil {
		a, err := s.store.AccountByID(ctx, *o.BuyerAccountID)
		if err != nil {
			return d, err
		}
		d.Customer = cmp.Or(a.Name, strOr(a.Email), d.Customer)
	}
	return d, nil
}

// ordersRefundShow handles GET /orders/{id}/refund: the order's amounts, its
// refund requests ("refund requested" until Stripe's events arrive) and the
// refund form.
func (s *Server) ordersRefundShow(w http.ResponseWriter, r *http.Request) error {
	id, err := orderID(r)
	if err != nil {
		return err
	}
	d, err := s.refundData(r, id, views.RefundForm{})
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.RefundPage(s.shell(r, "Refund order"), d))
}

// ordersRefundCreate handles POST /orders/{id}/refund (key, amount, reason,
// note): the request row is written, its Stripe call enqueued and the request
// audited in one transaction. The form's key makes a double submit one
// request. Refused while this deployment's Stripe key mode does not match.
func (s *Server) ordersRefundCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := orderID(r)
	if err != nil {
		return err
	}
	if s.cfg.StripeWriteRefusal != "" {
		return needsSetup{"stripe-api", "Refunds from Switchboard are off: it has no working Stripe API key. Open this payment in Stripe's Dashboard to refund it there."}
	}
	f := views.RefundForm{Key: strings.TrimSpace(r.PostFormValue("key")), Amount: r.PostFormValue("amount"),
		Reason: r.PostFormValue("reason"), Note: strings.TrimSpace(r.PostFormValue("note"))}
	if f.Key == "" || len(f.Key) > 64 {
		return badRequest("The refund form has no key: reload the page and try again.")
	}
	o, err := s.store.OrderByID(ctx, id)
	if err != nil {
		return err
	}
	in := store.NewRefundRequest{OrderID: id, FormKey: f.Key, Reason: f.Reason, Note: f.Note, RequestedBy: currentUser(ctx).Email}
	in.Amount, err = store.ParseAmount(f.Amount, o.Currency)
	switch {
	case err != nil:
		f.Error = "Type the amount in " + strings.ToUpper(o.Currency) + ", like " + store.FormatAmount(o.Amount, o.Currency) + "."
	case !store.ValidRefundReason(f.Reason):
		f.Error = "Choose a reason: " + strings.Join(store.RefundReasons, ", ") + "."
	case len(f.Note) > 500:
		f.Error = "Keep the note under 500 characters."
	}
	if f.Error == "" && r.PostFormValue("confirm") == "yes" {
		f.Error, err = s.requestRefund(r, in)
		if err != nil {
			return err
		}
	}
	d, err := s.refundData(r, id, f)
	if err != nil {
		return err
	}
	if f.Error != "" {
		return s.render(w, r, http.StatusUnprocessableEntity, views.RefundPage(s.shell(r, "Refund order"), d))
	}
	if r.PostFormValue("confirm") != "yes" {
		// Money moves only after a second, explicit click that names it.
		return s.render(w, r, http.StatusOK, views.RefundConfirm(s.shell(r, "Confirm the refund"), d, in.Amount))
	}
	s.flash(ctx, "ok", "Refund requested. The order changes when Stripe confirms it.")
	redirectAfterPost(w, r, fmt.Sprintf("/orders/%d/refund", id))
	return nil
}

// requestRefund records the request, enqueues its job and audits it; a
// refusal by the refund rules comes back as a message for the form.
func (s *Server) requestRefund(r *http.Request, in store.NewRefundRequest) (string, error) {
	ctx := r.Context()
	err := s.store.InTx(ctx, func(tx *store.Store) error {
		q, created, err := tx.CreateRefundRequest(ctx, in)
		if err != nil || !created {
			return err
		}
		if _, err := s.jobs.InsertTx(ctx, tx.Tx(), jobs.RefundArgs{RequestID: q.ID}, nil); err != nil {
			return err
		}
		return tx.Audit(ctx, in.RequestedBy, "refund.request", fmt.Sprintf("order:%d", in.OrderID), map[string]any{
			"refund_request_id": q.ID, "amount": q.Amount, "currency": q.Currency, "reason": q.Reason, "note": q.Note,
			"idempotency_key": q.IdempotencyKey()})
	})
	switch {
	case errors.Is(err, store.ErrRefundInFlight):
		return "A refund of this order is still on its way: wait for Stripe to confirm it before asking for another.", nil
	case errors.Is(err, store.ErrRefundTooLarge):
		return "The amount must be more than zero and at most what is left to refund.", nil
	case errors.Is(err, store.ErrRefundKeyMismatch):
		return "This form was made for another order, so nothing was requested: reload this order's refund page and try again.", nil
	case errors.Is(err, store.ErrNotRefundable):
		return "Only a paid order with a Stripe payment can be refunded.", nil
	}
	return "", err
}

func strOr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
