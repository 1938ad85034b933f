package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

const disputesPageSize = 50

// consoleDisputesIndex handles GET /disputes?queue=open|closed: open disputes
// by nearest evidence deadline with a countdown (?after=due|id pages on),
// closed ones newest first (?after=|id).
func (s *Server) consoleDisputesIndex(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	queue := q.Get("queue")
	if queue == "" {
		queue = store.QueueOpen
	}
	if queue != store.QueueOpen && queue != store.QueueClosed {
		return badRequest("queue must be open or closed")
	}
	after, err := disputeCursor(q.Get("after"))
	if err != nil {
		return err
	}
	ds, err := s.store.DisputeQueue(r.Context(), queue, after, disputesPageSize+1)
	if err != nil {
		return err
	}
	d := views.DisputesData{Queue: queue, Now: time.Now()}
	d.Disputes, d.NextQuery, d.NewerHref = onePage(r, "after", ds, disputesPageSize, func(last store.QueueDispute) string {
		c := last.Cursor()
		due := ""
		if c.DueBy != nil {
			due = c.DueBy.UTC().Format(time.RFC3339Nano)
		}
		return due + "|" + strconv.FormatInt(c.ID, 10)
	})
	return s.render(w, r, http.StatusOK, views.DisputesPage(s.shell(r, "Dispute queue"), d))
}

// disputeCursor reads ?after=due|id (due empty for a dispute without one).
func disputeCursor(v string) (*store.DisputeCursor, error) {
	if v == "" {
		return nil, nil
	}
	due, id, ok := strings.Cut(v, "|")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 {
		return nil, badRequest("after is not a page cursor")
	}
	c := &store.DisputeCursor{ID: n}
	if due != "" {
		t, err := time.Parse(time.RFC3339Nano, due)
		if err != nil {
			return nil, badRequest("after is not a page cursor")
		}
		c.DueBy = &t
	}
	return c, nil
}

// disputeID reads {id}; one that is not a number does not exist.
func disputeID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, notFound()
	}
	return id, nil
}

// disputeData gathers a dispute's page.
func (s *Server) disputeData(r *http.Request, id int64) (views.DisputeData, error) {
	dd, err := s.store.DisputeDetailByID(r.Context(), id)
	if err != nil {
		return views.DisputeData{}, err
	}
	d := views.DisputeData{DisputeDetail: dd, Now: time.Now(), CanManage: currentUser(r.Context()).Role == store.UserAdmin, Live: s.cfg.Production,
		MeID: currentUser(r.Context()).ID}
	if d.CanManage {
		if d.Assignees, err = s.store.Assignees(r.Context()); err != nil {
			return d, err
		}
	}
	d.Evidence, err = s.evidenceView(r.Context(), dd.Dispute.Dispute)
	return d, err
}

// consoleDisputesShow handles GET /disputes/{id}: facts, assignment and
// closing (admins), the trail and the note form.
func (s *Server) consoleDisputesShow(w http.ResponseWriter, r *http.Request) error {
	// Alerts and Stripe name a dispute by its dp_ ID: send them to ours.
	if sid := r.PathValue("id"); strings.HasPrefix(sid, "dp_") {
		dp, err := s.store.DisputeByStripeID(r.Context(), sid)
		if err != nil {
			return err
		}
		http.Redirect(w, r, "/disputes/"+strconv.FormatInt(dp.ID, 10), http.StatusSeeOther)
		return nil
	}
	id, err := disputeID(r)
	if err != nil {
		return err
	}
	d, err := s.disputeData(r, id)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.DisputePage(s.shell(r, d.Dispute.StripeDisputeID), d))
}

// disputesNote handles POST /disputes/{id}/notes (note): the note goes to the
// audit trail and the dispute's ticket. htmx gets the trail back in place.
func (s *Server) disputesNote(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := disputeID(r)
	if err != nil {
		return err
	}
	d, err := s.disputeData(r, id)
	if err != nil {
		return err
	}
	note := strings.TrimSpace(r.PostFormValue("note"))
	switch {
	case note == "":
		d.NoteError = "Write a note first."
	case utf8.RuneCountInString(note) > store.DisputeNoteMax:
		d.NoteError = fmt.Sprintf("A note is at most %d characters.", store.DisputeNoteMax)
	}
	if d.NoteError != "" {
		d.Note = note
		if isPartial(r) {
			return s.render(w, r, http.StatusUnprocessableEntity, views.DisputeTrail(d))
		}
		return s.render(w, r, http.StatusUnprocessableEntity, views.DisputePage(s.shell(r, d.Dispute.StripeDisputeID), d))
	}
	if err := s.store.AddDisputeNote(ctx, id, currentUser(ctx).Email, note); err != nil {
		return err
	}
	if !isPartial(r) {
		s.flash(ctx, "ok", "Note added.")
		redirectAfterPost(w, r, fmt.Sprintf("/disputes/%d", id))
		return nil
	}
	if d, err = s.disputeData(r, id); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.DisputeTrail(d))
}

// disputesAssign handles POST /disputes/{id}/assign (user_id, empty for
// nobody): admins hand a dispute to an admin or support user. Audit-logged.
func (s *Server) disputesAssign(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := disputeID(r)
	if err != nil {
		return err
	}
	var to *int64
	if v := strings.TrimSpace(r.PostFormValue("user_id")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return apiError{http.StatusUnprocessableEntity, "user_id must be a user's ID, or empty for nobody."}
		}
		to = &n
	}
	err = s.store.AssignDispute(ctx, id, to, currentUser(ctx).Email)
	if errors.Is(err, store.ErrNotAssignable) {
		return apiError{http.StatusUnprocessableEntity, "Disputes go to active admin or support users only."}
	} else if err != nil {
		return err
	}
	msg := "The dispute is unassigned."
	if to != nil {
		msg = "The dispute is assigned."
	}
	s.flash(ctx, "ok", msg)
	redirectAfterPost(w, r, fmt.Sprintf("/disputes/%d", id))
	return nil
}

// disputesTake handles POST /disputes/{id}/take: the signed-in staff member
// (support too) takes the dispute; only admins assign it to someone else.
func (s *Server) disputesTake(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := disputeID(r)
	if err != nil {
		return err
	}
	me := currentUser(ctx)
	if err := s.store.AssignDispute(ctx, id, &me.ID, me.Email); err != nil {
		return err
	}
	s.flash(ctx, "ok", "You have the dispute.")
	redirectAfterPost(w, r, fmt.Sprintf("/disputes/%d", id))
	return nil
}

// disputesClose handles POST /disputes/{id}/close: the dispute leaves the
// queue (Stripe keeps owning its status); the customer's payment state is
// recomputed and, when it changed, the CRM hears of it. Audit-logged.
func (s *Server) disputesClose(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := disputeID(r)
	if err != nil {
		return err
	}
	var res store.DisputeClose
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		var cerr error
		if res, cerr = tx.CloseDispute(ctx, id, currentUser(ctx).Email); cerr != nil {
			return cerr
		}
		if !res.PaymentChanged || s.cfg.Dispatch == nil {
			return nil
		}
		return s.cfg.Dispatch.AccountChanged(ctx, tx, *res.AccountID, time.Now())
	})
	if err != nil {
		return err
	}
	if res.AlreadyClosed {
		s.flash(ctx, "ok", "The dispute was already closed.")
	} else {
		s.flash(ctx, "ok", "The dispute is closed in the queue. Stripe still decides its status.")
	}
	redirectAfterPost(w, r, fmt.Sprintf("/disputes/%d", id))
	return nil
}
