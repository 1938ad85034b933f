package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

const (
	ticketsPageSize = 50
	// ticketContextSize caps the failing messages and other tickets shown
	// beside a ticket.
	ticketContextSize = 5
	// noteMax is the longest note the console accepts.
	noteMax = 20_000
)

var ticketQueues = []string{store.TicketBilling, store.TicketDisputes, store.TicketSellers, store.TicketGeneral}

// consoleTicketsIndex handles GET /tickets?queue=Q&status=S: the queues with
// their counts and the matching tickets, newest first, keyset-paginated by
// ?before=ID.
func (s *Server) consoleTicketsIndex(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.TicketFilter{Queue: q.Get("queue"), Status: q.Get("status"), Limit: ticketsPageSize + 1}
	if f.Queue != "" && !slices.Contains(ticketQueues, f.Queue) {
		return badRequest("queue must be one of " + strings.Join(ticketQueues, ", "))
	}
	if f.Status != "" && !store.ValidTicketStatus(f.Status) {
		return badRequest("status must be one of " + strings.Join(store.TicketStatuses, ", "))
	}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return badRequest("before must be a ticket ID")
		}
		f.BeforeID = n
	}
	ctx := r.Context()
	queues, err := s.store.TicketQueues(ctx)
	if err != nil {
		return err
	}
	ts, err := s.store.Tickets(ctx, f)
	if err != nil {
		return err
	}
	d := views.TicketsData{Queues: queues, Queue: f.Queue, Status: f.Status, Statuses: store.TicketStatuses, Now: time.Now()}
	d.Tickets, d.NextQuery, d.NewerHref = onePage(r, "before", ts, ticketsPageSize, func(last store.Ticket) string {
		return strconv.FormatInt(last.ID, 10)
	})
	return s.render(w, r, http.StatusOK, views.TicketsPage(s.shell(r, "Tickets"), d))
}

// consoleTicketsShow handles GET /tickets/{id}: the request, the enrichment
// panel and the ticket's status, notes and audit trail.
func (s *Server) consoleTicketsShow(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	d, err := s.ticketData(r, id)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.TicketPage(s.shell(r, "Ticket #"+strconv.FormatInt(id, 10)), d))
}

// ticketData gathers a ticket's page. Text is redacted again on the way out:
// rows written before a redaction rule existed must not show a secret either.
func (s *Server) ticketData(r *http.Request, id int64) (views.TicketData, error) {
	ctx := r.Context()
	td, err := s.store.TicketDetailByID(ctx, id)
	if err != nil {
		return views.TicketData{}, err
	}
	t := td.Ticket
	t.Subject, t.Body = store.Redact(t.Subject), store.Redact(t.Body)
	d := views.TicketData{Ticket: t, Activity: activity(r, td), Admin: currentUser(ctx).Role == store.UserAdmin, Now: time.Now()}
	if t.AccountID != nil {
		ac, err := s.store.AccountContextByID(ctx, *t.AccountID, ticketContextSize)
		if err != nil {
			return d, err
		}
		d.Account = &ac
	}
	return d, nil
}

// activity is the swappable part of a ticket's page, redacted.
func activity(r *http.Request, td store.TicketDetail) views.TicketActivity {
	t := td.Ticket
	a := views.TicketActivity{TicketID: t.ID, Status: t.Status, Statuses: store.TicketStatuses,
		Notes: td.Notes, Audit: td.Audit, Requester: t.RequesterEmail, Assignee: t.Assignee,
		Me: currentUser(r.Context()).Email, Opened: t.CreatedAt, Now: time.Now()}
	for i := range a.Notes {
		a.Notes[i].Body = store.Redact(a.Notes[i].Body)
	}
	for i := range a.Audit {
		a.Audit[i].Detail = store.Redact(a.Audit[i].Detail)
	}
	return a
}

// ticketsAddNote handles POST /tickets/{id}/notes (body): a staff note,
// redacted and audit-logged by the store. An empty note re-renders the form
// with 422.
func (s *Server) ticketsAddNote(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	body := strings.TrimSpace(r.PostFormValue("body"))
	msg := ""
	switch {
	case body == "":
		msg = "Write the note first."
	case len(body) > noteMax:
		msg = fmt.Sprintf("A note is at most %d characters; this one has %d.", noteMax, len(body))
	}
	if msg != "" {
		return s.ticketRefused(w, r, id, false, body, msg)
	}
	if _, err := s.store.AddTicketNote(r.Context(), id, currentUser(r.Context()).Email, body); err != nil {
		return err
	}
	return s.ticketChanged(w, r, id, "Note added.")
}

// ticketsSetStatus handles POST /tickets/{id}/status (status): the store
// audit-logs the change.
func (s *Server) ticketsSetStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	status := r.PostFormValue("status")
	if !store.ValidTicketStatus(status) {
		return badRequest("status must be one of " + strings.Join(store.TicketStatuses, ", "))
	}
	if err := s.store.SetTicketStatus(r.Context(), id, status, currentUser(r.Context()).Email); err != nil {
		return err
	}
	return s.ticketChanged(w, r, id, "The ticket is now "+status+".")
}

// ticketChanged shows the ticket's new activity in place (htmx) or goes back
// to the ticket with a message.
func (s *Server) ticketChanged(w http.ResponseWriter, r *http.Request, id int64, done string) error {
	if !isPartial(r) {
		s.flash(r.Context(), "ok", done)
		redirectAfterPost(w, r, "/tickets/"+strconv.FormatInt(id, 10))
		return nil
	}
	td, err := s.store.TicketDetailByID(r.Context(), id)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.TicketActivityPanel(activity(r, td)))
}

// ticketRefused re-renders the note form (or the reply form) with what was
// typed and why it was refused (422): the fragment for htmx, else the whole
// page.
func (s *Server) ticketRefused(w http.ResponseWriter, r *http.Request, id int64, reply bool, draft, msg string) error {
	d, err := s.ticketData(r, id)
	if err != nil {
		return err
	}
	if reply {
		d.Activity.ReplyDraft, d.Activity.ReplyError = draft, msg
	} else {
		d.Activity.Draft, d.Activity.Error = draft, msg
	}
	if isPartial(r) {
		return s.render(w, r, http.StatusUnprocessableEntity, views.TicketActivityPanel(d.Activity))
	}
	return s.render(w, r, http.StatusUnprocessableEntity, views.TicketPage(s.shell(r, "Ticket #"+strconv.FormatInt(id, 10)), d))
}
