package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
)

// ticketsReply handles POST /tickets/{id}/reply (body): the reply is recorded
// on the ticket and sent to the customer by email through the outbox's
// queue (at most once, like every message), threaded into their
// conversation; the ticket then waits on the customer.
func (s *Server) ticketsReply(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	body := strings.TrimSpace(r.PostFormValue("body"))
	switch {
	case body == "":
		return s.ticketRefused(w, r, id, true, body, "Write the reply first.")
	case len(body) > noteMax:
		return s.ticketRefused(w, r, id, true, body, fmt.Sprintf("A reply is at most %d characters; this one has %d.", noteMax, len(body)))
	}
	ctx := r.Context()
	var to string
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		m, err := tx.QueueTicketReply(ctx, id, currentUser(ctx).Email, body)
		if err != nil {
			return err
		}
		to = m.To
		_, err = s.jobs.InsertTx(ctx, tx.Tx(), jobs.EmailArgs{MessageID: m.ID}, nil)
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return s.ticketRefused(w, r, id, true, body, "This ticket has no customer email to reply to.")
	} else if err != nil {
		return err
	}
	return s.ticketChanged(w, r, id, "Reply queued to "+to+"; the ticket now waits on the customer.")
}

// ticketsAssign handles POST /tickets/{id}/assign (to=me takes the ticket,
// to= empty releases it).
func (s *Server) ticketsAssign(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	me := currentUser(r.Context()).Email
	var assignee, done string
	switch r.PostFormValue("to") {
	case "me":
		assignee, done = me, "You have the ticket."
	case "":
		assignee, done = "", "The ticket is nobody's now."
	default:
		return badRequest("to must be me (take the ticket) or empty (release it)")
	}
	if err := s.store.AssignTicket(r.Context(), id, assignee, me); err != nil {
		return err
	}
	return s.ticketChanged(w, r, id, done)
}

// replyRef is the Message-ID of a reply sent from a ticket:
// ticket_reply.TICKET.NOTE.MAC@switchboard. IDs of the older shape, without
// the MAC, are not trusted (anyone could write one).
var replyRef = regexp.MustCompile(`^ticket_reply\.(\d+)\.(\d+)\.([0-9a-f]{32})@switchboard$`)

// repliedTicket finds, among an inbound mail's In-Reply-To and References,
// the Message-ID of a reply this server sent (its MAC checks), and returns
// that reply's ticket and note.
func (s *Server) repliedTicket(ctx context.Context, headers ...string) (ticketID, noteID int64, ok bool, err error) {
	for _, h := range headers {
		for _, id := range strings.Fields(h) {
			m := replyRef.FindStringSubmatch(strings.Trim(id, "<>,"))
			if m == nil {
				continue
			}
			t, err1 := strconv.ParseInt(m[1], 10, 64)
			n, err2 := strconv.ParseInt(m[2], 10, 64)
			if err1 != nil || err2 != nil {
				continue
			}
			good, err := s.store.CheckReplyMAC(ctx, t, n, m[3])
			if err != nil {
				return 0, 0, false, err
			}
			if good {
				return t, n, true, nil
			}
		}
	}
	return 0, 0, false, nil
}
