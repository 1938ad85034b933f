package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

// orderEventsShown is how many Stripe events an order page lists.
const orderEventsShown = 50

// consoleOrdersShow handles GET /orders/{id}: the order for staff, with its
// refunds, disputes, emails, jobs and the Stripe events about it.
func (s *Server) consoleOrdersShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if done, err := s.redirectStripeID(w, r, "/orders/"); done || err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	o, err := s.store.OrderRowByID(ctx, id)
	if err != nil {
		return err
	}
	d := views.OrderPageData{Order: o, Now: time.Now(), Live: s.cfg.Production,
		Admin: currentUser(ctx).Role == store.UserAdmin}
	if d.Refunds, err = s.store.OrderRefunds(ctx, id); err != nil {
		return err
	}
	if d.Disputes, err = s.store.OrderDisputes(ctx, id); err != nil {
		return err
	}
	if d.Messages, err = s.store.OrderMessages(ctx, id); err != nil {
		return err
	}
	if d.Events, err = s.store.EventsAbout(ctx, orderObjects(d), orderEventsShown); err != nil {
		return err
	}
	if len(d.Events) > 0 {
		d.Live = d.Events[0].Livemode
	}
	if d.Jobs, err = s.orderJobs(r, d); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.OrderPage(s.shell(r, "Order "+strconv.FormatInt(id, 10)), d))
}

// orderObjects are the Stripe IDs an order's events are about.
func orderObjects(d views.OrderPageData) []string {
	var ids []string
	for _, p := range []*string{d.Order.StripePaymentIntentID, d.Order.StripeChargeID, d.Order.StripeCheckoutSessionID} {
		if p != nil && *p != "" {
			ids = append(ids, *p)
		}
	}
	for _, x := range d.Disputes {
		ids = append(ids, x.StripeDisputeID)
	}
	for _, x := range d.Refunds {
		ids = append(ids, x.StripeRefundID)
	}
	return ids
}

// orderJobs lists the River jobs River still keeps for the order: its events'
// and its emails' (through River's client).
func (s *Server) orderJobs(r *http.Request, d views.OrderPageData) ([]views.Job, error) {
	evs, msgs := []string{}, []string{}
	for _, e := range d.Events {
		evs = append(evs, e.ID)
	}
	for _, m := range d.Messages {
		msgs = append(msgs, strconv.FormatInt(m.ID, 10))
	}
	if len(evs) == 0 && len(msgs) == 0 {
		return nil, nil
	}
	res, err := s.jobs.JobList(r.Context(), river.NewJobListParams().
		Kinds(jobs.StripeEventArgs{}.Kind(), jobs.EmailArgs{}.Kind()).
		Where("(args->>'event_id' = ANY(@events) OR args->>'message_id' = ANY(@messages))",
			river.NamedArgs{"events": evs, "messages": msgs}).
		OrderBy(river.JobListOrderByID, river.SortOrderAsc).First(100))
	if err != nil {
		return nil, fmt.Errorf("jobs of order %d: %w", d.Order.ID, err)
	}
	var out []views.Job
	for _, j := range res.Jobs {
		out = append(out, jobView(j))
	}
	return out, nil
}

// redirectStripeID sends a page named by a Stripe ID ({id} is cus_…, acct_…,
// pi_… or ch_…) to ours: pages and alerts that only know Stripe's ID can link
// to it. done is false when {id} is not a Stripe ID.
func (s *Server) redirectStripeID(w http.ResponseWriter, r *http.Request, prefix string) (done bool, err error) {
	sid := r.PathValue("id")
	var id int64
	switch {
	case prefix == "/customers/" && strings.HasPrefix(sid, "cus_"):
		a, err := s.store.AccountByStripeCustomer(r.Context(), sid)
		if err != nil {
			return true, err
		}
		id = a.ID
	case prefix == "/customers/" && strings.HasPrefix(sid, "acct_"):
		a, err := s.store.AccountByStripeAccount(r.Context(), sid)
		if err != nil {
			return true, err
		}
		id = a.ID
	case prefix == "/orders/" && strings.HasPrefix(sid, "pi_"):
		o, err := s.store.OrderByPaymentIntent(r.Context(), sid)
		if err != nil {
			return true, err
		}
		id = o.ID
	case prefix == "/orders/" && strings.HasPrefix(sid, "ch_"):
		o, err := s.store.OrderByCharge(r.Context(), sid)
		if err != nil {
			return true, err
		}
		id = o.ID
	default:
		return false, nil
	}
	http.Redirect(w, r, prefix+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return true, nil
}
