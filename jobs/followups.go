package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/switchboardhq/switchboard/jobs/mail"
	"github.com/switchboardhq/switchboard/store"
)

// Inserter enqueues River jobs inside a transaction (a *river.Client[pgx.Tx]).
type Inserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Dispatcher is Switchboard's FollowUps: after an event is applied it enqueues,
// in the event's transaction, the CRM syncs, emails, alerts and tickets that
// the change calls for. Workers share it to raise alerts and enqueue more.
type Dispatcher struct {
	jobs   Inserter
	crm    string // provider name; "" when CRM_PROVIDER=none
	alerts AlertChannels
	app    AppWebhook // URL "" when APP_WEBHOOK_URL is unset
}

// NewDispatcher returns the follow-ups for d, enqueued through jobs (a River
// client; an insert-only one will do).
func NewDispatcher(d Deps, jobs Inserter) *Dispatcher {
	disp := &Dispatcher{jobs: jobs, alerts: d.Alerts, app: d.App}
	if d.CRM != nil {
		disp.crm = d.CRM.Name()
	}
	return disp
}

// AfterApply enqueues what an applied event calls for, in its transaction.
func (d *Dispatcher) AfterApply(ctx context.Context, tx *store.Store, fx *Effects) error {
	at := time.Now()
	if fx.EventID != "" && len(fx.Accounts) > 0 && d.crm != "" {
		if t, err := tx.EventReceivedAt(ctx, fx.EventID); err == nil {
			at = t // the CRM latency runs from the webhook's arrival
		}
	}
	// Ascending IDs: the lock order of stripe_apply.go, step 5.
	for _, id := range fx.AccountIDs() {
		if err := d.AccountChanged(ctx, tx, id, at); err != nil {
			return err
		}
	}
	for _, o := range fx.Orders {
		if err := d.orderMail(ctx, tx, o); err != nil {
			return err
		}
	}
	for _, inv := range fx.Invoices {
		if err := d.invoiceMail(ctx, tx, inv); err != nil {
			return err
		}
	}
	for _, de := range fx.Disputes {
		if err := d.disputeFollowUps(ctx, tx, de, fx.EventID); err != nil {
			return err
		}
	}
	if err := d.appEvents(ctx, tx, fx); err != nil {
		return err
	}
	for _, p := range fx.Payouts {
		if p.To != "failed" {
			continue
		}
		if err := d.Raise(ctx, tx, store.NewAlert{
			Kind: store.AlertPayoutFailed, Subject: "payout:" + p.StripePayoutID, Severity: store.SeverityCritical,
			Message: payoutMessage(ctx, tx, p),
		}); err != nil {
			return err
		}
	}
	return nil
}

// AccountChanged records that an account must reach the CRM and enqueues its
// sync (one pending job per account: a burst of changes is one push).
func (d *Dispatcher) AccountChanged(ctx context.Context, tx *store.Store, id int64, at time.Time) error {
	return d.accountChanged(ctx, tx, id, at, nil)
}

// accountChanged is AccountChanged with insert options (a backfill's
// scheduled time).
func (d *Dispatcher) accountChanged(ctx context.Context, tx *store.Store, id int64, at time.Time, opts *river.InsertOpts) error {
	if err := tx.RequestCRMSync(ctx, id, at, d.crm != ""); err != nil {
		return err
	}
	if d.crm == "" {
		return nil
	}
	if _, err := d.jobs.InsertTx(ctx, tx.Tx(), CRMSyncArgs{AccountID: id}, opts); err != nil {
		return fmt.Errorf("enqueue crm sync: %w", err)
	}
	return nil
}

// orderMail queues the email an order's status change calls for.
func (d *Dispatcher) orderMail(ctx context.Context, tx *store.Store, o OrderEffect) error {
	if o.AccountID == nil {
		return nil
	}
	var kind, key string
	switch {
	case o.To == store.OrderPaid && (o.From == "" || o.From == store.OrderPending || o.From == store.OrderFailed):
		kind, key = store.MsgOrderConfirmation, fmt.Sprintf("order_confirmation:order:%d", o.OrderID)
	case o.To == store.OrderRefunded || o.To == store.OrderPartiallyRefunded:
		kind, key = store.MsgRefundNotice, fmt.Sprintf("refund_notice:order:%d:%s", o.OrderID, o.To)
	case o.To == store.OrderFailed:
		kind, key = store.MsgPaymentFailed, fmt.Sprintf("payment_failed:order:%d", o.OrderID)
	default:
		return nil
	}
	return d.queueMail(ctx, tx, store.NewMessage{Key: key, Kind: kind, AccountID: o.AccountID, OrderID: &o.OrderID})
}

// invoiceMail queues the failed-payment message for an invoice's first failure.
func (d *Dispatcher) invoiceMail(ctx context.Context, tx *store.Store, inv InvoiceEffect) error {
	if !inv.FirstFailure || inv.AccountID == nil {
		return nil
	}
	return d.queueMail(ctx, tx, store.NewMessage{
		Key: "payment_failed:invoice:" + inv.StripeInvoiceID, Kind: store.MsgPaymentFailed, AccountID: inv.AccountID,
		Detail: map[string]any{"invoice_id": inv.StripeInvoiceID},
	})
}

// queueMail records a message for its business event and, the first time
// only, enqueues its send job. Accounts without an email get none.
func (d *Dispatcher) queueMail(ctx context.Context, tx *store.Store, m store.NewMessage) error {
	if m.To == "" {
		acct, err := tx.AccountByID(ctx, *m.AccountID)
		if err != nil {
			return err
		}
		if acct.Email == nil {
			return nil
		}
		m.To = *acct.Email
	}
	id, created, err := tx.QueueMessage(ctx, m)
	if err != nil || !created {
		return err
	}
	if _, err := d.jobs.InsertTx(ctx, tx.Tx(), EmailArgs{MessageID: id}, nil); err != nil {
		return fmt.Errorf("enqueue email: %w", err)
	}
	return nil
}

// payoutMessage describes a failed payout for its alert.
func payoutMessage(ctx context.Context, tx *store.Store, p PayoutEffect) string {
	who := "a seller"
	if p.AccountID != nil {
		who = fmt.Sprintf("seller account %d", *p.AccountID)
		if a, err := tx.AccountByID(ctx, *p.AccountID); err == nil && a.Name != "" {
			who += " (" + a.Name + ")"
		}
	}
	msg := fmt.Sprintf("Payout %s to %s failed", p.StripePayoutID, who)
	if f, err := tx.PayoutFailureByStripeID(ctx, p.StripePayoutID); err == nil {
		msg += fmt.Sprintf(": %s", mail.Money(f.Amount, f.Currency))
		if f.FailureCode != "" || f.FailureMessage != "" {
			msg += fmt.Sprintf(", %s %s", f.FailureCode, f.FailureMessage)
		}
	}
	return msg + ". The seller's bank details need fixing in Stripe."
}
