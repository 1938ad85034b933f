package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/switchboardhq/switchboard/jobs/mail"
	"github.com/switchboardhq/switchboard/store"
)

// QueueMail is the queue customer email is sent on.
const QueueMail = "mail"

// EmailArgs sends one queued message (one business event). The message row's
// unique key is the idempotency key; the job is unique too.
type EmailArgs struct {
	MessageID int64 `json:"message_id"`
}

// Kind is the stable job kind.
func (EmailArgs) Kind() string { return "email" }

// InsertOpts: one job per message, ever (completed ones count too).
func (EmailArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMail, MaxAttempts: 8, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// EmailWorker renders a message from its order and account and sends it, or
// keeps it in the outbox when no SMTP server is configured. A message already
// sent is never sent again. A failed send leaves the order as it is and marks
// the message degraded (the customer page shows it) while it is retried.
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
func (w *EmailWorker) Timeout(*river.Job[EmailArgs]) time.Duration { return 30 * time.Second }

// Work sends the message once.
func (w *EmailWorker) Work(ctx context.Context, job *river.Job[EmailArgs]) error {
	m, err := w.Store.MessageByID(ctx, job.Args.MessageID)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(err)
	} else if err != nil {
		return err
	}
	if m.Status == store.MsgSent || m.Status == store.MsgOutbox {
		return nil
	}
	r, err := w.render(ctx, m)
	if err != nil {
		w.Logger.ErrorContext(ctx, "email cannot be rendered", "message_id", m.ID, "err", err)
		_ = w.Store.MessageFailed(context.WithoutCancel(ctx), m.ID, err.Error(), true)
		return river.JobCancel(err)
	}
	rctx := context.WithoutCancel(ctx)
	if w.Mail == nil {
		return w.Store.MessageDelivered(rctx, m.ID, store.MsgOutbox, r)
	}
	err = w.Mail.Send(ctx, mail.Message{To: m.To, Subject: r.Subject, Text: r.TextBody, HTML: r.HTMLBody, MessageID: messageID(m.Key)})
	if err == nil {
		return w.Store.InTx(rctx, func(tx *store.Store, _ pgx.Tx) error {
			if err := tx.MessageDelivered(rctx, m.ID, store.MsgSent, r); err != nil {
				return err
			}
			return tx.ResolveAlert(rctx, store.AlertMailUnavailable, "smtp")
		})
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
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
	if rerr := w.Store.InTx(rctx, func(tx *store.Store, pgxTx pgx.Tx) error {
		if err := tx.MessageFailed(rctx, m.ID, err.Error(), final); err != nil {
			return err
		}
		return w.Dispatch.Raise(rctx, tx, pgxTx, a)
	}); rerr != nil {
		return rerr
	}
	if errors.Is(err, mail.ErrAuth) {
		w.Logger.ErrorContext(ctx, "smtp refuses the credentials; not retrying", "message_id", m.ID, "err", err)
		return river.JobCancel(err)
	}
	return err
}

// render builds the message from its order and account as they are now.
func (w *EmailWorker) render(ctx context.Context, m store.Message) (store.RenderedMessage, error) {
	var d mail.Data
	if m.AccountID != nil {
		a, err := w.Store.AccountByID(ctx, *m.AccountID)
		if err != nil {
			return store.RenderedMessage{}, err
		}
		d.Name = a.Name
	}
	if m.OrderID != nil {
		o, err := w.Store.OrderByID(ctx, *m.OrderID)
		if err != nil {
			return store.RenderedMessage{}, err
		}
		d.OrderRef = o.Reference
		if d.OrderRef == "" {
			d.OrderRef = fmt.Sprintf("#%d", o.ID)
		}
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
	return store.RenderedMessage{Subject: subject, TextBody: text, HTMLBody: html}, err
}

// messageID is a stable Message-ID for a message key.
func messageID(key string) string {
	return strings.NewReplacer(":", ".", " ", "").Replace(key) + "@switchboard"
}

func idString(id *int64) string {
	if id == nil {
		return "(none)"
	}
	return fmt.Sprint(*id)
}
