package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	stripe "github.com/stripe/stripe-go/v76"

	"github.com/switchboardhq/switchboard/store"
)

// Lock order. Events about the same objects are applied concurrently, so every
// applier takes its locks in one order, and no two transactions can wait on
// each other in a cycle:
//
//  1. the payment object's key (LockKey on the payment intent, else the charge,
//     checkout session, dispute, subscription or invoice ID), once, first;
//  2. the buyer: the customer's key, the email's key, the account row
//     (UpsertCustomer, AccountForEmail);
//  3. the seller: the Connect account's key and row (UpsertSeller);
//  4. the object's own rows (order, refund, dispute, subscription, invoice),
//     then the buyer's payment state (RefreshPaymentState, a row already held);
//  5. follow-ups (Dispatcher.AfterApply): accounts in ascending ID order, each
//     account row before its unique CRM job, then mail, alerts and tickets.
//
// Events with no payment object (customer, Connect account, payout) start at
// step 2 or 3.

// applyCtx is one event being applied inside its transaction.
type applyCtx struct {
	tx  *store.Store
	evt *stripe.Event
	fx  *Effects
}

func (a *applyCtx) seenAt() time.Time { return time.Unix(a.evt.Created, 0).UTC() }

func (a *applyCtx) decode(v any) error {
	if a.evt.Data == nil || len(a.evt.Data.Raw) == 0 {
		return errPermanent{"event has no data.object"}
	}
	if err := json.Unmarshal(a.evt.Data.Raw, v); err != nil {
		return errPermanent{"data.object: " + err.Error()}
	}
	return nil
}

type applier func(ctx context.Context, a *applyCtx) (ignored string, err error)

// appliers maps every handled event type to what applies it.
var appliers = map[string]applier{
	"customer.created": applyCustomer,
	"customer.updated": applyCustomer,

	"checkout.session.completed":               applyCheckoutSession,
	"checkout.session.async_payment_succeeded": applyCheckoutSession,
	"checkout.session.async_payment_failed":    applyCheckoutSession,
	"checkout.session.expired":                 applyCheckoutSession,
	"payment_intent.created":                   applyPaymentIntent,
	"payment_intent.processing":                applyPaymentIntent,
	"payment_intent.requires_action":           applyPaymentIntent,
	"payment_intent.succeeded":                 applyPaymentIntent,
	"payment_intent.payment_failed":            applyPaymentIntent,
	"payment_intent.canceled":                  applyPaymentIntent,
	"charge.succeeded":                         applyCharge,
	"charge.failed":                            applyCharge,
	"charge.pending":                           applyCharge,
	"charge.captured":                          applyCharge,
	"charge.refunded":                          applyCharge,
	"charge.refund.updated":                    applyRefund,
	"refund.created":                           applyRefund,
	"refund.updated":                           applyRefund,
	"refund.failed":                            applyRefund,
	"charge.dispute.created":                   applyDispute,
	"charge.dispute.updated":                   applyDispute,
	"charge.dispute.closed":                    applyDispute,
	"charge.dispute.funds_withdrawn":           applyDispute,
	"charge.dispute.funds_reinstated":          applyDispute,
	"customer.subscription.created":            applySubscription,
	"customer.subscription.updated":            applySubscription,
	"customer.subscription.deleted":            applySubscription,
	"customer.subscription.paused":             applySubscription,
	"customer.subscription.resumed":            applySubscription,
	"invoice.created":                          applyInvoice,
	"invoice.finalized":                        applyInvoice,
	"invoice.updated":                          applyInvoice,
	"invoice.paid":                             applyInvoice,
	"invoice.payment_succeeded":                applyInvoice,
	"invoice.payment_failed":                   applyInvoice,
	"invoice.payment_action_required":          applyInvoice,
	"invoice.voided":                           applyInvoice,
	"invoice.marked_uncollectible":             applyInvoice,
	"account.updated":                          applyConnectAccount,
	"payout.created":                           applyPayout,
	"payout.updated":                           applyPayout,
	"payout.paid":                              applyPayout,
	"payout.failed":                            applyPayout,
	"payout.canceled":                          applyPayout,
}

