// Package jobs holds River job args and workers: applying Stripe events to our
// state, and the follow-up work they enqueue. Stripe's vocabulary stays here.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	stripe "github.com/stripe/stripe-go/v76"

	"github.com/switchboardhq/switchboard/store"
)

// SupportedAPIVersion is the Stripe API version this build speaks. An event of
// another version is stored as held and applied only by replay.
const SupportedAPIVersion = stripe.APIVersion

// QueueEvents is the River queue Stripe events are applied on.
const QueueEvents = "events"

// StripeEventArgs asks a worker to apply one stored Stripe event. It carries the
// event ID only; the worker reloads the payload.
type StripeEventArgs struct {
	EventID string `json:"event_id"`
	// Replay applies the event even when it was processed, ignored or held
	// (an operator's decision); appliers are idempotent, so a replay of a
	// processed event changes nothing that is already right.
	Replay bool `json:"replay,omitempty"`
}

// Kind is the stable job kind.
func (StripeEventArgs) Kind() string { return "stripe_event" }

// InsertOpts puts events on their own queue.
func (StripeEventArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueEvents, MaxAttempts: 20}
}

// Effects is what applying an event changed, for the follow-up work (CRM sync,
// email, alerts, tickets) that is enqueued in the same transaction.
type Effects struct {
	EventID  string          `json:"event_id"`
	Accounts map[int64]bool  `json:"accounts,omitempty"` // accounts whose record or payment state changed
	Orders   []OrderEffect   `json:"orders,omitempty"`
	Disputes []DisputeEffect `json:"disputes,omitempty"`
	Payouts  []PayoutEffect  `json:"payouts,omitempty"`
	Invoices []InvoiceEffect `json:"invoices,omitempty"`
}

