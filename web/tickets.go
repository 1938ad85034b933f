package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/httprate"

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
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 256<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return badRequest("body must be JSON {email, subject, body, channel?}: " + err.Error())
	}
	nt := store.NewTicket{Email: strings.TrimSpace(in.Email), Subject: in.Subject, Body: in.Body, Channel: in.Channel}
	if nt.Channel == "" {
		nt.Channel = store.ChannelAPI
	}
	if msg := nt.Validate(); msg != "" {
		return apiError{http.StatusUnprocessableEntity, msg}
	}
	name, _ := r.Context().Value(keyTokenName).(string)
	t, _, err := s.store.CreateTicket(r.Context(), nt, "token:"+name)
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

// ticketLimit rate-limits ticket creation per API token (per address without
// one): a contact form under attack must not flood the support queues.
func (s *Server) ticketLimit(next http.Handler) http.Handler {
	return httprate.Limit(s.cfg.TicketRateLimit, time.Minute,
		httprate.WithKeyFuncs(func(r *http.Request) (string, error) {
			if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
				h := sha256.Sum256([]byte(tok))
				return "tok:" + hex.EncodeToString(h[:8]), nil
			}
			return "ip:" + clientIP(r), nil
		}),
		httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
			writeJSONError(w, http.StatusTooManyRequests, "too many tickets from this token; try again in a minute")
		}),
	)(next)
}
