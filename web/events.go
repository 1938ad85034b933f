package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

const eventsPageSize = 50

var eventStatuses = []string{store.EventReceived, store.EventProcessed, store.EventFailed, store.EventIgnored, store.EventHeld}

// eventFilter reads the events filter from a query or form; a bad value is a
// 400 with what is wrong.
func eventFilter(v url.Values) (store.EventFilter, string, error) {
	f := store.EventFilter{
		Type:     strings.TrimSpace(v.Get("type")),
		Status:   v.Get("status"),
		Customer: strings.TrimSpace(v.Get("customer")),
	}
	if f.Status != "" && !store.ValidEventStatus(f.Status) {
		return f, "", badRequest("status must be one of " + strings.Join(eventStatuses, ", "))
	}
	day := strings.TrimSpace(v.Get("day"))
	if day != "" {
		t, err := time.Parse(time.DateOnly, day)
		if err != nil {
			return f, "", badRequest("day must look like 2025-01-31")
		}
		f.Day = &t
	}
	return f, day, nil
}

// filterQuery is the filter as a query string.
func filterQuery(f store.EventFilter, day string) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"type": f.Type, "status": f.Status, "day": day, "customer": f.Customer} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// consoleEventsIndex handles GET /events: filter by type, status, day and
// customer, newest first, keyset-paginated by ?after=received_at|id.
func (s *Server) consoleEventsIndex(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f, day, err := eventFilter(q)
	if err != nil {
		return err
	}
	var after *store.EventCursor
	if a := q.Get("after"); a != "" {
		ts, id, ok := strings.Cut(a, "|")
		t, err := time.Parse(time.RFC3339Nano, ts)
		if !ok || err != nil {
			return badRequest("after is not a page cursor")
		}
		after = &store.EventCursor{ReceivedAt: t, ID: id}
	}
	evs, err := s.store.Events(r.Context(), f, after, eventsPageSize+1)
	if err != nil {
		return err
	}
	base := filterQuery(f, day)
	d := views.EventsData{Filter: f, Day: day, Statuses: eventStatuses, Query: base.Encode(),
		CanReplay: currentUser(r.Context()).Role == store.UserAdmin}
	d.Events, d.NextQuery, d.NewerHref = onePage(r, "after", evs, eventsPageSize, func(last store.Event) string {
		return last.ReceivedAt.UTC().Format(time.RFC3339Nano) + "|" + last.ID
	})
	if d.Reconcile, err = s.reconcileData(r); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.EventsPage(s.shell(r, "Events"), d))
}

// consoleEventsShow handles GET /events/{id}: payload, attempts, what it changed
// and the replay panel.
func (s *Server) consoleEventsShow(w http.ResponseWriter, r *http.Request) error {
	d, err := s.eventData(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.EventPage(s.shell(r, d.Event.ID), d))
}

// eventData gathers an event's page.
func (s *Server) eventData(r *http.Request, id string) (views.EventData, error) {
	ctx := r.Context()
	ev, err := s.store.EventByID(ctx, id)
	if err != nil {
		return views.EventData{}, err
	}
	d := views.EventData{Event: ev, Payload: prettyJSON(ev.Payload),
		CanReplay: currentUser(ctx).Role == store.UserAdmin, Replay: views.ReplayData{EventID: ev.ID}}
	raw, err := s.store.EventEffects(ctx, ev.ID)
	if err != nil {
		return d, err
	}
	if raw != nil {
		var fx jobs.Effects
		if err := json.Unmarshal(raw, &fx); err != nil {
			return d, fmt.Errorf("event %s effects: %w", ev.ID, err)
		}
		d.HasEffects, d.Changes = true, changes(&fx)
	}
	if d.Attempts, err = s.eventAttempts(r, ev.ID); err != nil {
		return d, err
	}
	// River keeps a job's errors a week, and a console replay runs no job:
	// the event's own count and last error complete the story.
	if n := len(d.Attempts); n < ev.Attempts && ev.LastError != "" && ev.Status != store.EventProcessed && ev.Status != store.EventIgnored &&
		(n == 0 || d.Attempts[n-1].Error != ev.LastError) {
		d.Attempts = append(d.Attempts, views.Attempt{Attempt: ev.Attempts, Error: ev.LastError})
	}
	return d, nil
}

// eventAttempts lists the errors River recorded for the event's jobs.
func (s *Server) eventAttempts(r *http.Request, id string) ([]views.Attempt, error) {
	res, err := s.jobs.JobList(r.Context(), river.NewJobListParams().
		Kinds(jobs.StripeEventArgs{}.Kind()).
		Where("args->>'event_id' = @event_id", river.NamedArgs{"event_id": id}).
		First(20))
	if err != nil {
		return nil, fmt.Errorf("jobs of event %s: %w", id, err)
	}
	var out []views.Attempt
	for _, j := range res.Jobs {
		for _, e := range j.Errors {
			out = append(out, views.Attempt{JobID: j.ID, Attempt: e.Attempt, At: e.At, Error: e.Error})
		}
	}
	return out, nil
}

// prettyJSON indents a payload; one that is not JSON is shown as it came. The
// view escapes it either way.
func prettyJSON(b []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return string(b)
	}
	return buf.String()
}

// changes turns the worker's effects into lines for the page.
func changes(fx *jobs.Effects) []views.Change {
	var out []views.Change
	for _, o := range fx.Orders {
		c := views.Change{What: fmt.Sprintf("order %d", o.OrderID), From: o.From, To: o.To}
		if o.OrderID < 0 { // a dry run's placeholder: the number is given when applied
			c.What = "a new order"
		}
		if o.Created {
			c.Note = "created"
		}
		out = append(out, c)
	}
	for _, d := range fx.Disputes {
		c := views.Change{What: fmt.Sprintf("dispute %d", d.DisputeID), From: d.From, To: d.To}
		if d.Created {
			c.Note = "opened"
		}
		out = append(out, c)
	}
	for _, p := range fx.Payouts {
		out = append(out, views.Change{What: "payout " + p.StripePayoutID, From: p.From, To: p.To})
	}
	for _, i := range fx.Invoices {
		c := views.Change{What: "invoice " + i.StripeInvoiceID}
		if i.FirstFailure {
			c.Note = "first failed payment"
		}
		out = append(out, c)
	}
	for _, id := range fx.AccountIDs() {
		out = append(out, views.Change{What: fmt.Sprintf("account %d", id), Note: "record or payment state updated"})
	}
	return out
}
