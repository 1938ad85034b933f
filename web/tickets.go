package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboardhq/switchboard/store"
)

// ticketsCreate handles POST /api/v1/tickets: the marketplace's contact form.
func (s *Server) ticketsCreate(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email   string `json:"email"`
		Subject string `json:"subject"`
		Body    string `json:"body"`
		Channel string `json:"channel"`
	}
	if err := decodeJSON(w, r, 256<<10, &in, "{email, subject, body, channel?}"); err != nil {
		return err
	}
	nt := store.NewTicket{Email: strings.TrimSpace(in.Email), Subject: in.Subject, Body: in.Body, Channel: in.Channel}
	if nt.Channel == "" {
		nt.Channel = store.ChannelAPI
	}
	if msg := nt.Validate(); msg != "" {
		return apiError{http.StatusUnprocessableEntity, msg}
	}
	t, _, err := s.store.CreateTicket(r.Context(), nt, "token:"+currentToken(r.Context()).Name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, t)
}

// ticketsIndex handles GET /api/v1/tickets?queue=Q[&status=S][&before=ID][&limit=N].
func (s *Server) ticketsIndex(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.TicketFilter{Queue: q.Get("queue"), Status: q.Get("status")}
	switch f.Queue {
	case "", store.TicketBilling, store.TicketDisputes, store.TicketSellers, store.TicketGeneral:
	default:
		return badRequest("queue must be billing, disputes, sellers or general")
	}
	if f.Status != "" && !store.ValidTicketStatus(f.Status) {
		return badRequest("status must be open, pending, solved or closed")
	}
	var err error
	if v := q.Get("before"); v != "" {
		if f.BeforeID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return badRequest("before must be a ticket ID")
		}
	}
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > 500 {
			return badRequest("limit must be 1 to 500")
		}
	}
	ts, err := s.store.Tickets(r.Context(), f)
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []store.Ticket{}
	}
	return writeJSON(w, http.StatusOK, ts)
}

// ticketLimit rate-limits ticket creation per API token (by the token's ID,
// however the header spells it): a contact form under attack must not flood
// the support queues.
func (s *Server) ticketLimit(h func(w http.ResponseWriter, r *http.Request) error) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.tickets.OnLimit(w, r, "token:"+strconv.FormatInt(currentToken(r.Context()).ID, 10)) {
			return apiError{http.StatusTooManyRequests, "too many tickets from this token; try again in a minute"}
		}
		return h(w, r)
	}
}
