package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/switchboardhq/switchboard/jobs/mail"
	"github.com/switchboardhq/switchboard/store"
)

// QueueMail is the queue customer email is sent on.
const QueueMail = "mail"

// EmailArgs sends one queued message (one business event). The message row's
// unique key is the idempotency key; the job is unique too, per message and
// per admin resend.
type EmailArgs struct {
	MessageID int64 `json:"message_id"`
	// Resend is the admin's resend number (0 for the first send), so that a
	// resend gets a job of its own.
	Resend int `json:"resend,omitempty"`
}

// Kind is the stable job kind.
func (EmailArgs) Kind() string { return "email" }

// InsertOpts: one job per message and resend, ever (completed ones count too).
func (EmailArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMail, MaxAttempts: 8, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// EmailWorker renders a message from its order and account and sends it, or
// keeps it in the outbox when no SMTP server is configured.
//
// Delivery is at most once per business event: the message is marked sending
// (committed) before the SMTP conversation and sent afterwards. A refused send
// is retried (degraded meanwhile); an attempt whose outcome was never recorded
// (the process died mid-send, or the database went away before the result was
// written) leaves the message sending, and the next attempt marks it unknown and
// raises an alert instead of sending again: an admin resends it from the outbox.
type EmailWorker struct {
	river.WorkerDefaults[EmailArgs]
	Store    *store.Store
	Logger   *slog.Logger
	Mail     mail.Sender // nil: outbox
	Dispatch *Dispatcher
	// NextStepURL is where a customer updates their card (BASE_URL's billing page).
	NextStepURL string
}

// Timeout bounds one send.
func (w *EmailWorker) Timeout(*river.Job[EmailArgs]) time.Duration { return emailTimeout }

// Work sends the message once.
func (w *EmailWorker) Work(ctx context.Context, job *river.Job[EmailArgs]) error {
	m, err := w.Store.MessageByID(ctx, job.Args.MessageID)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(err)
	} else if err != nil {
		return err
	}
	switch m.Status {
	case store.MsgSending:
		return w.unknown(ctx, m, "an earlier attempt started sending it and never recorded the outcome")
	case store.MsgQueued, store.MsgDegraded:
	default:
		return nil // sent, kept in the outbox, failed for good or unknown: nothing to do
	}
	r, err := w.render(ctx, m)
	if err != nil && !errors.Is(err, errCannotRender) {
		// Reading the order or account failed (the database restarting, a
		// timeout): the message stays queued and this job retries it.
		return err
	}
	rctx := context.WithoutCancel(ctx)
	if err != nil {
		w.Logger.ErrorContext(ctx, "email cannot be rendered", "message_id", m.ID, "err", err)
		// Failed for good, and the job ends only once that is recorded:
		// a cancelled job must never leave its message queued.
		if ferr := w.Store.MessageFailed(rctx, m.ID, err.Error(), true); ferr != nil {
			return ferr
		}
		return river.JobCancel(err)
	}
	if w.Mail == nil {
		return w.Store.MessageDelivered(rctx, m.ID, store.MsgOutbox, r)
	}
	if claimed, err := w.Store.MessageSending(ctx, m.ID); err != nil {
		return err
	} else if !claimed {
		// It changed since it was read: let the next attempt see what it is
		// now (sent, unknown, …) rather than finish without sending.
		return fmt.Errorf("message %d changed while being claimed; retrying", m.ID)
	}
	err = w.Mail.Send(ctx, mail.Message{To: m.To, Subject: r.Subject, Text: r.TextBody, HTML: r.HTMLBody,
		MessageID: MessageID(m.Key), InReplyTo: m.InReplyTo, References: m.ThreadRefs})
	if err == nil {
		return w.sent(rctx, m.ID, r)
	}
	if ctx.Err() != nil {
		// Stopped mid-conversation: the server may have taken the message.
		return w.unknown(rctx, m, "the send was interrupted ("+ctx.Err().Error()+")")
	}
	return w.refused(rctx, job, m, err)
}

// sent records a delivered message. The customer has the email now, so the
// record is retried for a while (a Postgres restart takes seconds) before the
// attempt gives up and leaves the message sending, which the next attempt
// turns into unknown rather than a second email.
func (w *EmailWorker) sent(ctx context.Context, id int64, r store.RenderedMessage) error {
	var err error
	for i, wait := 0, 50*time.Millisecond; i < 8; i, wait = i+1, wait*2 {
		if i > 0 {
			time.Sleep(min(wait, 5*time.Second))
		}
		err = w.Store.InTx(ctx, func(tx *store.Store) error {
			if err := tx.MessageDelivered(ctx, id, store.MsgSent, r); err != nil {
				return err
			}
			return tx.ResolveAlert(ctx, store.AlertMailUnavailable, "smtp", store.AlertResolver, "The mail server took a message again.")
		})
		if err == nil || !store.ConnLost(err) {
			return err
		}
	}
	w.Logger.ErrorContext(ctx, "email sent but not recorded", "message_id", id, "err", err)
	return err
}