// apply runs the event's applier.
func apply(ctx context.Context, tx *store.Store, evt *stripe.Event, fx *Effects) (string, error) {
	f, ok := appliers[string(evt.Type)]
	if !ok {
		return "event type " + string(evt.Type) + " is not handled", nil
	}
	return f(ctx, &applyCtx{tx: tx, evt: evt, fx: fx})
}

func applyCustomer(ctx context.Context, a *applyCtx) (string, error) {
	var c stripe.Customer
	if err := a.decode(&c); err != nil {
		return "", err
	}
	if err := a.tx.LockKey(ctx, c.ID); err != nil {
		return "", err
	}
	acct, err := a.tx.UpsertCustomer(ctx, store.CustomerUpsert{
		StripeCustomerID: c.ID, Email: clean(c.Email), Name: clean(c.Name), SeenAt: a.seenAt(), Snapshot: true,
	})
	if err != nil {
		return "", err
	}
	a.fx.account(acct.ID)
	return "", nil
}

// payer is who paid, as far as a payment object says.
type payer struct {
	customerID string
	email      string
	name       string
}

// account finds or creates the payer's canonical account; guest checkouts with
// neither customer nor email have none.
func (a *applyCtx) account(ctx context.Context, p payer) (*int64, error) {
	var acct store.Account
	var err error
	switch {
	case p.customerID != "":
		if err := a.tx.LockKey(ctx, p.customerID); err != nil {
			return nil, err
		}
		acct, err = a.tx.UpsertCustomer(ctx, store.CustomerUpsert{
			StripeCustomerID: p.customerID, Email: clean(p.email), Name: clean(p.name), SeenAt: a.seenAt(),
		})
	case p.email != "":
		acct, err = a.tx.AccountForEmail(ctx, clean(p.email), clean(p.name))
	default:
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &acct.ID, nil
}

// seller finds or creates the Connect seller a payment is for.
func (a *applyCtx) seller(ctx context.Context, stripeAccountID string) (*int64, error) {
	if stripeAccountID == "" {
		return nil, nil
	}
	if err := a.tx.LockKey(ctx, stripeAccountID); err != nil {
		return nil, err
	}
	acct, err := a.tx.UpsertSeller(ctx, store.SellerUpsert{StripeAccountID: stripeAccountID})
	if err != nil {
		return nil, err
	}
	return &acct.ID, nil
}

// upsertOrder writes an order and notes what changed.
func (a *applyCtx) upsertOrder(ctx context.Context, in store.OrderUpsert) error {
	ch, err := a.tx.UpsertOrder(ctx, in)
	if err != nil {
		return err
	}
	o := ch.Order
	if ch.Created || ch.FromStatus != o.Status {
		a.fx.Orders = append(a.fx.Orders, OrderEffect{OrderID: o.ID, AccountID: o.BuyerAccountID, From: ch.FromStatus, To: o.Status, Created: ch.Created})
	}
	return a.refresh(ctx, o.BuyerAccountID)
}

// refresh recomputes an account's payment state.
func (a *applyCtx) refresh(ctx context.Context, id *int64) error {
	if id == nil {
		return nil
	}
	from, to, err := a.tx.RefreshPaymentState(ctx, *id)
	if err != nil {
		return err
	}
	if from != to {
		a.fx.account(*id)
	}
	return nil
}

// mapped translates the status of the event's object through StatusTable.
func (a *applyCtx) mapped(object, status string) (string, error) {
	ours, ok := MapStatus(object, string(a.evt.Type), status)
	if !ok {
		return "", errPermanent{fmt.Sprintf("unknown Stripe %s status %q: this build's status table needs a row for it", object, status)}
	}
	return ours, nil
}

func idOf[T any](p *T, id func(*T) string) string {
	if p == nil {
		return ""
	}
	return id(p)
}

func customerID(c *stripe.Customer) string {
	return idOf(c, func(c *stripe.Customer) string { return c.ID })
}
func accountID(c *stripe.Account) string {
	return idOf(c, func(c *stripe.Account) string { return c.ID })
}

func orderRef(md map[string]string, fallback string) string {
	if r := md["order_id"]; r != "" {
		return clean(r)
	}
	return clean(fallback)
}
