package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboardhq/switchboard/jobs"
	"github.com/switchboardhq/switchboard/store"
	"github.com/switchboardhq/switchboard/views"
)

const outboxPageSize = 50

// emailFrameCSP is the policy of a rendered email body: no scripts, no
// requests (images only as data: URLs), a sandbox even when opened on its
// own, and framing by the console only. Email HTML carries inline styles, so
// they are allowed here and nowhere else.
const emailFrameCSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; " +
	"frame-ancestors 'self'; base-uri 'none'; form-action 'none'"

// outboxIndex handles GET /outbox?status=S: every message (or one status),
// newest first, keyset-paginated by ?before=ID.
func (s *Server) outboxIndex(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.MessageFilter{Status: q.Get("status"), Limit: outboxPageSize + 1}
	if f.Status != "" && !store.ValidMessageStatus(f.Status) {
		return badRequest("status must be one of " + strings.Join(store.MessageStatuses, ", "))
	}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return badRequest("before must be a message ID")
		}
		f.BeforeID = n
	}
	ms, err := s.store.Messages(r.Context(), f)
	if err != nil {
		return err
	}
	d := views.OutboxData{Status: f.Status, Statuses: store.MessageStatuses, OutboxMode: s.cfg.MailOutbox}
	d.Messages, d.NextQuery, d.NewerHref = onePage(r, "before", ms, outboxPageSize, func(last store.Message) string {
		return strconv.FormatInt(last.ID, 10)
	})
	return s.render(w, r, http.StatusOK, views.OutboxPage(s.shell(r, "Outbox"), d))
}

// outboxShow handles GET /outbox/{id}: one message, its delivery and bodies.
func (s *Server) outboxShow(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	m, err := s.store.MessageByID(r.Context(), id)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, views.MessagePage(s.shell(r, "Message #"+strconv.FormatInt(id, 10)), m))
}

// outboxHTML handles GET /outbox/{id}/html: the HTML body alone, for the
// message page's sandboxed frame, under a policy that forbids scripts.
func (s *Server) outboxHTML(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	m, err := s.store.MessageByID(r.Context(), id)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Security-Policy", emailFrameCSP)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(m.HTMLBody))
	return nil
}

// outboxResend handles POST /outbox/{id}/resend (admin): a message that failed
// for good, or whose delivery is unknown, is queued again with a send job of
// its own. Its alert is resolved: the admin has dealt with it.
func (s *Server) outboxResend(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound()
	}
	subject := "message:" + strconv.FormatInt(id, 10)
	err = s.store.InTx(ctx, func(tx *store.Store) error {
		n, err := tx.ResendMessage(ctx, id)
		if err != nil {
			return err
		}
		for _, kind := range []string{store.AlertEmailUnknown, store.AlertEmailFailed} {
			if err := tx.ResolveAlert(ctx, kind, subject, currentUser(ctx).Email, "The message was sent again from the outbox."); err != nil {
				return err
			}
		}
		if err := tx.Audit(ctx, currentUser(ctx).Email, "message.resend", subject, map[string]any{"resend": n}); err != nil {
			return err
		}
		_, err = s.jobs.InsertTx(ctx, tx.Tx(), jobs.EmailArgs{MessageID: id, Resend: n}, nil)
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		s.flash(ctx, "error", "Only a message that failed, or whose delivery is unknown, can be resent.")
	} else if err != nil {
		return err
	} else {
		s.flash(ctx, "ok", "Message queued to be sent again.")
	}
	redirectAfterPost(w, r, messagePath(id))
	return nil
}

func messagePath(id int64) string { return "/outbox/" + strconv.FormatInt(id, 10) }