// AccountIDs lists the changed accounts in ascending order.
func (e *Effects) AccountIDs() []int64 {
	ids := make([]int64, 0, len(e.Accounts))
	for id := range e.Accounts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Empty reports whether applying changed nothing.
func (e *Effects) Empty() bool {
	return len(e.Accounts) == 0 && len(e.Orders) == 0 && len(e.Disputes) == 0 && len(e.Payouts) == 0 && len(e.Invoices) == 0
}

// OrderEffect is an order that changed status (or was created).
type OrderEffect struct {
	OrderID   int64  `json:"order_id"`
	AccountID *int64 `json:"account_id,omitempty"`
	From      string `json:"from"`
	To        string `json:"to"`
	Created   bool   `json:"created,omitempty"`
}

// DisputeEffect is a dispute that was created or changed status.
type DisputeEffect struct {
	DisputeID int64  `json:"dispute_id"`
	AccountID *int64 `json:"account_id,omitempty"`
	From      string `json:"from"`
	To        string `json:"to"`
	Created   bool   `json:"created,omitempty"`
}

// PayoutEffect is a seller payout that changed status.
type PayoutEffect struct {
	StripePayoutID string `json:"stripe_payout_id"`
	AccountID      *int64 `json:"account_id,omitempty"`
	From           string `json:"from"`
	To             string `json:"to"`
}

// InvoiceEffect is an invoice's first failed payment.
type InvoiceEffect struct {
	StripeInvoiceID string `json:"stripe_invoice_id"`
	AccountID       *int64 `json:"account_id,omitempty"`
	FirstFailure    bool   `json:"first_failure,omitempty"`
}

func (e *Effects) account(id int64) {
	if e.Accounts == nil {
		e.Accounts = map[int64]bool{}
	}
	e.Accounts[id] = true
}

// FollowUps enqueues the work that follows an applied event, inside its
// transaction. A StripeEventWorker with nil FollowUps enqueues none; New
// supplies the Dispatcher.
type FollowUps interface {
	AfterApply(ctx context.Context, tx *store.Store, fx *Effects) error
	// Raise raises an alert inside tx (an event that cannot be applied).
	Raise(ctx context.Context, tx *store.Store, a store.NewAlert) error
}

// StripeEventWorker applies stored Stripe events to accounts, orders,
// subscriptions, invoices, refunds, disputes and payouts, one transaction an
// event. It is idempotent: a processed event is not applied twice.
type StripeEventWorker struct {
	river.WorkerDefaults[StripeEventArgs]
	Store     *store.Store
	Logger    *slog.Logger
	FollowUps FollowUps
	// Metrics, if set, gets each event's arrival-to-processed time.
	Metrics Metrics
}

// Timeout bounds one attempt.
func (w *StripeEventWorker) Timeout(*river.Job[StripeEventArgs]) time.Duration {
	return eventTimeout
}

// errPermanent marks a failure that retrying cannot fix (an event we cannot read).
type errPermanent struct{ msg string }

func (e errPermanent) Error() string { return e.msg }

// permanent reports whether retrying err cannot help: an event we cannot read,
// or data Postgres refuses (a constraint the Stripe object breaks).
func permanent(err error) bool {
	var perm errPermanent
	return errors.As(err, &perm) || store.Permanent(err)
}

// Work applies one event. A failed attempt leaves the event received while
// River will retry it; the last attempt, or a permanent failure, marks it
// failed with an alert.
func (w *StripeEventWorker) Work(ctx context.Context, job *river.Job[StripeEventArgs]) error {
	status, err := w.apply(ctx, job.Args.EventID, job.Args.Replay, true, job.Attempt >= job.MaxAttempts)
	if err == nil && status == store.EventProcessed && !job.Args.Replay && w.Metrics != nil {
		// The job was inserted in the webhook's transaction, with the event.
		w.Metrics.EventProcessed(time.Since(job.CreatedAt))
	}
	return err
}

// Apply applies one stored event in one transaction and returns its resulting
// status. With replay it applies events that were held, ignored, failed or
// already processed (appliers are idempotent). A failure is recorded on the
// event, which is failed (nothing retries an in-process apply), and returned
// (wrapped in river.JobCancel when retrying cannot help).
func (w *StripeEventWorker) Apply(ctx context.Context, id string, replay bool) (string, error) {
	return w.apply(ctx, id, replay, false, true)
}

// apply is Apply; fromRiver says River runs it (and alerts are raised for a
// final failure); last says no retry follows a failure.
//
// The apply commits durably (waiting for its WAL flush) before River hears
// the job succeeded: River's completer retries a completion that failed
// (Postgres restarting), so a job can be marked completed after a crash that
// lost an apply which had committed without waiting for the flush. The fault
// suite caught that: an acknowledged event left received, its job completed.
func (w *StripeEventWorker) apply(ctx context.Context, id string, replay, fromRiver, last bool) (string, error) {
	var status string
	err := w.Store.InTx(ctx, func(tx *store.Store) error {
		var err error
		status, _, err = w.applyTx(ctx, tx, id, replay)
		return err
	})
	if err == nil {
		return status, nil
	}
	if errors.Is(err, store.ErrNotFound) {
		w.Logger.ErrorContext(ctx, "stripe event job names no stored event", "event_id", id)
		return "", river.JobCancel(err)
	}
	msg := err.Error()
	if len(msg) > 2000 {
		msg = msg[:2000]
	}
	perm := permanent(err)
	final := perm || last
	// Record the attempt outside the rolled-back transaction, so the console
	// shows it while River retries, and alert when nothing will.
	rctx := context.WithoutCancel(ctx)
	if ferr := w.Store.InTx(rctx, func(tx *store.Store) error {
		if err := tx.FailEventAttempt(rctx, id, msg, final); err != nil || !final || w.FollowUps == nil || !fromRiver {
			return err
		}
		return w.FollowUps.Raise(rctx, tx, store.NewAlert{
			Kind: store.AlertEventFailed, Subject: "event:" + id, Severity: store.SeverityCritical,
			Message: "Stripe event " + id + " cannot be applied and will not be retried: " + msg +
				". Fix the cause, then replay it from the event's page.",
		})
	}); ferr != nil {
		w.Logger.ErrorContext(ctx, "recording failed event attempt", "event_id", id, "err", ferr)
		if perm {
			// Unrecorded, a cancelled job would leave the event received
			// with nothing to retry it: let River try again, and that
			// attempt records the failure.
			return store.EventReceived, err
		}
	}
	if !final {
		return store.EventReceived, err
	}
	if perm {
		w.Logger.ErrorContext(ctx, "stripe event cannot be applied; not retrying", "event_id", id, "err", err)
		return store.EventFailed, river.JobCancel(err)
	}
	return store.EventFailed, err
}

// applyTx applies one event inside tx: it locks the event, applies it, enqueues
// the follow-ups and records the outcome with what changed. fx is nil when the
// event was left alone (already applied, ignored or held, without replay).
func (w *StripeEventWorker) applyTx(ctx context.Context, tx *store.Store, id string, replay bool) (string, *Effects, error) {
	ev, err := tx.LockEvent(ctx, id)
	if err != nil {
		return "", nil, err
	}
	if !replay && ev.Status != store.EventReceived && ev.Status != store.EventFailed {
		return ev.Status, nil, nil // already applied, ignored, or held for replay
	}
	var evt stripe.Event
	if err := json.Unmarshal(ev.Payload, &evt); err != nil {
		return "", nil, errPermanent{"payload is not a Stripe event: " + err.Error()}
	}
	fx := &Effects{EventID: ev.ID}
	reason, err := apply(ctx, tx, &evt, fx)
	if err != nil {
		return "", nil, err
	}
	if reason == "" && w.FollowUps != nil {
		if err := w.FollowUps.AfterApply(ctx, tx, fx); err != nil {
			return "", nil, fmt.Errorf("enqueue follow-ups: %w", err)
		}
	}
	status := store.EventProcessed
	if reason != "" {
		status = store.EventIgnored
	}
	b, err := json.Marshal(fx)
	if err != nil {
		return "", nil, fmt.Errorf("encode effects: %w", err)
	}
	return status, fx, tx.FinishEvent(ctx, ev.ID, status, reason, b)
}

// Classify decides what the webhook does with a verified event: received (apply
// it), held (another API version) or ignored, with the reason.
func Classify(production bool, evtType, apiVersion string, livemode bool) (status, reason string) {
	switch {
	case livemode && !production:
		return store.EventIgnored, "live-mode event reached a non-production deployment"
	case !livemode && production:
		return store.EventIgnored, "test-mode event reached production"
	case !Handles(evtType):
		return store.EventIgnored, "event type " + evtType + " is not handled"
	case apiVersion != SupportedAPIVersion:
		return store.EventHeld, fmt.Sprintf("API version %q; this build speaks %s: fix the endpoint's version, then replay", apiVersion, SupportedAPIVersion)
	}
	return store.EventReceived, ""
}

// Handles reports whether an event type is applied by the worker.
func Handles(evtType string) bool {
	_, ok := appliers[evtType]
	return ok
}

// HandledTypes lists the event types to enable on the Stripe endpoint.
func HandledTypes() []string {
	out := make([]string, 0, len(appliers))
	for t := range appliers {
		out = append(out, t)
	}
	return out
}

// clean makes a Stripe string storable: Postgres text cannot hold NUL, so NUL
// becomes U+FFFD; every other byte is kept as it came.
func clean(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}