// unknown marks a message whose outcome is unknown, with its alert, and ends
// the job: sending again could give the customer the same email twice.
func (w *EmailWorker) unknown(ctx context.Context, m store.Message, why string) error {
	ctx = context.WithoutCancel(ctx)
	w.Logger.ErrorContext(ctx, "email outcome unknown; not sending again", "message_id", m.ID, "why", why)
	err := w.Store.InTx(ctx, func(tx *store.Store) error {
		marked, err := tx.MessageUnknown(ctx, m.ID, why)
		if err != nil || !marked {
			return err
		}
		return w.Dispatch.Raise(ctx, tx, store.NewAlert{
			Kind: store.AlertEmailUnknown, Subject: fmt.Sprintf("message:%d", m.ID), Severity: store.SeverityCritical,
			Message: fmt.Sprintf("The %s email to account %s (message %d) may or may not have reached the customer: %s. "+
				"It is not sent again automatically; check your mail provider's log, then resend it from the outbox if it is missing.",
				m.Kind, idString(m.AccountID), m.ID, why),
		})
	})
	if err != nil {
		return err
	}
	return river.JobCancel(fmt.Errorf("message %d: outcome unknown (%s); resend from the outbox", m.ID, why))
}

// refused records a send the SMTP server refused (or could not be reached
// for) with its alert, and retries unless it was the last attempt or the
// credentials are wrong.
func (w *EmailWorker) refused(ctx context.Context, job *river.Job[EmailArgs], m store.Message, err error) error {
	final := job.Attempt >= job.MaxAttempts || errors.Is(err, mail.ErrAuth)
	a := store.NewAlert{Kind: store.AlertMailUnavailable, Subject: "smtp",
		Message: fmt.Sprintf("Sending email is failing (%s); messages are retried and marked degraded meanwhile.", err)}
	switch {
	case errors.Is(err, mail.ErrAuth):
		a = store.NewAlert{Kind: store.AlertBadCredential, Subject: "smtp", Severity: store.SeverityCritical,
			Message: fmt.Sprintf("The SMTP server refuses Switchboard's credentials (%s): fix SMTP_URL.", err)}
	case final:
		a = store.NewAlert{Kind: store.AlertEmailFailed, Subject: fmt.Sprintf("message:%d", m.ID), Severity: store.SeverityCritical,
			Message: fmt.Sprintf("The %s email to account %s was not sent after %d attempts: %s", m.Kind, idString(m.AccountID), job.Attempt, err)}
	}
	// The message's state and its alert are written together.
	if rerr := w.Store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.MessageFailed(ctx, m.ID, err.Error(), final); err != nil {
			return err
		}
		return w.Dispatch.Raise(ctx, tx, a)
	}); rerr != nil {
		return rerr
	}
	if errors.Is(err, mail.ErrAuth) {
		w.Logger.ErrorContext(ctx, "smtp refuses the credentials; not retrying", "message_id", m.ID, "err", err)
		return river.JobCancel(err)
	}
	return err
}

// errCannotRender marks a message that can never be rendered (its account or
// order is gone, or the template refuses the data); any other render error is
// the database's and is retried.
var errCannotRender = errors.New("cannot render")

// render builds the message from its order and account as they are now; a
// ticket reply goes out as staff wrote it.
func (w *EmailWorker) render(ctx context.Context, m store.Message) (store.RenderedMessage, error) {
	if m.Kind == store.MsgTicketReply {
		return store.RenderedMessage{Subject: m.Subject, TextBody: m.TextBody, HTMLBody: mail.TextHTML(m.TextBody)}, nil
	}
	classify := func(err error) error {
		if errors.Is(err, store.ErrNotFound) || store.Permanent(err) {
			return fmt.Errorf("%w: %w", errCannotRender, err)
		}
		return err
	}
	var d mail.Data
	if m.AccountID != nil {
		a, err := w.Store.AccountByID(ctx, *m.AccountID)
		if err != nil {
			return store.RenderedMessage{}, classify(err)
		}
		d.Name = a.Name
	}
	if m.OrderID != nil {
		o, err := w.Store.OrderByID(ctx, *m.OrderID)
		if err != nil {
			return store.RenderedMessage{}, classify(err)
		}
		// The marketplace's reference, never our internal number: without
		// one the mail says "your order".
		d.OrderRef = o.Reference
		d.Amount, d.Refunded, d.Status = mail.Money(o.Amount, o.Currency), mail.Money(o.RefundedAmount, o.Currency), o.Status
	}
	if m.Kind == store.MsgPaymentFailed {
		d.NextStep = w.NextStepURL
		var detail struct {
			InvoiceID string `json:"invoice_id"`
		}
		_ = json.Unmarshal(m.Detail, &detail)
		d.InvoiceID = detail.InvoiceID
	}
	subject, text, html, err := mail.Render(m.Kind, d)
	if err != nil {
		return store.RenderedMessage{}, fmt.Errorf("%w: %w", errCannotRender, err)
	}
	return store.RenderedMessage{Subject: subject, TextBody: text, HTMLBody: html}, nil
}

// MessageID is the stable Message-ID (without angle brackets) of the message
// with a key: a receiver can drop a repeated send, and a customer's answer to
// a ticket reply names it.
func MessageID(key string) string {
	return strings.NewReplacer(":", ".", " ", "").Replace(key) + "@switchboard"
}

func idString(id *int64) string {
	if id == nil {
		return "(none)"
	}
	return fmt.Sprint(*id)
}
